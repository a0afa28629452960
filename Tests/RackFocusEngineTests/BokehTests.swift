import Testing
@testable import RackFocusCore
@testable import RackFocusEngine

/// Lights and depth edges as a renderer writes them: anti-aliased colour (4 x 4 samples per pixel),
/// depth sampled at the pixel centre (issue 18's "must show" list).
@Suite struct BokehTests {
    /// A scene of a near shape in front of a wall: colour averaged over 4 x 4 samples, depth at the centre.
    static func antiAliased(width: Int = 64, height: Int = 48, inside: (Float, Float) -> Bool,
                            near: (z: Float, colour: Float), wall: (z: Float, colour: Float)) -> (PlanarImage, [Float]) {
        let colour = Scene.image(width: width, height: height) { x, y in
            var sum: Float = 0
            for sy in 0..<4 {
                for sx in 0..<4 {
                    sum += inside(Float(x) + (Float(sx) + 0.5) / 4, Float(y) + (Float(sy) + 0.5) / 4) ? near.colour : wall.colour
                }
            }
            return SIMD3(repeating: sum / 16)
        }
        let depth = Scene.disparity(width: width, height: height) { x, y in
            inside(Float(x) + 0.5, Float(y) + 0.5) ? near.z : wall.z
        }
        return (colour, depth)
    }

    /// A small HDR light (radius 2.5 px, radiance 50) in front of a dark wall, in focus: its edge
    /// pixels carry light under the wall's depth. Scattered with that depth they made a halo of the
    /// wall's blur (7.5 px) around the light; split, the light stays a sharp disc.
    @Test func lightOnADarkEdgeMakesNoHalo() {
        let (cx, cy): (Float, Float) = (32.3, 24.4)
        let (colour, depth) = Self.antiAliased(inside: { x, y in (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 2.5 * 2.5 },
                                               near: (1, 50), wall: (4, 0.02))
        let out = Scene.linearEngine().render(colour: colour, disparity: depth, focusDistance: 1)  // wall r = 7.5
        var outside: Float = 0
        var light: Float = 0
        for y in 0..<48 {
            for x in 0..<64 {
                let d = ((Float(x) + 0.5 - cx) * (Float(x) + 0.5 - cx) + (Float(y) + 0.5 - cy) * (Float(y) + 0.5 - cy)).squareRoot()
                if d > 4.5 && d < 14 { outside = max(outside, out[x, y, 0]) }
                if d <= 4.5 { light += out[x, y, 0] }
            }
        }
        #expect(outside < 0.03, "halo: \(outside) beside the light over a 0.02 wall")
        let input = colour.samples[0..<colour.pixelCount].reduce(0) { $0 + max(0, $1 - 0.02) }
        #expect(abs(light - input) < 0.05 * input, "the light's energy stays in its disc: \(light) of \(input)")
    }

    /// A dark subject (z = 1) whose anti-aliased edge column is half subject, half bright window
    /// (z = 4), focus on the window: the subject blurs over it. Compared with the truth (the scene
    /// rendered with hard edges at 4x resolution and averaged down), and bounded by the two
    /// hard-edged readings of that column (all subject, all window). With the column's centre on the
    /// subject (edge 32.6), its window light went through the subject's blur, over the subject; with
    /// the centre on the window (32.4), the column's dark half stayed a sharp dark line in the window.
    @Test(arguments: [32.4, 32.6] as [Float])
    func darkEdgeOverBrightBackgroundMakesNoBrightFringe(edge: Float) {
        let near: (z: Float, colour: Float) = (1, 0.02), wall: (z: Float, colour: Float) = (4, 8)
        let (colour, depth) = Self.antiAliased(inside: { x, _ in x < edge }, near: near, wall: wall)
        let engine = Scene.linearEngine()
        let out = engine.render(colour: colour, disparity: depth, focusDistance: 4)  // subject r = −7.5
        let asSubject = engine.render(colour: Scene.image { x, _ in SIMD3(repeating: x <= 32 ? near.colour : wall.colour) },
                                      disparity: Scene.disparity { x, _ in x <= 32 ? near.z : wall.z }, focusDistance: 4)
        let asWindow = engine.render(colour: Scene.image { x, _ in SIMD3(repeating: x < 32 ? near.colour : wall.colour) },
                                     disparity: Scene.disparity { x, _ in x < 32 ? near.z : wall.z }, focusDistance: 4)
        // Supersampled truth: hard edges at 4x resolution (radius 4x), box-averaged down.
        let fine = DefocusEngine(settings: DefocusSettings(
            lens: .thinLens(focalLength: 36, fNumber: 0.036 / (2 * 10.0 / 64), sensorWidth: 36, breathing: false),
            maximumRadius: 64, threads: 1))
        let big = fine.render(colour: Scene.image(width: 256, height: 192) { x, _ in SIMD3(repeating: (Float(x) + 0.5) / 4 < edge ? near.colour : wall.colour) },
                              disparity: Scene.disparity(width: 256, height: 192) { x, _ in (Float(x) + 0.5) / 4 < edge ? near.z : wall.z },
                              focusDistance: 4)
        var worst: Float = 0
        for x in 16..<48 {
            var t: Float = 0
            for sy in 0..<4 { for sx in 0..<4 { t += big[4 * x + sx, 96 + sy, 0] } }
            t /= 16
            worst = max(worst, abs(out[x, 24, 0] - t))
        }
        // Measured: 0.28 (the engine's partial occlusion is a little dark 4-5 px inside the subject's
        // edge); without unmixing 1.83 (edge 32.4: a dark line) and 0.46 (32.6: the column's window
        // light spread through the subject's blur).
        #expect(worst < 0.35, "edge \(edge): \(worst) from the supersampled truth")
        let y = 24
        for x in 16..<48 {
            let high = max(asSubject[x, y, 0], asWindow[x, y, 0]), low = min(asSubject[x, y, 0], asWindow[x, y, 0])
            #expect(out[x, y, 0] <= high + 0.01 * wall.colour, "bright fringe at x = \(x): \(out[x, y, 0]) above \(high)")
            #expect(out[x, y, 0] >= low - 0.01 * wall.colour, "dark fringe at x = \(x): \(out[x, y, 0]) below \(low)")
        }
    }

    /// Unmixing moves light between depths, never creates or loses it: over a random anti-aliased
    /// scene, the layers' sources hold exactly the picture's light and one unit of coverage per pixel.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func unmixingKeepsEnergy(seed: UInt64) {
        let (colour, disparity) = DifferentialTests.scene(seed: seed)
        let engine = DifferentialTests.engine(maximum: 10, fill: false)
        let frame = engine.prepare(colour: colour, disparity: disparity, typicalFocus: 1)
        var sources = SIMD4<Double>.zero
        for layer in frame.sources { for c in layer.colour { sources += SIMD4<Double>(c) } }
        var input = SIMD4<Double>(0, 0, 0, Double(colour.pixelCount))
        for i in 0..<colour.pixelCount {
            input += SIMD4<Double>(Double(colour.samples[i]), Double(colour.samples[colour.pixelCount + i]),
                                   Double(colour.samples[2 * colour.pixelCount + i]), 0)
        }
        for c in 0..<4 { #expect(abs(sources[c] - input[c]) < 1e-5 * input[c], "channel \(c): \(sources[c]) vs \(input[c])") }
        // And the scene has edges that were split.
        let step = HiddenFill.edgeBlur / 10  // K = 10 px·m at this width
        let splits = EdgeUnmixing.splits(image: colour, disparity: disparity, step: step, threads: 1)
        #expect(splits.split.count > 20, "only \(splits.split.count) split pixels")
        for s in splits.split { #expect(abs(s.own.w + s.other.w - 1) < 1e-6 && s.own.w >= 0 && s.other.w >= 0) }
    }

    /// A lone HDR light's bokeh has as crisp an edge as the reference's at radius 8 (full resolution),
    /// 24 and 60 (radii the engine otherwise splats at 1/4 and 1/8 resolution).
    @Test(arguments: [8, 24, 60] as [Float])
    func loneHighlightDiscEdgeIsAsSharpAsTheReference(radius: Float) {
        // 160 px wide, K = 100 px·m: a light at disparity 1 − r/100 is blurred by r with focus at 1 m.
        let (w, h) = (160, 140)
        let engine = DefocusEngine(settings: DefocusSettings(
            lens: .thinLens(focalLength: 36, fNumber: 0.036 / (2 * 100.0 / 160), sensorWidth: 36, breathing: false),
            maximumRadius: 64, threads: 1))
        let image = Scene.image(width: w, height: h) { x, y in x == 80 && y == 70 ? SIMD3(5000, 5000, 5000) : SIMD3(0, 0, 0) }
        let disparity = [Float](repeating: 1 - radius / 100, count: w * h)
        let fast = engine.render(colour: image, disparity: disparity, focusDistance: 1)
        let reference = engine.renderReference(colour: image, disparity: disparity, focusDistance: 1)
        /// Pixels between 10 % and 90 % of the disc's level along the row and column through its centre.
        func edgeWidth(_ picture: PlanarImage) -> Int {
            let level = picture[80, 70, 0]
            var count = 0
            for t in 0..<w where picture[t, 70, 0] > 0.1 * level && picture[t, 70, 0] < 0.9 * level { count += 1 }
            for t in 0..<h where picture[80, t, 0] > 0.1 * level && picture[80, t, 0] < 0.9 * level { count += 1 }
            return count
        }
        let (fastEdge, referenceEdge) = (edgeWidth(fast), edgeWidth(reference))
        #expect(fastEdge <= referenceEdge, "radius \(radius): \(fastEdge) edge pixels against the reference's \(referenceEdge)")
        #expect(abs(fast[80, 70, 0] - reference[80, 70, 0]) < 1e-3 * reference[80, 70, 0], "the disc's level")
    }
}

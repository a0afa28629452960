import Testing
@testable import RackFocusCore
@testable import RackFocusEngine

/// The eight picture rules of the engine, each measured on a small synthetic scene.
/// Lens: r = 10 · (1/focus − 1/z) px (see Scene.linearEngine).
@Suite struct PictureRuleTests {
    static let red = SIMD3<Float>(0.8, 0.05, 0.05)
    static let blue = SIMD3<Float>(0.05, 0.1, 0.7)

    /// Left half (x < 32): red plane at z = 0.5; right half: blue plane at z = 1.
    static let colour = Scene.image { x, _ in x < 32 ? red : blue }
    static let depth = Scene.disparity { x, _ in x < 32 ? 0.5 : 1 }

    // Rule 1: a blurred foreground spreads over a sharp background.
    @Test func foregroundSpreadsOverSharpBackground() {
        let out = Scene.linearEngine().render(colour: Self.colour, disparity: Self.depth, focusDistance: 1)  // fg r = −10
        let y = 24
        let near = Scene.pixel(out, 34, y)   // 2 px into the sharp background
        #expect(near.x > 0.15, "foreground red must spread over the background (got \(near))")
        let far = Scene.pixel(out, 44, y)    // 12 px away: beyond the 10 px blur
        #expect(abs(far.x - Self.blue.x) < 1e-5 && abs(far.z - Self.blue.z) < 1e-5)
    }

    // Rules 2 and 3: a blurred background never leaks over a sharp foreground; in-focus pixels keep their value.
    @Test func noHaloAroundSharpForeground() {
        let out = Scene.linearEngine().render(colour: Self.colour, disparity: Self.depth, focusDistance: 0.5)  // bg r = +10
        for y in [0, 24, 47] {
            for x in 0..<32 {
                #expect(Scene.pixel(out, x, y) == Self.red, "foreground pixel \(x),\(y) changed")
            }
            // Right next to the edge the background stays blue: no red halo (the hidden-background fill is blue).
            let beside = Scene.pixel(out, 33, y)
            #expect(beside.x < 0.06, "red leaked into the background: \(beside)")
        }
    }

    @Test func inFocusImageIsUnchangedBitForBit() {
        var random = UInt32(12345)
        let image = Scene.image { _, _ in
            random = random &* 1_664_525 &+ 1_013_904_223
            return SIMD3(Float(random >> 8 & 0xFF) / 255, Float(random >> 16 & 0xFF) / 255, Float(random >> 24) / 255)
        }
        let out = Scene.linearEngine().render(colour: image, disparity: Scene.disparity { _, _ in 2 }, focusDistance: 2)
        #expect(out.samples == image.samples)
    }

    // Rule 5: energy is conserved; a uniform colour stays uniform at any blur, up to the frame borders.
    @Test func uniformAreaKeepsItsBrightness() {
        let grey = SIMD3<Float>(0.3, 0.5, 0.7)
        let image = Scene.image { _, _ in grey }
        let depth = Scene.disparity { x, y in 0.4 + Float((x * 7 + y * 3) % 11) * 0.3 }  // many radii and layers
        for focus in [0.4, 1.0, 3.0] {
            let out = Scene.linearEngine().render(colour: image, disparity: depth, focusDistance: focus)
            for y in 0..<48 {
                for x in 0..<64 {
                    let p = Scene.pixel(out, x, y)
                    #expect(abs(p.x - grey.x) < 1e-4 && abs(p.y - grey.y) < 1e-4 && abs(p.z - grey.z) < 1e-4)
                }
            }
        }
    }

    // Rule 6: the kernel changes continuously with the radius: a slow pull gives small, even steps.
    @Test func slowFocusPullHasNoPops() {
        let image = Scene.image { x, y in (x / 4 + y / 4) % 2 == 0 ? SIMD3(1, 1, 1) : SIMD3(0, 0, 0) }
        let depth = Scene.disparity { _, _ in 1 }
        let engine = Scene.linearEngine()
        let prepared = engine.prepare(colour: image, disparity: depth, typicalFocus: 1)
        // A disc under r = 0.5 px stays inside its pixel, so the pull starts there.
        var previous = engine.render(prepared, focusDistance: Double(1 / (1 + 0.5 / 10)))
        var steps: [Float] = []
        // r goes 0.5 → 4 px in steps of 0.07 px (just above the 1/16 px radius quantum).
        for i in 1...50 {
            let r = 0.5 + Float(i) * 0.07
            let out = engine.render(prepared, focusDistance: Double(1 / (1 + r / 10)))
            var change: Float = 0
            for j in 0..<out.samples.count { change = max(change, abs(out.samples[j] - previous.samples[j])) }
            steps.append(change)
            previous = out
        }
        let largest = steps.max()!
        #expect(largest < 0.12, "a 0.07 px change of radius moved a pixel by \(largest)")
        #expect(!steps.contains(0), "radius quantisation too coarse: a step changed nothing")
        // Even steps: no step is far larger than the typical one (a pop).
        let median = steps.sorted()[steps.count / 2]
        #expect(largest < 4 * median, "largest step \(largest) vs median \(median)")
    }

    // Rule 7: bokeh is a bright, hard-edged disc (or polygon) of the right size.
    @Test(arguments: [ApertureShape.disc, .bladed(blades: 6, rotation: 0, roundness: 0), .bladed(blades: 5, rotation: 18, roundness: 0.3)])
    func highlightBecomesAHardEdgedShape(shape: ApertureShape) {
        let image = Scene.image { x, y in x == 32 && y == 24 ? SIMD3(50, 50, 50) : SIMD3(0, 0, 0) }
        let depth = Scene.disparity { _, _ in 10 }  // r = 10 (1/1 − 1/10) = 9 px behind focus at 1 m
        let out = Scene.linearEngine(aperture: shape).render(colour: image, disparity: depth, focusDistance: 1)
        var total: Float = 0
        var lit = 0
        var peak: Float = 0
        for y in 0..<48 {
            for x in 0..<64 {
                let v = out[x, y, 0]
                total += v
                peak = max(peak, v)
                if v > 0.01 { lit += 1 }
                let d = Float((x - 32) * (x - 32) + (y - 24) * (y - 24)).squareRoot()
                if d > 10.5 { #expect(v < 1e-6, "light outside the aperture at \(x),\(y)") }  // float prefix-sum residue only
            }
        }
        #expect(abs(total - 50) < 0.01, "energy \(total)")
        let expectedArea: Float = switch shape {
        case .disc: .pi * 81
        case .bladed(6, _, _): Float(1.5 * 3.0.squareRoot() * 81)
        default: 230
        }
        #expect(abs(Float(lit) - expectedArea) < expectedArea * 0.12, "lit area \(lit) vs \(expectedArea)")
        let centre = out[32, 24, 0]
        #expect(abs(centre - 50 / expectedArea) < 50 / expectedArea * 0.15, "disc is flat inside: centre \(centre)")
    }

    /// Above 24 px the engine splats ordinary surfaces (not lights, which stay at full resolution) at
    /// quarter resolution: a lone pixel still makes a flat disc with all its energy, centred where
    /// the pixel is, its edge softened by about the level's 4 px.
    @Test func largeBokehFromACoarseLevelStaysAFlatDisc() {
        // 160 px wide: the lens's K = 10 px·m at 64 px becomes 25 px·m; at disparity 0.86 and
        // focus 0.5 m, r = 25 · (2 − 0.86) = 28.5 px: a quarter-resolution splat.
        let (w, h, cx, cy) = (160, 140, 80, 70)
        let image = Scene.image(width: w, height: h) { x, y in x == cx && y == cy ? SIMD3(0.9, 0.9, 0.9) : SIMD3(0, 0, 0) }
        let depth = Scene.disparity(width: w, height: h) { _, _ in 1 / 0.86 }  // depth z = 1/0.86 m
        let out = Scene.linearEngine(maximum: 32).render(colour: image, disparity: depth, focusDistance: 0.5)
        let radius: Float = 28.5
        let area = Float.pi * radius * radius
        let level = 0.9 / area
        var total: Float = 0
        var lit = 0
        var centroid = SIMD2<Float>.zero
        for y in 0..<h {
            for x in 0..<w {
                let v = out[x, y, 0]
                total += v
                centroid += SIMD2(Float(x), Float(y)) * v
                if v > 0.5 * level { lit += 1 }
                let d = Float((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot()
                if d > radius + 12 { #expect(v < 1e-6 * 0.9 / 400, "light far outside the aperture at \(x),\(y)") }
                if d < radius - 8 { #expect(abs(v - level) < level * 0.05, "not flat inside at \(x),\(y): \(v)") }
            }
        }
        #expect(abs(total - 0.9) < 0.9 / 400 * 0.05, "energy \(total)")
        centroid /= total
        #expect(abs(centroid.x - Float(cx)) < 0.1, "centred: \(centroid)")
        #expect(abs(centroid.y - Float(cy)) < 0.1, "centred: \(centroid)")
        #expect(abs(Float(lit) - area) < area * 0.05, "area above half brightness \(lit) vs \(area)")
    }

    @Test func bloomKneeBoostsClippedHighlights() {
        let image = Scene.image { x, y in x == 32 && y == 24 ? SIMD3(1, 1, 1) : SIMD3(0.2, 0.2, 0.2) }
        let depth = Scene.disparity { _, _ in 10 }
        let plain = Scene.linearEngine().render(colour: image, disparity: depth, focusDistance: 1)
        let knee = HighlightBoost(threshold: 0.8, gain: 8, lightRadius: 0)
        let boosted = Scene.linearEngine(highlights: knee).render(colour: image, disparity: depth, focusDistance: 1)
        // The lamp's light in the disc: (1 − 0.2)/area plain, (2.6 − 0.2)/area boosted (L' = 1 + 8·0.2²/0.2).
        #expect(abs((boosted[32, 24, 0] - 0.2) / (plain[32, 24, 0] - 0.2) - 3) < 0.01)
        #expect(boosted[0, 0, 0] == plain[0, 0, 0])  // below the threshold: untouched
    }

    /// A small clipped blob is a light bright enough to fill a disc of `lightRadius` at full white;
    /// a large clipped area (a window) keeps about the knee's brightness.
    @Test func bloomMakesSmallClippedBlobsBrightLights() {
        let boost = HighlightBoost(threshold: 0.9, gain: 16, lightRadius: 8)
        // A 2 x 2 lamp and, far from it, a 30 x 30 window, both clipped at 1, on grey.
        let image = Scene.image { x, y in
            (x >= 5 && x < 7 && y >= 5 && y < 7) || (x >= 30 && y >= 10 && y < 40) ? SIMD3(1, 1, 1) : SIMD3(0.2, 0.2, 0.2)
        }
        let out = boost.apply(to: image)
        let n = image.pixelCount
        let lamp = out.samples[n + 5 * 64 + 5]  // green, luminance-weighted like the rest: grey stays grey
        // The 4 pixels hold the light of a radius-8 disc, times the squared contrast with the grey around.
        let contrast: Float = 1 - 0.2 / 0.9
        #expect(abs(lamp - contrast * contrast * Float.pi * 64 / 4) < 0.05, "lamp \(lamp)")
        let window = out.samples[n + 25 * 64 + 45]
        #expect(abs(window - 2.6) < 0.01, "window interior \(window): the knee only (1 + 16 · 0.1)")
        #expect(out.samples[n + 20 * 64 + 15] == 0.2, "grey below the threshold untouched")
    }

    /// The boost's passes run over bands of rows on several workers: lamps on every band and block-row
    /// boundary get the same light as one alone, and any thread count gives the same bits.
    @Test func bloomIsTheSameOnAnyThreadCount() {
        let boost = HighlightBoost(threshold: 0.9, gain: 16, lightRadius: 8)
        // 2 x 2 lamps, their top rows 3, 10, ..., 101: every row modulo 16, so some straddle the
        // boundaries of the bands of rows (32) and of block rows (16 px), on grey.
        let lamps = (0..<15).map { (x: 6 + 30 * ($0 % 6), y: 3 + 7 * $0) }
        var image = Scene.image(width: 190, height: 130) { x, y in
            lamps.contains { x >= $0.x && x < $0.x + 2 && y >= $0.y && y < $0.y + 2 } ? SIMD3(1, 1, 1) : SIMD3(0.2, 0.2, 0.2)
        }
        image[100, 60, 1] = .nan  // read as 0
        let single = boost.apply(to: image, threads: 1)
        let contrast: Float = 1 - 0.2 / 0.9
        for lamp in lamps {
            let light = single[lamp.x + 1, lamp.y + 1, 1]
            #expect(abs(light - contrast * contrast * Float.pi * 64 / 4) < 0.05, "lamp at \(lamp): \(light)")
        }
        #expect(single[100, 60, 1] == 0)
        for threads in [2, 3, 8] {
            let parallel = boost.apply(to: image, threads: threads)
            #expect(parallel.samples.map(\.bitPattern) == single.samples.map(\.bitPattern), "\(threads) threads")
        }
    }

    /// The largest light radius over a large clipped frame: the box sums pass 2^31 (they trapped in
    /// 32 bits); a frame that is all window keeps the knee's brightness.
    @Test func bloomWithTheLargestLightRadiusOnAClippedFrame() {
        let boost = HighlightBoost(threshold: 0.9, gain: 16, lightRadius: 1024)
        let image = PlanarImage(width: 1500, height: 1500, channels: 3,
                                samples: [Float](repeating: 1, count: 3 * 1500 * 1500))
        let out = boost.apply(to: image, threads: 2)
        #expect(abs(out[750, 750, 1] - 2.6) < 0.01, "\(out[750, 750, 1])")
    }

    // Rule 8: where a blurred foreground uncovers background, the background is invented from its surroundings.
    @Test func uncoveredBackgroundIsFilledNotSmeared() {
        // A red square (z = 0.5) in the middle of a blue wall (z = 1), focus on the wall: r_fg = −10.
        let image = Scene.image { x, y in (22..<42).contains(x) && (14..<34).contains(y) ? Self.red : Self.blue }
        let depth = Scene.disparity { x, y in (22..<42).contains(x) && (14..<34).contains(y) ? 0.5 : 1 }
        let filled = Scene.linearEngine().render(colour: image, disparity: depth, focusDistance: 1)
        var unfilledEngine = Scene.linearEngine().settings
        unfilledEngine.fillHidden = false
        let smeared = DefocusEngine(settings: unfilledEngine).render(colour: image, disparity: depth, focusDistance: 1)
        // Just inside the square's edge the real lens sees half foreground, half background.
        let inside = Scene.pixel(filled, 23, 24)
        #expect(inside.z > 0.2, "background must show through the blurred edge: \(inside)")
        #expect(inside.x + inside.z > 0.6, "no dark fringe: \(inside)")
        #expect(Scene.pixel(smeared, 23, 24).z < inside.z, "without the fill the edge is smeared foreground")
    }

    // Rule 8's other side: a surface that only continues into nearer layers (a floor) hides nothing behind
    // them, so nothing is invented there: the picture is the plain scatter of the surface's own pixels,
    // which for a surface seen whole from every point of the lens is the exact thin-lens image.
    @Test func continuousSurfaceHidesNothing() {
        let width = 64, height = 48
        // A textured floor: disparity grows by 0.03 per row (0.3 px of blur per row), r from +7 px down to −7 px.
        let image = Scene.image { x, y in SIMD3(0.2 + 0.6 * Float((x / 4 + y / 3) % 2), 0.3, 0.2 + 0.05 * Float(x % 5)) }
        let disparity = (0..<height).flatMap { y in [Float](repeating: 0.3 + 0.03 * Float(y), count: width) }
        let engine = Scene.linearEngine()
        let frame = engine.prepare(colour: image, disparity: disparity, typicalFocus: 1)
        #expect(frame.layerCount >= 3)
        #expect(frame.fills.allSatisfy { $0.x.isEmpty }, "background invented behind a continuous surface")
        let out = engine.render(frame, focusDistance: 1)
        // Reference: every pixel spread over its own anti-aliased disc (area-normalised), then divided by the
        // coverage (as the engine does at the frame borders).
        var light = [SIMD3<Float>](repeating: .zero, count: width * height)
        var coverage = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let r = abs(10 * (1 - disparity[y * width + x]))
                let reach = Int(r.rounded(.up)) + 1
                var disc: [(Int, Int, Float)] = []
                var area: Float = 0
                for dy in -reach...reach {
                    for dx in -reach...reach {
                        let w = max(0, min(1, r + 0.5 - (Float(dx * dx + dy * dy)).squareRoot()))
                        if w > 0 { disc.append((dx, dy, w)); area += w }
                    }
                }
                for (dx, dy, w) in disc where (0..<width).contains(x + dx) && (0..<height).contains(y + dy) {
                    let j = (y + dy) * width + x + dx
                    light[j] += Scene.pixel(image, x, y) * (w / area)
                    coverage[j] += w / area
                }
            }
        }
        var squared: Float = 0
        var count = 0
        for y in 8..<(height - 8) {
            for x in 8..<(width - 8) {
                let difference = Scene.pixel(out, x, y) - light[y * width + x] / coverage[y * width + x]
                squared += (difference * difference).sum()
                count += 3
            }
        }
        let rms = (squared / Float(count)).squareRoot()
        #expect(rms < 0.01, "RMS error against the scatter reference: \(rms)")
    }

    @Test func identicalForAnyThreadCount() {
        var random = UInt32(99)
        let image = Scene.image(width: 80, height: 61) { _, _ in
            random = random &* 1_664_525 &+ 1_013_904_223
            return SIMD3(Float(random >> 8 & 0xFF) / 64, Float(random >> 16 & 0xFF) / 255, Float(random >> 24) / 255)
        }
        let depth = Scene.disparity(width: 80, height: 61) { x, y in x < 30 ? 0.5 : (y < 20 ? 8 : 1 + Float(x) / 40) }
        let results = [1, 2, 8].map { threads in
            Scene.linearEngine(threads: threads, aperture: .bladed(blades: 7, rotation: 10, roundness: 0.2))
                .render(colour: image, disparity: depth, focusDistance: 1.2).samples.map(\.bitPattern)
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }
}

import Testing
@testable import RackFocusCore
@testable import RackFocusEngine

/// Small synthetic scenes with known answers.
enum Scene {
    /// An engine whose blur radius is exactly r = 10 · (1/focus − 1/z) px on a 64 px wide image.
    static func linearEngine(threads: Int = 1, maximum: Double = 16, aperture: ApertureShape = .disc,
                             highlights: HighlightBoost? = nil) -> DefocusEngine {
        // Thin lens with K = a·f_px = 10 px·m on a 64-pixel-wide image: f_px = 64 px for a 36 mm sensor
        // means f = 36 mm; a = 10 / 64 m => N = f / (2a) = 0.036 / 0.3125.
        DefocusEngine(settings: DefocusSettings(
            lens: .thinLens(focalLength: 36, fNumber: 0.036 / (2 * 10.0 / 64), sensorWidth: 36, breathing: false),
            maximumRadius: maximum, aperture: aperture, highlights: highlights, threads: threads))
    }

    static func image(width: Int = 64, height: Int = 48, _ colour: (Int, Int) -> SIMD3<Float>) -> PlanarImage {
        var image = PlanarImage(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let c = colour(x, y)
                image[x, y, 0] = c.x; image[x, y, 1] = c.y; image[x, y, 2] = c.z
            }
        }
        return image
    }

    static func disparity(width: Int = 64, height: Int = 48, _ depth: (Int, Int) -> Float) -> [Float] {
        var out = [Float]()
        for y in 0..<height { for x in 0..<width { out.append(1 / depth(x, y)) } }
        return out
    }

    static func pixel(_ image: PlanarImage, _ x: Int, _ y: Int) -> SIMD3<Float> {
        SIMD3(image[x, y, 0], image[x, y, 1], image[x, y, 2])
    }
}

@Suite struct LensTests {
    /// docs/ENGINE.md's worked example: 50 mm f/1.8, 36 mm sensor, 1920 px, focus 2 m (with breathing).
    @Test func thinLensMatchesWorkedValues() {
        let lens = LensModel.thinLens(focalLength: 50, fNumber: 1.8, sensorWidth: 36, breathing: true)
        let coc = lens.circleOfConfusion(focus: 2, imageWidth: 1920, maximumRadius: 1000)
        #expect(abs(coc.scale - 37.99) < 0.05)                            // K ≈ 38 px·m
        #expect(abs(coc.radius(disparity: 0) - 19.0) < 0.05)              // r at infinity
        #expect(abs(coc.radius(disparity: 1 / 4.0) - 9.5) < 0.03)         // object at 4 m
        #expect(abs(coc.radius(disparity: 1 / 0.5) + 56.99) < 0.1)        // foreground at 0.5 m
        let ideal = LensModel.thinLens(focalLength: 50, fNumber: 1.8, sensorWidth: 36, breathing: false)
        let k = ideal.circleOfConfusion(focus: 2, imageWidth: 1920, maximumRadius: 1000).scale
        #expect(abs(Double(k) - 0.05 / 3.6 * 50 * 1920 / 36) < 1e-3)      // a · f_px, no breathing
        #expect(abs(coc.scale / k - Float(2 / 1.95)) < 1e-5)               // breathing factor s / (s − f)
        #expect(lens.circleOfConfusion(focus: 2, imageWidth: 1920, maximumRadius: 32).radius(disparity: 2) == -32)
    }

    /// The ground-truth scene's lens (shared/groundtruth/README.md): coc_px = 65.94 · |1/F − 1/z| (diameter).
    @Test func groundTruthLens() {
        let lens = LensModel.thinLens(focalLength: 49.455, fNumber: 0.9891, sensorWidth: 36, breathing: false)
        let coc = lens.circleOfConfusion(focus: 3, imageWidth: 960, maximumRadius: 100)
        #expect(abs(2 * coc.radius(disparity: 1 / 6.0) - 65.94 * (1 / 3.0 - 1 / 6.0)) < 0.02)
    }

    @Test func artisticModelHasAnInFocusBand() {
        let lens = LensModel.artistic(size: 10, dof: 1)
        let coc = lens.circleOfConfusion(focus: 4, imageWidth: 100, maximumRadius: 50)
        #expect(abs(coc.radius(disparity: 0) - (10 - 4 * coc.deadZone * 10)) < 1e-4)
        #expect(coc.radius(disparity: 1 / 4.3) == 0)     // inside the band
        #expect(coc.radius(disparity: 1 / 5.0) > 0)      // beyond it
    }

    @Test func depthConventions() {
        let values: [Float] = [0, 0.5, 1]
        let metric = DepthInterpretation(math: .depth, range: 1...3)
        #expect(metric.disparity(values, isInteger: true) == [1, 0.5, 1 / 3])
        let flipped = DepthInterpretation(math: .depth, range: 1...3, nearWhite: true)
        #expect(flipped.disparity(values, isInteger: true) == [1 / 3, 0.5, 1])
        #expect(DepthInterpretation(math: .farZero).disparity([0.25], isInteger: false) == [0.25])
        #expect(DepthInterpretation(math: .farOne).disparity([0.75], isInteger: false) == [0.25])
        #expect(DepthInterpretation(math: .negativeDepth).disparity([-4], isInteger: false) == [0.25])
        #expect(DepthInterpretation(math: .depth, metresPerUnit: 0.01).disparity([200], isInteger: false) == [0.5])
        // Bad values never become NaN: they take the farthest depth present.
        #expect(DepthInterpretation(math: .depth).disparity([2, .nan, 0, -1, 4], isInteger: false) == [0.5, 0.25, 0.25, 0.25, 0.25])
        #expect(DepthInterpretation(math: .depth).disparity([2, .infinity, .nan], isInteger: false) == [0.5, 0, 0])
    }

    /// A depth raster's disparity (8- and 16-bit through a table of codes) equals the per-value path on the
    /// raster's planar values, bit for bit, with the same usable count, for every convention.
    @Test(arguments: DepthInterpretation.Math.allCases)
    func rasterDisparityMatchesPerValuePath(math: DepthInterpretation.Math) {
        var random = UInt32(7)
        func next() -> UInt32 { random = random &* 1_664_525 &+ 1_013_904_223; return random >> 8 }
        let codes16: [UInt16] = (0..<600).map { i in i % 7 == 0 ? 0 : UInt16(truncatingIfNeeded: next()) }
        let codes8: [UInt8] = (0..<600).map { _ in UInt8(truncatingIfNeeded: next()) }
        let rasters = [
            RasterImage(width: 30, height: 20, channels: 1, samples: .uint16(codes16)),
            RasterImage(width: 20, height: 15, channels: 2, samples: .uint8(codes8)),  // gray + alpha: first channel
            RasterImage(width: 30, height: 20, channels: 1, samples: .float32(codes16.map { Float($0) / 100 - 50 })),
        ]
        for interpretation in [DepthInterpretation(math: math, range: 0.5...9, metresPerUnit: 0.01),
                               DepthInterpretation(math: math, range: 1...3, nearWhite: true)] {
            for raster in rasters {
                let plane = raster.planar(transfer: .linear)
                var expectedUsable = 0, usable = 0
                let expected = interpretation.disparity(Array(plane.samples[0..<plane.pixelCount]), isInteger: !raster.isFloat,
                                                        usable: &expectedUsable)
                let actual = interpretation.disparity(of: raster, usable: &usable)
                #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern))
                #expect(usable == expectedUsable)
            }
        }
    }
}

@Suite struct RobustnessTests {
    /// Hostile depth (NaN, infinities, zero, negative, huge) under every convention: no crash,
    /// every output value finite.
    @Test(arguments: DepthInterpretation.Math.allCases)
    func hostileDepthNeverBreaksTheRender(math: DepthInterpretation.Math) {
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -1, 1e30, 1e-30, 0.5, 3, 7]
        var seed = UInt32(7)
        let values = (0..<(32 * 24)).map { _ -> Float in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return specials[Int(seed >> 16) % specials.count]
        }
        let image = Scene.image(width: 32, height: 24) { x, y in SIMD3(Float(x) / 32, Float(y) / 24, 0.5) }
        let disparity = DepthInterpretation(math: math).disparity(values, isInteger: false)
        #expect(disparity.allSatisfy { $0.isFinite })
        let lens: LensModel = math == .direct || math == .negativeDirect ? .direct(size: 3) : .artistic(size: 6, dof: 0)
        let engine = DefocusEngine(settings: DefocusSettings(lens: lens, maximumRadius: 16, threads: 2))
        let out = engine.render(colour: image, disparity: disparity, focusDistance: 1)
        #expect(out.samples.allSatisfy { $0.isFinite })
    }

    /// Arguments of the wrong size stop the process with a message naming the entry point, in every
    /// build: the hot loops index through raw pointers and would read past the arrays.
    @Test func wrongSizedArgumentsStopWithAMessage() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let plate = PlanarImage(width: 3, height: 3, channels: 4)
            _ = Scene.linearEngine().blurPlate(plate, disparity: [1, 1], focusDistance: 2)
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) }.map {
            #expect($0.contains("blurPlate: 2 disparities for a 3x3 image"), "\($0)")
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let grey = PlanarImage(width: 4, height: 2, channels: 1)
            _ = Scene.linearEngine().prepare(colour: grey, disparity: [Float](repeating: 1, count: 8))
        }.map { String(decoding: $0.standardErrorContent, as: UTF8.self) }.map {
            #expect($0.contains("prepare: colour needs R, G and B, got 1 channel(s)"), "\($0)")
        }
    }

    @Test func uniformDepthEverywhere() {
        let image = Scene.image(width: 20, height: 10) { x, _ in SIMD3(Float(x) / 20, 0.2, 0.9) }
        for d: Float in [0, 1e-9, 1000] {
            let out = Scene.linearEngine().render(colour: image, disparity: [Float](repeating: d, count: 200), focusDistance: 2)
            #expect(out.samples.allSatisfy { $0.isFinite })
        }
    }
}

/// The splat's run formula (one write per span-edge cell for a run of sources one pixel apart) against
/// the same sources splatted one by one, with spans running off both frame edges, deltas, and kernels
/// so small that some rows' spans lie inside one pixel.
@Suite struct RunSplatTests {
    /// Every run cut into runs of one source (same order, so rows stay sorted by extent).
    static func oneSourcePerRun(_ e: LevelEntries) -> LevelEntries {
        var rowStart = [0], x: [Float] = [], length: [Int32] = [], first: [Int32] = []
        var extent: [Int32] = [], middleRow: [Int32] = []
        for row in 0..<e.height {
            for run in e.rowStart[row]..<e.rowStart[row + 1] {
                for j in 0..<Int(e.length[run]) {
                    x.append(e.x[run] + Float(j)); length.append(1); first.append(e.first[run] + Int32(j))
                    extent.append(e.extent[run]); middleRow.append(e.middleRow[run])
                }
            }
            rowStart.append(x.count)
        }
        return LevelEntries(width: e.width, height: e.height, rowStart: rowStart, x: x, length: length, first: first,
                            extent: extent, middleRow: middleRow, colour: e.colour, reach: e.reach)
    }

    @Test func runsEqualSourcesSplattedOneByOne() {
        let width = 40, height = 16
        let engine = Scene.linearEngine(maximum: 16)
        var builder = LevelBuilder(width: width, height: height, capacity: 0, kernel: engine.kernel, scale: 1, pool: engine.pool)
        var longest: Int32 = 0
        for y in 0..<height {
            builder.startRow(y)
            for x in 0..<width {
                // Stretches of one radius (whole-frame, edge-touching, short), deltas, and r < 1.
                let radius: Float = y % 4 == 0 ? 5.3 : y % 4 == 1 ? (x < 25 ? 0.7 : 11.9) : y % 4 == 2 ? (x % 7 < 4 ? 3.1 : 0) : 2.2
                let index = min(engine.kernel.maximumIndex, Int((radius * ApertureKernel.subdivisions).rounded()))
                let c = SIMD4<Float>(Float(x % 5) / 4, Float(y % 3) / 2, 0.5, 1)
                builder.add(x: Float(x), radiusIndex: index, colour: c)
            }
        }
        let runs = builder.finish()
        for run in runs.length.indices { longest = max(longest, runs.length[run]) }
        #expect(longest == Int32(width), "a row of one radius must make one run")
        #expect(runs.x.count < width * height / 4)
        let single = Self.oneSourcePerRun(runs)
        #expect(single.x.count == width * height)
        func render(_ level0: LevelEntries) -> PlanarImage {
            var levels = [level0]
            for k in 0..<engine.coarseLevels {
                var empty = LevelBuilder(width: (width + (2 << k) - 1) >> (k + 1), height: (height + (2 << k) - 1) >> (k + 1),
                                         capacity: 0, kernel: engine.kernel, scale: 1, pool: engine.pool)
                levels.append(empty.finish())
            }
            let frame = PreparedFrame(
                width: width, height: height,
                layers: DepthLayers(disparity: [0], pixelsPerDisparity: 1, layerThickness: 1, maximumLayers: 1),
                sources: [.empty(height: height)], fills: [.empty(height: height)],
                image: PlanarImage(width: width, height: height, channels: 3), disparity: [Float](repeating: 0, count: width * height),
                layerIndex: [Int32](repeating: 0, count: width * height))
            return engine.splat(frame, [levels], raw: true)
        }
        let a = render(runs), b = render(single)
        var worst: Float = 0, total: Float = 0
        for i in a.samples.indices {
            worst = max(worst, abs(a.samples[i] - b.samples[i]))
            total += b.samples[i]
        }
        #expect(total > 100, "the scene must deposit light")
        #expect(worst < 1e-5, "runs and single sources differ by \(worst)")
    }
}

/// The engine's unchecked arithmetic helpers give exactly what Swift's checked conversions give.
@Suite struct ArithmeticTests {
    @Test func vectorTruncationMatchesInt32() {
        // Every 1/1024 step to 1100 (the bloom's sums), the halves and their neighbours, and a spread
        // up to 2^22.
        var values: [Float] = (0...1_126_400).map { Float($0) / 1024 }
        for n in stride(from: 0, to: 5000, by: 1) {
            let half = Float(n) + 0.5
            values += [half, half.nextDown, half.nextUp, Float(n).nextDown.magnitude, Float(n).nextUp]
        }
        var generator = SystemRandomNumberGenerator()
        values += (0..<100_000).map { _ in Float.random(in: 0..<0x1p22, using: &generator) }
        var i = 0
        while i + 4 <= values.count {
            let v = SIMD4(values[i], values[i + 1], values[i + 2], values[i + 3])
            let expected = SIMD4<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]))
            let got = truncatedToInt32(v)
            if got != expected { Issue.record("truncatedToInt32(\(v)) = \(got), expected \(expected)"); return }
            i += 4
        }
    }
}

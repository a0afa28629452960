import Benchmark
import RackFocusCore
import RackFocusEngine

/// A foreground disc (1 m), a midground panel (3 m) and a textured background (20 m), as the
/// peers' test frame, at any size.
func scene(width: Int, height: Int) -> (PlanarImage, [Float]) {
    var image = PlanarImage(width: width, height: height, channels: 3)
    var disparity = [Float](repeating: 1 / 20, count: width * height)
    let s = Float(width) / 1920
    for y in 0..<height {
        for x in 0..<width {
            let i = y * width + x
            let fx = Float(x) / s, fy = Float(y) / s
            var c = SIMD3<Float>(0.2 + 0.1 * Float((x / 7 + y / 5) % 3), 0.3, 0.25 + 0.2 * Float((x * 3 + y) % 5) / 5)
            if (fx - 560) * (fx - 560) + (fy - 600) * (fy - 600) < 250 * 250 {
                disparity[i] = 1; c = SIMD3(0.8, 0.3 + 0.3 * Float((x / 9) % 2), 0.2)
            } else if fx > 1040 && fx < 1720 && fy > 140 && fy < 860 {
                disparity[i] = 1 / 3; c = SIMD3(0.1, 0.5 + 0.4 * Float(((x + y) / 22) % 2), 0.6)
            }
            if (x * 7919 + y * 104_729) % 997 == 0 { c = SIMD3(1, 1, 1) }  // highlights
            image[x, y, 0] = c.x; image[x, y, 1] = c.y; image[x, y, 2] = c.z
        }
    }
    return (image, disparity)
}

/// Scenes and prepared frames are built once, on first use (benchmarks run one at a time). Each
/// benchmark's engine reuses its memory from iteration to iteration (`recycle`), as a render of a
/// sequence does: the figures are steady-state frames, not first frames.
nonisolated(unsafe) var scenes: [Int: (PlanarImage, [Float])] = [:]
nonisolated(unsafe) var prepared: [String: PreparedFrame] = [:]

func sceneCached(width: Int, height: Int) -> (PlanarImage, [Float]) {
    if let found = scenes[width] { return found }
    let made = scene(width: width, height: height)
    scenes[width] = made
    return made
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5), maxIterations: 10,
        // The VM is noisy: time may vary by a third; allocations and memory by a tenth.
        thresholds: [.wallClock: .init(relative: [.p90: 35]), .mallocCountTotal: .init(relative: [.p90: 10]),
                     .peakMemoryResident: .init(relative: [.p90: 10])])

    for (name, width, height) in [("1080p", 1920, 1080), ("4k", 3840, 2160)] {
        for radius in [8, 16, 32, 64] {
            for threads in [1, 2] {
                // Artistic lens: background at infinity blurred by `radius`, focus on the midground.
                let engine = DefocusEngine(settings: DefocusSettings(
                    lens: .artistic(size: Double(radius), dof: 0), maximumRadius: Double(radius), threads: threads))
                let key = "\(name).r\(radius)"
                Benchmark("engine.render.\(name).r\(radius).t\(threads)",
                          configuration: .init(maxIterations: name == "4k" ? 3 : 10)) { benchmark in
                    let frame: PreparedFrame
                    if let found = prepared[key] {
                        frame = found
                    } else {
                        let (image, disparity) = sceneCached(width: width, height: height)
                        frame = engine.prepare(colour: image, disparity: disparity, typicalFocus: 3)
                        prepared[key] = frame
                    }
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations {
                        let output = engine.render(frame, focusDistance: 3)
                        blackHole(output)
                        engine.recycle(output)  // a renderer reuses each frame's memory for the next one
                    }
                    benchmark.stopMeasurement()
                }
            }
            // One engine for all of the benchmark's samples (each sample runs the closure once), so its memory
            // is reused from sample to sample as from frame to frame.
            let engine = DefocusEngine(settings: DefocusSettings(lens: .artistic(size: Double(radius), dof: 0),
                                                                 maximumRadius: Double(radius), threads: 1))
            Benchmark("engine.prepare.\(name).r\(radius)", configuration: .init(maxIterations: name == "4k" ? 3 : 10)) { benchmark in
                let (image, disparity) = sceneCached(width: width, height: height)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let frame = engine.prepare(colour: image, disparity: disparity, typicalFocus: 3)
                    blackHole(frame)
                    engine.recycle(frame)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}

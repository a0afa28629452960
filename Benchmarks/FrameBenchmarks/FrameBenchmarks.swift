import Benchmark
import RackFocusCore
import RackFocusEngine
import RackFocusIO

/// A whole 1920x1080 frame as `render` does it: decode the RGB PNG and the 16-bit depth PNG,
/// linearise, depth to disparity, prepare, render at radius 32, encode the PNG (fast settings), and
/// give the frame's memory back to the engine for the next one, as `render` does.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(10), maxIterations: 8,
        // The VM is noisy: time may vary by a third; allocations and memory by a tenth.
        thresholds: [.wallClock: .init(relative: [.p90: 35]), .mallocCountTotal: .init(relative: [.p90: 10]),
                     .peakMemoryResident: .init(relative: [.p90: 10])])

    let width = 1920, height = 1080
    var rgb = [UInt8]()
    var depth = [UInt16]()
    rgb.reserveCapacity(width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let fg = (x - 560) * (x - 560) + (y - 600) * (y - 600) < 250 * 250
            let mid = x > 1040 && x < 1720 && y > 140 && y < 860
            let checker = ((x / 24 + y / 24) % 2) * 60
            rgb += [UInt8((x / 9 + checker) % 256), UInt8(fg ? 200 : (y / 5 + checker) % 256), UInt8(mid ? 220 : (x * y >> 11) % 256)]
            depth.append(fg ? 1000 : mid ? 3000 : 20000)  // millimetres
        }
    }
    let rgbPNG = try! PNGCodec.encode(RasterImage(width: width, height: height, channels: 3, samples: .uint8(rgb)))
    let depthPNG = try! PNGCodec.encode(RasterImage(width: width, height: height, channels: 1, samples: .uint16(depth)))
    let interpretation = DepthInterpretation(math: .depth, range: 0...65.535)

    for threads in [1, 2] {
        let engine = DefocusEngine(settings: DefocusSettings(lens: .artistic(size: 32, dof: 0), maximumRadius: 32, threads: threads))
        Benchmark("frame.1080p.png.r32.t\(threads)") { benchmark in
            for _ in benchmark.scaledIterations {
                let colour = try PNGCodec.decode(rgbPNG).planar(transfer: .sRGB)
                let raster = try PNGCodec.decode(depthPNG)
                let plane = raster.planar(transfer: .linear)
                var usable = 0
                let disparity = interpretation.disparity(Array(plane.samples[0..<plane.pixelCount]), isInteger: true, usable: &usable)
                let prepared = engine.prepare(colour: colour, disparity: disparity, typicalFocus: 3)
                let output = engine.render(prepared, focusDistance: 3)
                blackHole(try PNGCodec.encode(output.raster(format: .uint8, transfer: .sRGB), options: .fast))
                engine.recycle(output)  // as the CLI does: the next frame reuses the memory
                engine.recycle(prepared)
            }
        }
    }
}

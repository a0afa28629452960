import Benchmark
import Foundation
import RackFocusCore
import RackFocusIO
import RackFocusRender

/// Whole frames as `rackfocus render` does them, through the same library code (RackFocusRender's
/// FrameJob and RenderPipeline): four 1920x1080 frames per iteration, each read from an RGB PNG and
/// a 16-bit depth PNG on disk, rendered at radius 32 and written as PNG (fast settings) while the
/// next is read and rendered. The frames are different files, so nothing is cached between them.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(20), maxIterations: 6,
        // The VM is noisy: time may vary by a third; allocations and memory by a tenth.
        thresholds: [.wallClock: .init(relative: [.p90: 35]), .mallocCountTotal: .init(relative: [.p90: 10]),
                     .peakMemoryResident: .init(relative: [.p90: 10])])

    let folder = NSTemporaryDirectory() + "rackfocus-frame-benchmarks"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
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
    for frame in 1...4 {
        try! ImageFile.write(RasterImage(width: width, height: height, channels: 3, samples: .uint8(rgb)), to: "\(folder)/rgb.\(frame).png")
        try! ImageFile.write(RasterImage(width: width, height: height, channels: 1, samples: .uint16(depth)), to: "\(folder)/depth.\(frame).png")
    }

    for threads in [1, 2] {
        var shot = Shot()
        shot.rgb = folder + "/rgb.%d.png"
        shot.depth = folder + "/depth.%d.png"
        shot.depthRange = DepthRange(near: 0, far: 65.535)
        shot.size = [ValueKey(32)]
        shot.focus = [FocusKey(.distance(Length(3)))]
        shot.frames = "1-4"
        shot.threads = threads
        shot.output = folder + "/out.t\(threads).%d.png"
        Benchmark("pipeline.1080p.png.r32.4frames.t\(threads)") { benchmark in
            for _ in benchmark.scaledIterations {
                let pipeline = try RenderPipeline(shot: shot, job: FrameJob(shot: shot, writesOutput: true))
                try pipeline.run()
            }
        }
    }
}

import Benchmark
import RackFocusTimeline

/// Focus tracks: evaluating a 100,000-frame shot (distance keys with every easing, and a point key
/// picked from a 1080p depth map), as `plan` and `render` do for every frame.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        maxDuration: .seconds(3), maxIterations: 30,
        // The VM is noisy: time may vary by a third; allocations and memory by a tenth.
        thresholds: [.wallClock: .init(relative: [.p90: 35]), .mallocCountTotal: .init(relative: [.p90: 10]),
                     .peakMemoryResident: .init(relative: [.p90: 10])])

    let easings: [Easing] = [.linear, .easeInOut, .smoothstep, try! Easing(parsing: "cubic-bezier(0.4,0,0.2,1)")]
    let keys = (0...400).map { i in
        FocusTrack.Key(frame: i * 250, target: .distance(1 + Double(i % 7)), easing: easings[i % easings.count])
    }
    let track = try! FocusTrack(keys: keys)
    Benchmark("timeline.focus.100000frames.401keys") { benchmark in
        for _ in benchmark.scaledIterations {
            var sum = 0.0
            for frame in 0..<100_000 { sum += track.focus(at: frame) { _, _ in 2 } }
            blackHole(sum)
        }
    }

    let width = 1920, height = 1080
    let disparity = (0..<(width * height)).map { i in Float(1) / (1 + Float(i % width) / 200) }
    let picker = FocusPicker(radius: 4)
    let points = try! FocusTrack(keys: [.init(frame: 1, target: .point(x: 960, y: 540)), .init(frame: 1000, target: .distance(5))])
    Benchmark("timeline.focus.point-pick.1080p.1000frames") { benchmark in
        for _ in benchmark.scaledIterations {
            var sum = 0.0
            for frame in 1...1000 {
                sum += points.focus(at: frame) { x, y in picker.distance(x: x, y: y, disparity: disparity, width: width, height: height) }
            }
            blackHole(sum)
        }
    }
}

import Dispatch
import Foundation
import RackFocusRender

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws a render's events: a bar on a terminal (standard error), one line per frame otherwise,
/// a summary at the end.
final class ProgressReport: @unchecked Sendable {
    let quiet: Bool
    let bar: Bool
    let start = DispatchTime.now()

    init(quiet: Bool) {
        self.quiet = quiet
        bar = !quiet && standardErrorIsTerminal
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Called in frame order, one event at a time.
    func handle(_ event: RenderEvent) {
        guard !quiet else { return }
        switch event {
        case .started: break
        case .frameWritten(let frame): written(frame)
        case .finished(let summary): finish(summary)
        }
    }

    func written(_ f: FrameWritten) {
        guard bar else {
            print("frame \(f.frame): wrote \(f.path) (\(f.detail))")
            return
        }
        let rate = Double(f.written) / max(elapsed, 1e-9)
        let remaining = Double(f.total - f.written) / max(rate, 1e-9)
        let width = 30
        let filled = f.total == 0 ? width : width * f.written / f.total
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(f.written)/\(f.total) frames  \(String(format: "%.2f", rate)) fps  ETA \(Self.clock(remaining))  frame \(f.frame) (\(f.detail))   "
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    func finish(_ summary: RenderSummary) {
        if bar { _ = "\n".withCString { write(2, $0, 1) } }
        let n = summary.rendered
        var line = "rendered \(n) frame\(n == 1 ? "" : "s") in \(String(format: "%.2f", summary.seconds)) s"
        line += " (\(String(format: "%.2f", Double(n) / max(summary.seconds, 1e-9))) frames/s) to \(summary.output)"
        if summary.skipped > 0 { line += "; skipped \(summary.skipped) existing" }
        print(line)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

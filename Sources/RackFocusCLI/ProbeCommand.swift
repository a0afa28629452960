import ArgumentParser
import RackFocusIO

/// `rackfocus probe FILE...`: what is in an image file.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Print format, size, bit depth, channels (and the value range of one-channel images).",
        discussion: "Use it to see what a depth pass holds before rendering: its min/max tell near from far.")

    @Argument(help: "Image files (PNG, JPEG, PFM).")
    var files: [String]

    func run() throws {
        var failed = false
        for path in files {
            do {
                let probe = try ImageFile.probe(path)
                let channelNames = [1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"]
                var line = "\(path): \(probe.format.rawValue.uppercased()) \(probe.width)x\(probe.height), "
                line += probe.bitDepth == 32 ? "32-bit float" : "\(probe.bitDepth)-bit"
                line += ", \(probe.channels) channel\(probe.channels == 1 ? "" : "s") (\(channelNames[probe.channels] ?? "?"))"
                if let range = probe.range {
                    line += ", min \(format(range.lowerBound)) max \(format(range.upperBound))"
                }
                if !probe.notes.isEmpty { line += ", " + probe.notes.joined(separator: ", ") }
                print(line)
            } catch {
                printError(error)
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }

    func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e7 ? String(Int(value)) : String(value)
    }
}

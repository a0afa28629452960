import ArgumentParser
import RackFocusIO
import RackFocusVideo

/// `rackfocus probe FILE...`: what is in an image file.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Print format, size, bit depth, channels (and the value range of one-channel images); for movies, ffprobe's view: codec, size, frames, rate, colour tags, timecode, audio.",
        discussion: """
            Use it to see what a depth pass holds before rendering: its min/max tell near from far. For OpenEXR it \
            lists every part (name, storage, compression, data and display windows) and channel (type), and the \
            depth channel render would use with its min/max.
            """)

    @Argument(help: "Image files (PNG, JPEG, PFM, OpenEXR) or movies (.mov, .mp4, .mkv ...).")
    var files: [String]

    func run() throws {
        var failed = false
        for path in files {
            do {
                if FFmpeg.isMovie(path) {
                    print(Self.describe(try VideoInfo.probe(path), path: path))
                    continue
                }
                let probe = try ImageFile.probe(path)
                let channelNames = [1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"]
                var line = "\(path): \(probe.format.rawValue.uppercased()) \(probe.width)x\(probe.height), "
                if probe.format == .exr {
                    line += "\(probe.exrParts.reduce(0) { $0 + $1.channels.count }) channels"
                } else {
                    line += probe.bitDepth == 32 ? "32-bit float" : "\(probe.bitDepth)-bit"
                    line += ", \(probe.channels) channel\(probe.channels == 1 ? "" : "s") (\(channelNames[probe.channels] ?? "?"))"
                }
                if let range = probe.range {
                    line += ", min \(format(range.lowerBound)) max \(format(range.upperBound))"
                }
                if !probe.notes.isEmpty { line += ", " + probe.notes.joined(separator: ", ") }
                print(line)
                for part in probe.exrParts { print(describe(part)) }
                if let depth = probe.exrDepth {
                    let range = depth.range.map { "min \(format($0.lowerBound)) max \(format($0.upperBound))" } ?? "no finite value"
                    print("  depth channel \(depth.channel): \(range)")
                }
            } catch {
                printError(error)
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }

    /// `clip.mp4: h264 480x270, 24 frames at 24000/1001 fps, yuv420p, matrix bt709, range tv, ...`
    static func describe(_ v: VideoInfo, path: String) -> String {
        var line = "\(path): \(v.codec) \(v.width)x\(v.height), \(v.frameCount) frames at \(v.rate) fps"
        if v.variableRate { line += " (variable)" }
        line += ", \(v.pixelFormat), matrix \(v.matrix ?? "untagged"), range \(v.range ?? "untagged")"
        line += ", transfer \(v.transfer ?? "untagged"), primaries \(v.primaries ?? "untagged")"
        if let timecode = v.timecode { line += ", timecode \(timecode)" }
        if v.audioStreams > 0 { line += ", \(v.audioStreams) audio stream\(v.audioStreams == 1 ? "" : "s") (\(v.audioCodecs.joined(separator: ", ")))" }
        return line
    }

    /// `  part 0 "beauty": scanline, zip, data (0,0)-(15,11) 16x12, display ...` and its channels.
    func describe(_ part: EXRCodec.Part) -> String {
        var line = "  part \(part.index)" + (part.name.map { " \"\($0)\"" } ?? "") + ": \(part.storage.name)"
        if let tile = part.tileSize { line += " \(tile.width)x\(tile.height) tiles" }
        line += ", \(part.compression?.name ?? "unknown compression")"
        line += ", data window \(part.dataWindow)"
        if part.displayWindow != part.dataWindow { line += ", display window \(part.displayWindow)" }
        let channels = part.channels.map { channel in
            var text = "\(channel.name) \(channel.type.name)"
            if channel.xSampling != 1 || channel.ySampling != 1 { text += " \(channel.xSampling)x\(channel.ySampling)" }
            return text
        }
        return line + "\n    channels: " + channels.joined(separator: ", ")
    }

    func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e7 ? String(Int(value)) : String(value)
    }
}

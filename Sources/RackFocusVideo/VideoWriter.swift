import Foundation
import RackFocusCore
import RackFocusIO

#if canImport(Glibc)
import Glibc
#endif

/// The codecs a movie is written with, chosen by the extension or `--codec`.
public enum VideoCodec: String, CaseIterable, Sendable {
    /// Apple ProRes 422 HQ, 10-bit 4:2:2 (`.mov`).
    case prores
    /// ProRes 4444, 10-bit 4:4:4.
    case prores4444
    /// H.264, 8-bit 4:2:0, `--crf` (`.mp4`).
    case h264
    /// FFV1, lossless 16-bit RGB (`.mkv`): a round trip is bit-exact.
    case ffv1

    public static func forPath(_ path: String) -> VideoCodec {
        switch (path as NSString).pathExtension.lowercased() {
        case "mp4", "m4v": .h264
        case "mkv": .ffv1
        default: .prores
        }
    }

    /// ffmpeg's muxer for the path's extension (the temporary name hides it).
    static func muxer(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "mp4", "m4v": "mp4"
        case "mkv": "matroska"
        case "avi": "avi"
        case "webm": "webm"
        case "mxf": "mxf"
        default: "mov"
        }
    }
}

/// Encodes frames into a movie through ffmpeg, as they are rendered: 16-bit RGB on ffmpeg's
/// standard input, converted to YUV by zscale and tagged BT.709 on the frames themselves
/// (prores_ks takes its tags from the frames; `-pix_fmt yuv420p` alone would store BT.601 values
/// labelled 709). The movie is written under a temporary name in its folder and renamed only
/// after ffmpeg succeeded and it holds as many frames as were sent.
public final class VideoWriter: @unchecked Sendable {
    public let path: String
    public let temporary: String
    public let codec: VideoCodec
    let width: Int, height: Int
    private let process: Process
    private let input: FileHandle
    private let drain: ErrorDrain
    public private(set) var written = 0

    /// Where the audio and timecode come from: the source movie, from its frame `startIndex`.
    public struct Source: Sendable {
        public var path: String
        public var info: VideoInfo
        public var startIndex: Int
        public init(path: String, info: VideoInfo, startIndex: Int) {
            self.path = path
            self.info = info
            self.startIndex = startIndex
        }
    }

    /// - Parameters:
    ///   - rate: frames per second as a fraction ("24000/1001").
    ///   - crf: H.264's constant rate factor.
    public init(path: String, width: Int, height: Int, rate: String, codec: VideoCodec, crf: Int = 16,
                frames: Int, source: Source?) throws {
        signal(SIGPIPE, SIG_IGN)  // a dead encoder is an EPIPE with ffmpeg's message, not a silent exit
        if codec == .h264 && (width % 2 != 0 || height % 2 != 0) {
            throw ImageFileError(path: path, kind: .unsupported, message:
                "H.264 4:2:0 needs an even width and height, and the frames are \(width)x\(height); write .mov (ProRes) or .mkv (FFV1)")
        }
        self.path = path
        self.codec = codec
        self.width = width
        self.height = height
        temporary = FileSystem.temporaryName(for: path)
        var arguments = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                         "-f", "rawvideo", "-pix_fmt", "gbrp16le", "-s", "\(width)x\(height)", "-framerate", rate, "-i", "pipe:0"]
        if let source, source.info.audioStreams > 0 {
            let seconds = Double(source.startIndex) * Double(source.info.rateDenominator) / Double(source.info.rateNumerator)
            let duration = Double(frames) * Double(source.info.rateDenominator) / Double(source.info.rateNumerator)
            arguments += ["-ss", String(format: "%.6f", seconds), "-t", String(format: "%.6f", duration), "-i", source.path,
                          "-map", "0:v", "-map", "1:a?"]
            let mp4Audio: Set<String> = ["aac", "mp3", "ac3", "eac3", "alac", "opus"]
            let copies = VideoCodec.muxer(path) != "mp4" || source.info.audioCodecs.allSatisfy { mp4Audio.contains($0) }
            arguments += copies ? ["-c:a", "copy"] : ["-c:a", "aac", "-b:a", "256k"]
        }
        let tags = "setparams=colorspace=bt709:color_trc=bt709:color_primaries=bt709:range=tv"
        switch codec {
        case .prores, .prores4444:
            let yuv = codec == .prores ? "yuv422p10le" : "yuv444p10le"
            arguments += ["-vf", "zscale=matrix=709:range=limited,format=\(yuv),\(tags)",
                          "-c:v", "prores_ks", "-profile:v", codec == .prores ? "hq" : "4444", "-vendor", "apl0"]
        case .h264:
            arguments += ["-vf", "zscale=matrix=709:range=limited,format=yuv420p,\(tags)",
                          "-c:v", "libx264", "-crf", String(crf), "-preset", "medium", "-movflags", "+faststart"]
        case .ffv1:
            arguments += ["-vf", "setparams=colorspace=gbr:range=pc", "-c:v", "ffv1", "-level", "3", "-g", "1", "-slicecrc", "1"]
        }
        if let timecode = source.flatMap({ Self.timecode($0) }) { arguments += ["-timecode", timecode] }
        arguments += ["-f", VideoCodec.muxer(path), temporary]

        let ffmpeg = try FFmpeg.tool("ffmpeg")
        process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = arguments
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        TemporaryFiles.shared.register(temporary)
        do { try process.run() } catch {
            TemporaryFiles.shared.unregister(temporary)
            throw ImageFileError(path: path, kind: .writeFailed, message: "cannot start ffmpeg: \(error)")
        }
        input = stdin.fileHandleForWriting
        drain = ErrorDrain(stderr)
    }

    /// The source's timecode moved on by the first frame's offset (non-drop-frame arithmetic;
    /// a drop-frame timecode is kept as it is when the offset is 0 and dropped otherwise).
    static func timecode(_ source: Source) -> String? {
        guard let text = source.info.timecode else { return nil }
        let dropFrame = text.contains(";")
        let fields = text.split(whereSeparator: { $0 == ":" || $0 == ";" }).compactMap { Int($0) }
        guard fields.count == 4 else { return nil }
        if source.startIndex == 0 { return text }
        guard !dropFrame else { return nil }
        let fps = Int((Double(source.info.rateNumerator) / Double(source.info.rateDenominator)).rounded())
        var total = ((fields[0] * 60 + fields[1]) * 60 + fields[2]) * fps + fields[3] + source.startIndex
        let frames = total % fps; total /= fps
        return String(format: "%02d:%02d:%02d:%02d", total / 3600 % 24, total / 60 % 60, total % 60, frames)
    }

    /// Sends one linear frame (sRGB-encoded to 16 bits, as images are written).
    public func append(_ image: PlanarImage) throws {
        let raster = image.raster(format: .uint16, transfer: .sRGB)
        guard case .uint16(let samples) = raster.samples, raster.width == width, raster.height == height else {
            throw ImageFileError(path: path, kind: .writeFailed, message: "frame \(written + 1) is \(raster.width)x\(raster.height), the movie \(width)x\(height)")
        }
        let n = width * height, channels = raster.channels
        var planes = [UInt16](repeating: 0, count: 3 * n)
        for i in 0..<n {  // gbrp: G, B, R planes
            let r = samples[channels * i], g = channels >= 3 ? samples[channels * i + 1] : r, b = channels >= 3 ? samples[channels * i + 2] : r
            planes[i] = g.littleEndian; planes[n + i] = b.littleEndian; planes[2 * n + i] = r.littleEndian
        }
        do {
            try planes.withUnsafeBytes { try input.write(contentsOf: Data($0)) }
        } catch {
            let reason = drain.lastLine()
            abort()
            throw RenderFailureError(path: path, message: "ffmpeg stopped taking frames after \(written): \(reason.isEmpty ? "\(error)" : reason)")
        }
        written += 1
    }

    /// Closes the stream, waits for ffmpeg, checks the frame count and renames the movie into place.
    public func finish() throws {
        try? input.close()
        process.waitUntilExit()
        let reason = drain.lastLine()
        guard process.terminationStatus == 0 else {
            discard()
            throw RenderFailureError(path: path, message: "ffmpeg failed (exit \(process.terminationStatus)): \(reason)")
        }
        let count: Int
        do { count = try VideoInfo.probe(temporary).frameCount } catch {
            discard()
            throw RenderFailureError(path: path, message: "the encoded movie cannot be read back: \(error)")
        }
        guard count == written else {
            discard()
            throw RenderFailureError(path: path, message: "the encoded movie holds \(count) frames, \(written) were rendered")
        }
        guard rename(temporary, path) == 0 else {
            let text = String(cString: strerror(errno))
            discard()
            throw RenderFailureError(path: path, message: "cannot rename the finished movie into place (\(text))")
        }
        TemporaryFiles.shared.unregister(temporary)
    }

    /// Stops ffmpeg and removes the partial movie.
    public func abort() {
        try? input.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        discard()
    }

    func discard() {
        unlink(temporary)
        TemporaryFiles.shared.unregister(temporary)
    }
}

/// A movie that could not be written (the render's exit code 1).
public struct RenderFailureError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

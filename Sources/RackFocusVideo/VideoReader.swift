import Foundation
import RackFocusCore
import RackFocusIO

/// Decodes a movie's frames in order through ffmpeg, to 16-bit RGB (or 16-bit grey for a depth
/// movie) with every colour parameter explicit: ffmpeg's default conversion takes untagged HD video
/// for BT.601 (up to 28 code values off) and ignores full range. The matrix and range come from
/// ffprobe's tags (untagged HD: BT.709); the transfer is left as it is (the picture stays
/// display-referred, read as sRGB-encoded like an 8/16-bit image file).
public final class VideoReader: @unchecked Sendable {
    public let path: String
    public let info: VideoInfo
    public let grey: Bool
    private var process: Process?
    private var output: FileHandle?
    private var drain: ErrorDrain?
    /// Index of the next frame the decoder will give.
    public private(set) var nextIndex = 0

    public init(path: String, info: VideoInfo, grey: Bool) {
        self.path = path
        self.info = info
        self.grey = grey
    }

    deinit { stop() }

    /// The video filter that makes 16-bit full-range RGB (or grey) from the stream.
    var filter: String {
        if grey {
            return info.isGray || info.isRGB ? "format=gray16le" : "zscale=rangein=\(info.zscaleRange):range=full,format=gray16le"
        }
        if info.isRGB { return "format=gbrp16le" }
        // format= right after zscale: with rgb48le ffmpeg's own scaler would take over the conversion.
        return "zscale=matrixin=\(info.zscaleMatrix.name):rangein=\(info.zscaleRange):range=full,format=gbrp16le"
    }

    func start() throws {
        let ffmpeg = try FFmpeg.tool("ffmpeg")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
                             "-vf", filter, "-f", "rawvideo", "-pix_fmt", grey ? "gray16le" : "gbrp16le", "pipe:1"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        output = out.fileHandleForReading
        drain = ErrorDrain(err)
        nextIndex = 0
    }

    /// Ends the decoder. Our end of its pipe is closed first: an ffmpeg blocked writing a frame
    /// nobody reads then fails with EPIPE and exits (SIGTERM alone would wait behind that write).
    public func stop() {
        try? output?.close()
        output = nil
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        process = nil
    }

    /// Frame `index` (0-based) as an interleaved 16-bit raster. Frames are decoded in order;
    /// asking for an earlier frame than the last restarts the decoder.
    public func frame(_ index: Int, frameNumber: Int) throws -> RasterImage {
        if process == nil || index < nextIndex {
            stop()
            try start()
        }
        let planes = grey ? 1 : 3
        let size = info.width * info.height * planes * 2
        while true {
            guard let output else { throw ImageFileError(path: path, kind: .corrupt, message: "frame \(frameNumber): the decoder is not running") }
            let data = try Self.read(output, count: size)
            guard data.count == size else {
                let reason = drain?.lastLine() ?? ""
                stop()
                throw ImageFileError(path: path, kind: .corrupt, message:
                    "frame \(frameNumber): the video ended after \(nextIndex) of \(info.frameCount) frames" + (reason.isEmpty ? "" : " (ffmpeg: \(reason))"))
            }
            nextIndex += 1
            if nextIndex - 1 == index { return raster(data) }
        }
    }

    static func read(_ handle: FileHandle, count: Int) throws -> Data {
        var data = Data()
        data.reserveCapacity(count)
        while data.count < count {
            guard let chunk = try handle.read(upToCount: count - data.count), !chunk.isEmpty else { break }
            data.append(chunk)
        }
        return data
    }

    /// gbrp16le planes (G, B, R) or gray16le to interleaved RGB / grey samples.
    func raster(_ data: Data) -> RasterImage {
        let n = info.width * info.height
        var samples = [UInt16](repeating: 0, count: n * (grey ? 1 : 3))
        data.withUnsafeBytes { raw in
            let p = raw.bindMemory(to: UInt16.self)
            if grey {
                for i in 0..<n { samples[i] = UInt16(littleEndian: p[i]) }
            } else {
                for i in 0..<n {
                    samples[3 * i] = UInt16(littleEndian: p[2 * n + i])
                    samples[3 * i + 1] = UInt16(littleEndian: p[i])
                    samples[3 * i + 2] = UInt16(littleEndian: p[n + i])
                }
            }
        }
        return RasterImage(width: info.width, height: info.height, channels: grey ? 1 : 3, samples: .uint16(samples))
    }
}

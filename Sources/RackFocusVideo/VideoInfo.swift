import Foundation
import RackFocusIO

/// What ffprobe says of a movie's first video stream and its audio.
public struct VideoInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Frames per second as an exact fraction (24000/1001 stays 24000/1001).
    public var rateNumerator: Int
    public var rateDenominator: Int
    public var frameCount: Int
    public var codec: String
    public var pixelFormat: String
    /// Colour tags as ffprobe names them (`bt709`, `tv`, ...); nil when the stream is untagged.
    public var matrix: String?
    public var range: String?
    public var transfer: String?
    public var primaries: String?
    /// `HH:MM:SS:FF` (or `;FF` for drop frame), from the stream or container tags.
    public var timecode: String?
    public var audioStreams: Int
    public var audioCodecs: [String]
    /// The average rate differs from the nominal one: variable frame rate.
    public var variableRate: Bool
    /// Bits per sample of the picture (from the pixel format).
    public var bitsPerSample: Int

    public var rate: String { "\(rateNumerator)/\(rateDenominator)" }
    public var isRGB: Bool { pixelFormat.hasPrefix("gbr") || pixelFormat.hasPrefix("rgb") || pixelFormat.hasPrefix("bgr") }
    public var isGray: Bool { pixelFormat.hasPrefix("gray") }

    /// Probes `path` with ffprobe; counts packets when the container does not say how many frames.
    public static func probe(_ path: String) throws -> VideoInfo {
        guard FileSystem.exists(path) else { throw ImageFileError(path: path, kind: .notFound, message: "no such file") }
        let ffprobe = try FFmpeg.tool("ffprobe")
        var result = try FFmpeg.run(ffprobe, ["-v", "error", "-show_format", "-show_streams", "-of", "json", path])
        guard result.status == 0 else {
            throw ImageFileError(path: path, kind: .corrupt, message: "ffprobe: \(result.errors.split(separator: "\n").last ?? "cannot read the movie")")
        }
        var info = try parse(result.output, path: path)
        if info.frameCount == 0 {  // .mkv and others: count
            result = try FFmpeg.run(ffprobe, ["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path])
            info.frameCount = Int(String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").first ?? "") ?? 0
        }
        guard info.frameCount > 0 else { throw ImageFileError(path: path, kind: .corrupt, message: "the video stream has no frames") }
        return info
    }

    static func parse(_ json: Data, path: String) throws -> VideoInfo {
        guard let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let streams = root["streams"] as? [[String: Any]] else {
            throw ImageFileError(path: path, kind: .corrupt, message: "ffprobe gave no stream list")
        }
        guard let video = streams.first(where: { $0["codec_type"] as? String == "video" }) else {
            throw ImageFileError(path: path, kind: .unsupported, message: "no video stream")
        }
        func fraction(_ key: String) -> (Int, Int)? {
            let parts = (video[key] as? String ?? "").split(separator: "/").compactMap { Int($0) }
            return parts.count == 2 && parts[0] > 0 && parts[1] > 0 ? (parts[0], parts[1]) : nil
        }
        guard let width = video["width"] as? Int, let height = video["height"] as? Int, let rate = fraction("r_frame_rate") else {
            throw ImageFileError(path: path, kind: .corrupt, message: "the video stream has no size or frame rate")
        }
        let average = fraction("avg_frame_rate")
        let tags = video["tags"] as? [String: Any] ?? [:]
        let formatTags = (root["format"] as? [String: Any])?["tags"] as? [String: Any] ?? [:]
        let timecodeStream = streams.first { ($0["tags"] as? [String: Any])?["timecode"] != nil }
        let timecode = (tags["timecode"] ?? tags["TIMECODE"] ?? formatTags["timecode"] ?? formatTags["TIMECODE"]
            ?? (timecodeStream?["tags"] as? [String: Any])?["timecode"]) as? String
        func tag(_ key: String) -> String? {
            guard let value = video[key] as? String, value != "unknown", value != "unspecified", !value.isEmpty else { return nil }
            return value
        }
        let pixelFormat = video["pix_fmt"] as? String ?? "unknown"
        let audio = streams.filter { $0["codec_type"] as? String == "audio" }
        let bits = Int(video["bits_per_raw_sample"] as? String ?? "") ?? (pixelFormat.contains("16") ? 16 : pixelFormat.contains("10") ? 10 : pixelFormat.contains("12") ? 12 : 8)
        return VideoInfo(
            width: width, height: height, rateNumerator: rate.0, rateDenominator: rate.1,
            frameCount: Int(video["nb_frames"] as? String ?? "") ?? 0, codec: video["codec_name"] as? String ?? "unknown",
            pixelFormat: pixelFormat, matrix: tag("color_space"), range: tag("color_range"), transfer: tag("color_transfer"),
            primaries: tag("color_primaries"), timecode: timecode, audioStreams: audio.count,
            audioCodecs: audio.compactMap { $0["codec_name"] as? String },
            variableRate: average.map { $0.0 * rate.1 != rate.0 * $0.1 } ?? false, bitsPerSample: bits)
    }

    /// zscale's name of the stream's matrix: the tag, else BT.709 for HD and larger, BT.601 below.
    public var zscaleMatrix: (name: String, assumed: Bool) {
        switch matrix {
        case "bt709": ("709", false)
        case "bt470bg", "smpte170m", "bt601": ("170m", false)
        case "bt2020nc", "bt2020_ncl": ("2020_ncl", false)
        case "bt2020c": ("2020_cl", false)
        default: (height >= 720 || width >= 1280 ? "709" : "170m", true)
        }
    }

    /// `limited` unless the stream says full range (`pc`).
    public var zscaleRange: String { range == "pc" ? "full" : "limited" }
}

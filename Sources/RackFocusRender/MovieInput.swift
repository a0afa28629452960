import RackFocusCore
import RackFocusIO
import RackFocusVideo

/// A movie given as the RGB or the depth pass: its frame i is frame number `firstFrame + i`, and
/// frames are decoded in order as the pipeline's reader asks for them.
public final class MovieInput: @unchecked Sendable {
    public let path: String
    public let info: VideoInfo
    public let firstFrame: Int
    let reader: VideoReader

    init(path: String, firstFrame: Int, grey: Bool) throws {
        self.path = path
        info = try VideoInfo.probe(path)
        self.firstFrame = firstFrame
        reader = VideoReader(path: path, info: info, grey: grey)
    }

    /// The frame numbers the movie holds.
    public var frames: Range<Int> { firstFrame..<firstFrame + info.frameCount }

    /// What a user should know before the render: the matrix assumed for untagged video, a
    /// variable frame rate, a depth pass that lost precision to 8 bits or a lossy codec.
    public var warnings: [String] {
        var list: [String] = []
        if !info.isRGB && !info.isGray && info.zscaleMatrix.assumed {
            list.append("\(path): no colour matrix tag; assuming BT.\(info.zscaleMatrix.name == "709" ? "709" : "601") for its size")
        }
        if info.variableRate { list.append("\(path): variable frame rate; frames are read as they are stored (passthrough)") }
        if reader.grey && (info.bitsPerSample <= 8 || !["ffv1", "png", "tiff", "rawvideo", "prores"].contains(info.codec)) {
            list.append("\(path): a depth pass stored as \(info.bitsPerSample)-bit \(info.codec) is approximate at edges; FFV1 gray16le keeps it exact")
        }
        return list
    }

    func frame(_ number: Int) throws -> RasterImage {
        try reader.frame(number - firstFrame, frameNumber: number)
    }
}

/// A set of frame numbers written the way render farms write them:
/// `1001-1048`, `1-100x2` (every 2nd), `1,5,9`, or any comma-separated mix (`1-10,20,30-40x5`).
/// Frames are kept sorted and unique.
public struct FrameRange: Sendable, Equatable, CustomStringConvertible {
    public let frames: [Int]

    public init(frames: [Int]) {
        self.frames = Array(Set(frames)).sorted()
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "invalid frame range \"\(text)\": \(reason)" }
    }

    /// Largest number of frames a range may list (guards against `1-999999999`).
    public static let maxFrames = 1_000_000

    public init(parsing text: String) throws(ParseError) {
        var frames: [Int] = []
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty else { throw ParseError(text: text, reason: "it is empty") }
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw ParseError(text: text, reason: "empty item between commas") }
            var body = Substring(part)
            var step = 1
            if let x = part.firstIndex(where: { $0 == "x" || $0 == "X" }) {
                guard let s = Int(part[part.index(after: x)...]), s > 0 else {
                    throw ParseError(text: text, reason: "step in \"\(part)\" must be a positive whole number")
                }
                step = s
                body = part[..<x]
            }
            // A dash after the first character separates start and end (the start may be negative).
            let dash = body.dropFirst().firstIndex(of: "-")
            let first: Int
            let last: Int
            if let dash {
                guard let a = Int(body[..<dash]), let b = Int(body[body.index(after: dash)...]) else {
                    throw ParseError(text: text, reason: "\"\(part)\" is not START-END")
                }
                guard a <= b else { throw ParseError(text: text, reason: "\"\(part)\" ends before it starts") }
                first = a
                last = b
            } else {
                guard let a = Int(body) else { throw ParseError(text: text, reason: "\"\(part)\" is not a frame number") }
                guard step == 1 else { throw ParseError(text: text, reason: "a step needs a START-END range") }
                first = a
                last = a
            }
            // last - first overflows Int for ranges such as Int.min-Int.max: count in the magnitude's type.
            let span = UInt(bitPattern: last &- first)
            guard span / UInt(step) + UInt(frames.count) < UInt(FrameRange.maxFrames) else {
                throw ParseError(text: text, reason: "more than \(FrameRange.maxFrames) frames")
            }
            frames.append(contentsOf: stride(from: first, through: last, by: step))
        }
        self.init(frames: frames)
    }

    /// Compact text: consecutive runs become `a-b` ("1001-1003, 1010").
    public var description: String { FrameRange.compact(frames) }

    public static func compact(_ frames: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = frames.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }
}

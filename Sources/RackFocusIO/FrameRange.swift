/// A set of frame numbers written the way render farms write them:
/// `1001-1048`, `1-100x2` or `1-100:2` (every 2nd; Deadline, OpenJD), `1001:1048` (Houdini's
/// start:end, also `1:100:2`), `1,5,9`, or any comma-separated mix (`1-10,20,30-40x5`).
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
            // START:END[:STEP] (no dash between the numbers) becomes START-END[xSTEP]; START-END:STEP
            // takes its step after the colon.
            let colons = part.split(separator: ":", omittingEmptySubsequences: false)
            if colons.count > 1 {
                let dashed = colons[0].dropFirst().contains("-")
                guard colons.count <= (dashed ? 2 : 3), colons.allSatisfy({ !$0.isEmpty }) else {
                    throw ParseError(text: text, reason: "\"\(part)\" is not START-END:STEP or START:END[:STEP]")
                }
                body = dashed ? colons[0] : Substring(colons[0] + "-" + colons[1])
                if let stepText = dashed ? colons[1] : (colons.count == 3 ? colons[2] : nil) {
                    guard let s = Int(stepText), s > 0 else {
                        throw ParseError(text: text, reason: "step in \"\(part)\" must be a positive whole number")
                    }
                    step = s
                }
            } else if let x = part.firstIndex(where: { $0 == "x" || $0 == "X" }) {
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

    /// The frames as range text that this parser reads back and farms accept, without spaces:
    /// consecutive runs as `a-b`, evenly stepped runs of three or more as `a-b:s`, the rest single
    /// (`1001-1008`, `1-9:2`, `1,5,12`).
    public static func text(_ frames: [Int]) -> String {
        let sorted = Array(Set(frames)).sorted()
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            if index + 1 < sorted.count {
                let step = sorted[index + 1] &- sorted[index]
                while end + 1 < sorted.count && sorted[end + 1] &- sorted[end] == step { end += 1 }
                if step != 1 && end - index < 2 { end = index }  // two frames apart: single frames
                if end > index {
                    parts.append("\(sorted[index])-\(sorted[end])" + (step == 1 ? "" : ":\(step)"))
                    index = end + 1
                    continue
                }
            }
            parts.append("\(sorted[index])")
            index += 1
        }
        return parts.joined(separator: ",")
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file name pattern for an image sequence: `name.%04d.png` (printf style), `name.####.png`
/// (Nuke style: the number of `#` is the zero-padded width), or a plain file name (a still:
/// the same file for every frame).
public struct SequencePattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let prefix: String
    let suffix: String
    /// nil for a still.
    let width: Int?

    public var isStill: Bool { width == nil }
    public var description: String { text }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "invalid sequence pattern \"\(text)\": \(reason)" }
    }

    public init(_ text: String) throws(ParseError) {
        self.text = text
        let chars = Array(text)
        var found: (start: Int, end: Int, width: Int)?
        var i = 0
        while i < chars.count {
            if chars[i] == "%" {
                var j = i + 1
                var digits = ""
                while j < chars.count && chars[j].isNumber { digits.append(chars[j]); j += 1 }
                if j < chars.count && chars[j] == "d" {
                    if found != nil { throw ParseError(text: text, reason: "more than one frame-number field") }
                    let width = digits.isEmpty ? 1 : Int(digits) ?? 0
                    guard (1...12).contains(width) else { throw ParseError(text: text, reason: "padding must be 1 to 12") }
                    found = (i, j + 1, width)
                    i = j + 1
                    continue
                }
                if j < chars.count && chars[j] == "%" && digits.isEmpty { i = j + 1; continue }
                throw ParseError(text: text, reason: "only %d or %0Nd is understood after %")
            } else if chars[i] == "#" {
                var j = i
                while j < chars.count && chars[j] == "#" { j += 1 }
                if found != nil { throw ParseError(text: text, reason: "more than one frame-number field") }
                guard j - i <= 12 else { throw ParseError(text: text, reason: "padding must be 1 to 12") }
                found = (i, j, j - i)
                i = j
                continue
            }
            i += 1
        }
        if let found {
            prefix = Self.unescape(chars[..<found.start])
            suffix = Self.unescape(chars[found.end...])
            width = found.width
        } else {
            prefix = Self.unescape(chars[...])
            suffix = ""
            width = nil
        }
    }

    /// `%%` stands for a literal `%`.
    static func unescape(_ chars: ArraySlice<Character>) -> String {
        var out = ""
        var i = chars.startIndex
        while i < chars.endIndex {
            out.append(chars[i])
            i += (chars[i] == "%" && i + 1 < chars.endIndex && chars[i + 1] == "%") ? 2 : 1
        }
        return out
    }

    /// The file for `frame` (the still's own path for a still).
    public func path(for frame: Int) -> String {
        guard let width else { return prefix }
        var digits = String(abs(frame))
        if digits.count < width { digits = String(repeating: "0", count: width - digits.count) + digits }
        return prefix + (frame < 0 ? "-" : "") + digits + suffix
    }

    /// Frames whose files exist on disk, found by listing the pattern's folder. Empty for a still.
    public func framesOnDisk() -> [Int] {
        guard width != nil else { return [] }
        let (folder, namePrefix) = FileSystem.split(prefix)
        guard let dir = opendir(folder.isEmpty ? "." : folder) else { return [] }
        defer { closedir(dir) }
        var frames: [Int] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard name.hasPrefix(namePrefix), name.hasSuffix(suffix), name.count > namePrefix.count + suffix.count else { continue }
            let middle = name.dropFirst(namePrefix.count).dropLast(suffix.count)
            guard middle.allSatisfy({ $0.isNumber || $0 == "-" }), let frame = Int(middle), path(for: frame).hasSuffix(name) else { continue }
            frames.append(frame)
        }
        return frames.sorted()
    }

    /// Throws one error listing every frame in `frames` whose file is missing.
    public func checkFramesExist(_ frames: [Int]) throws(ImageFileError) {
        let missing = isStill ? (FileSystem.exists(prefix) ? [] : frames) : frames.filter { !FileSystem.exists(path(for: $0)) }
        guard !missing.isEmpty else { return }
        if isStill { throw ImageFileError(path: text, kind: .notFound, message: "no such file") }
        throw ImageFileError(path: text, kind: .missingFrames,
                             message: "\(missing.count) of \(frames.count) frames missing: \(FrameRange.compact(missing))")
    }
}

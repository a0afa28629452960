/// The text of one keyframe as users write it everywhere (focus, f-stop, size, plate depth):
/// `FRAME:VALUE[:EASING]`, or a bare `VALUE` that holds for the whole shot. The value is left as
/// text for the caller to read (a distance with a unit, a point `@X,Y`, a number).
public struct KeyText: Sendable, Equatable {
    /// nil for a bare value.
    public var frame: Int?
    public var value: String
    /// Easing of the segment that ends at this key (nil: the track's default).
    public var easing: Easing?

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter name: the option or key named in messages (`--focus`, `focus[2]`).
    public init(parsing text: String, name: String) throws(ParseError) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            .map { String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
        value = parts[min(1, parts.count - 1)]
        guard parts.count > 1 else {
            frame = nil
            easing = nil
            return
        }
        guard let number = Int(parts[0]) else {
            throw ParseError(description: "\(name) \"\(text)\": \"\(parts[0])\" is not a frame number (expected FRAME:VALUE[:EASING])")
        }
        frame = number
        if parts.count == 3 {
            do { easing = try Easing(parsing: parts[2]) } catch {
                throw ParseError(description: "\(name) \"\(text)\": \(error.description)")
            }
        } else {
            easing = nil
        }
    }

    public init(frame: Int?, value: String, easing: Easing? = nil) {
        self.frame = frame
        self.value = value
        self.easing = easing
    }

    /// Back to `FRAME:VALUE[:EASING]` (or `VALUE`).
    public var text: String {
        guard let frame else { return value }
        return "\(frame):\(value)" + (easing.map { ":\($0)" } ?? "")
    }
}

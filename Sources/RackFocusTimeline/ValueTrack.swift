/// A number over time (an aperture's f-number, an artistic blur size): keyframes at frame numbers
/// with eased, linear interpolation between them and holds before the first and after the last.
public struct ValueTrack: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public var frame: Int
        public var value: Double
        /// Easing of the segment that ends at this key (nil: linear).
        public var easing: Easing?

        public init(frame: Int, value: Double, easing: Easing? = nil) {
            self.frame = frame
            self.value = value
            self.easing = easing
        }
    }

    public private(set) var keys: [Key]

    public init(keys: [Key]) throws(FocusTrack.Error) {
        guard !keys.isEmpty else { throw FocusTrack.Error(description: "no value given") }
        let sorted = keys.sorted { $0.frame < $1.frame }
        for i in 1..<max(1, sorted.count) where sorted[i].frame == sorted[i - 1].frame {
            throw FocusTrack.Error(description: "two keys at frame \(sorted[i].frame)")
        }
        self.keys = sorted
    }

    public init(constant value: Double) {
        keys = [Key(frame: 0, value: value)]
    }

    public var isConstant: Bool { keys.count == 1 }

    public func value(at frame: Int) -> Double {
        let (a, b, t) = keySegment(frames: keys.map(\.frame), at: frame)
        guard a != b else { return keys[a].value }
        return keys[a].value + (keys[b].value - keys[a].value) * (keys[b].easing ?? .linear)(t)
    }

    /// Parses "2.8" (constant) or repeated "FRAME:VALUE[:EASING]" texts; `name` is used in messages.
    public init(parsing texts: [String], name: String) throws(FocusTrack.Error) {
        var keys: [Key] = []
        for text in texts {
            let key: KeyText
            do { key = try KeyText(parsing: text, name: name) } catch { throw FocusTrack.Error(description: error.description) }
            guard let v = Double(key.value), v.isFinite else {
                throw FocusTrack.Error(description: "\(name) \"\(text)\": \"\(key.value)\" is not a number")
            }
            guard key.frame != nil || texts.count == 1 else {
                throw FocusTrack.Error(description: "\(name) \"\(text)\": with several keys each must be FRAME:VALUE[:EASING]")
            }
            keys.append(Key(frame: key.frame ?? 0, value: v, easing: key.easing))
        }
        try self.init(keys: keys)
    }
}

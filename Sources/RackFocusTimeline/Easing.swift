/// How a focus segment moves from one keyframe to the next: maps progress t in [0, 1] to [0, 1].
public enum Easing: Sendable, Equatable, CustomStringConvertible {
    case linear
    /// Holds the previous key's value until the next key (a step).
    case hold
    /// Cubic: t³.
    case easeIn
    /// Cubic: 1 − (1 − t)³.
    case easeOut
    /// Cubic: 4t³ for t < ½, then mirrored.
    case easeInOut
    /// 3t² − 2t³.
    case smoothstep
    /// CSS `cubic-bezier(x1, y1, x2, y2)`: the curve is solved for x = t, then y is returned
    /// (not evaluated at parameter t), exactly as browsers do. x1 and x2 must lie in [0, 1].
    case cubicBezier(Double, Double, Double, Double)

    public static let names = ["linear", "hold", "ease-in", "ease-out", "ease-in-out", "smoothstep",
                               "cubic-bezier(x1,y1,x2,y2)"]

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `linear`, `hold`, `ease-in`, `ease-out`, `ease-in-out`, `smoothstep` or `cubic-bezier(x1,y1,x2,y2)`.
    public init(parsing text: String) throws(ParseError) {
        let name = String(text.filter { !$0.isWhitespace }).lowercased()
        switch name {
        case "linear": self = .linear
        case "hold", "step", "constant": self = .hold
        case "ease-in": self = .easeIn
        case "ease-out": self = .easeOut
        case "ease-in-out": self = .easeInOut
        case "smoothstep": self = .smoothstep
        default:
            guard name.hasPrefix("cubic-bezier(") && name.hasSuffix(")") else {
                throw ParseError(description: "unknown easing \"\(text)\"; expected one of \(Easing.names.joined(separator: ", "))")
            }
            let numbers = name.dropFirst("cubic-bezier(".count).dropLast().split(separator: ",").map { Double($0) }
            guard numbers.count == 4, numbers.allSatisfy({ $0 != nil && $0!.isFinite }) else {
                throw ParseError(description: "cubic-bezier needs four numbers: cubic-bezier(x1,y1,x2,y2), got \"\(text)\"")
            }
            let (x1, y1, x2, y2) = (numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!)
            guard (0...1).contains(x1) && (0...1).contains(x2) else {
                throw ParseError(description: "cubic-bezier x1 and x2 must be between 0 and 1, got \"\(text)\"")
            }
            self = .cubicBezier(x1, y1, x2, y2)
        }
    }

    public var description: String {
        switch self {
        case .linear: "linear"
        case .hold: "hold"
        case .easeIn: "ease-in"
        case .easeOut: "ease-out"
        case .easeInOut: "ease-in-out"
        case .smoothstep: "smoothstep"
        case let .cubicBezier(a, b, c, d): "cubic-bezier(\(a),\(b),\(c),\(d))"
        }
    }

    /// Eased progress for t in [0, 1] (t is clamped).
    public func callAsFunction(_ t: Double) -> Double {
        let t = min(1, max(0, t))
        switch self {
        case .linear: return t
        case .hold: return t < 1 ? 0 : 1
        case .easeIn: return t * t * t
        case .easeOut:
            let u = 1 - t
            return 1 - u * u * u
        case .easeInOut:
            if t < 0.5 { return 4 * t * t * t }
            let u = 2 - 2 * t
            return 1 - u * u * u / 2
        case .smoothstep: return t * t * (3 - 2 * t)
        case let .cubicBezier(x1, y1, x2, y2): return Easing.bezier(x1, y1, x2, y2, x: t)
        }
    }

    /// Solves x(s) = x for the curve parameter s (Newton, falling back to bisection), returns y(s).
    static func bezier(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        // B(s) = 3(1−s)²s·p1 + 3(1−s)s²·p2 + s³, written as ((a·s + b)·s + c)·s.
        let cx = 3 * x1, bx = 3 * (x2 - x1) - cx, ax = 1 - cx - bx
        let cy = 3 * y1, by = 3 * (y2 - y1) - cy, ay = 1 - cy - by
        func curveX(_ s: Double) -> Double { ((ax * s + bx) * s + cx) * s }
        func slopeX(_ s: Double) -> Double { (3 * ax * s + 2 * bx) * s + cx }
        var s = x
        for _ in 0..<8 {
            let error = curveX(s) - x
            if abs(error) < 1e-12 { return ((ay * s + by) * s + cy) * s }
            let slope = slopeX(s)
            if abs(slope) < 1e-9 { break }
            s -= error / slope
        }
        // Bisection: x(s) is monotonic for x1, x2 in [0, 1].
        var low = 0.0, high = 1.0
        s = x
        for _ in 0..<64 {
            let value = curveX(s)
            if abs(value - x) < 1e-13 { break }
            if value < x { low = s } else { high = s }
            s = (low + high) / 2
        }
        return ((ay * s + by) * s + cy) * s
    }
}

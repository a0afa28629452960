/// Transcendental functions built from +, -, *, / only, so that every table built with them is
/// bit-identical on every machine and libm (determinism rule: no libm in anything that shapes a
/// pixel). Accuracy is about 1e-15 relative, far beyond what the Float tables need.
/// Not for hot loops: they exist to build tables once.
public enum DeterministicMath {
    static let ln2 = 0.693_147_180_559_945_309_417_232_121_458

    /// Natural logarithm of a positive finite x.
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log domain")
        // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
        var exponent = Double(x.exponent)
        var mantissa = x.significand  // [1, 2)
        if mantissa > 1.414_213_562_373_095 {
            mantissa /= 2
            exponent += 1
        }
        // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716.
        let s = (mantissa - 1) / (mantissa + 1)
        let s2 = s * s
        var term = s
        var sum = 0.0
        var k = 1.0
        while k < 60 {
            sum += term / k
            term *= s2
            k += 2
        }
        return 2 * sum + exponent * ln2
    }

    /// e^x for |x| < 700.
    public static func exp(_ x: Double) -> Double {
        precondition(abs(x) < 700, "exp domain")
        let k = (x / ln2).rounded()
        let r = x - k * ln2  // |r| <= ln2 / 2
        var term = 1.0
        var sum = 1.0
        for n in 1...24 {
            term *= r / Double(n)
            sum += term
        }
        return Double(sign: .plus, exponent: Int(k), significand: sum)
    }

    /// x^y for x >= 0.
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if x == 0 { return y == 0 ? 1 : 0 }
        return exp(y * log(x))
    }

    /// arcsin(x) for |x| <= 1, through the integral-free identity asin x = atan(x / sqrt(1 - x^2)).
    public static func asin(_ x: Double) -> Double {
        precondition(abs(x) <= 1, "asin domain")
        if x == 1 { return halfPi }
        if x == -1 { return -halfPi }
        return atan(x / (1 - x * x).squareRoot())
    }

    static let halfPi = 1.570_796_326_794_896_619_231_321_691_639

    /// arctangent, by argument halving and a Taylor series.
    public static func atan(_ x: Double) -> Double {
        if x < 0 { return -atan(-x) }
        if x > 1 { return halfPi - atan(1 / x) }
        // Halve the angle three times: atan(x) = 2 atan(x / (1 + sqrt(1 + x^2))).
        var t = x
        var scale = 1.0
        for _ in 0..<3 {
            t = t / (1 + (1 + t * t).squareRoot())
            scale *= 2
        }
        let t2 = t * t
        var term = t
        var sum = 0.0
        var k = 1.0
        var sign = 1.0
        while k < 40 {
            sum += sign * term / k
            term *= t2
            sign = -sign
            k += 2
        }
        return scale * sum
    }
}

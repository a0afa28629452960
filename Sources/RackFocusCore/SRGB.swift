/// The sRGB transfer function (IEC 61966-2-1), exact through tables.
///
/// - Decoding 8- and 16-bit codes is a table lookup (256 and 65536 entries).
/// - Encoding a linear Float to an 8- or 16-bit code returns exactly `round(max * encode(x))`:
///   the tables hold, for every code k, the smallest Float whose code is above k, and a coarse
///   index narrows the search to a step or two. No `pow` runs per pixel; the tables are built
///   with `DeterministicMath`, so they are identical on every machine.
public enum SRGB {
    /// Linear value -> encoded value in [0, 1] (reference implementation, Double).
    public static func encode(_ linear: Double) -> Double {
        if linear <= 0 { return 0 }
        if linear >= 1 { return 1 }
        return linear <= 0.003_130_8 ? 12.92 * linear : 1.055 * DeterministicMath.pow(linear, 1 / 2.4) - 0.055
    }

    /// Encoded value in [0, 1] -> linear value (reference implementation, Double).
    public static func decode(_ encoded: Double) -> Double {
        if encoded <= 0 { return 0 }
        if encoded >= 1 { return 1 }
        return encoded <= 0.040_45 ? encoded / 12.92 : DeterministicMath.pow((encoded + 0.055) / 1.055, 2.4)
    }

    /// Linear value of each 8-bit code.
    public static let decode8: [Float] = (0...255).map { Float(decode(Double($0) / 255)) }

    /// Linear value of each 16-bit code.
    public static let decode16: [Float] = (0...65535).map { Float(decode(Double($0) / 65535)) }

    /// Encoder table for `maxCode` (255 or 65535).
    public struct EncodeTable: Sendable {
        /// thresholds[k] = smallest Float x with code(x) >= k + 1.
        @usableFromInline let thresholds: [Float]
        /// start[b] = code of b / buckets: a lower bound for any x in bucket b.
        @usableFromInline let start: [UInt16]
        @usableFromInline let buckets: Int
        @usableFromInline let maxCode: Int

        init(maxCode: Int, buckets: Int) {
            self.maxCode = maxCode
            self.buckets = buckets
            var thresholds = [Float](repeating: 0, count: maxCode)
            for k in 0..<maxCode {
                let t = SRGB.decode((Double(k) + 0.5) / Double(maxCode))
                var f = Float(t)
                if Double(f) < t { f = f.nextUp }
                while Double(f.nextDown) >= t { f = f.nextDown }
                thresholds[k] = f
            }
            self.thresholds = thresholds
            var start = [UInt16](repeating: 0, count: buckets + 1)
            var code = 0
            for b in 0...buckets {
                let x = Float(b) / Float(buckets)
                while code < maxCode && x >= thresholds[code] { code += 1 }
                start[b] = UInt16(code)
            }
            self.start = start
        }

        /// The code of linear value x (clamped to [0, 1]; NaN gives 0).
        @inlinable @inline(__always)
        public func code(_ x: Float) -> Int {
            guard x > 0 else { return 0 }
            guard x < 1 else { return maxCode }
            var code = Int(start[Int(x * Float(buckets))])
            while code < maxCode && x >= thresholds[code] { code += 1 }
            return code
        }
    }

    public static let encode8 = EncodeTable(maxCode: 255, buckets: 4096)

    /// The 8-bit encoder without a float-to-integer conversion: a value in [0, 1] is looked up by the top
    /// 17 bits of its bit pattern (exponent and 8 mantissa bits: bins 1/256 of an octave wide, which hold
    /// at most one step of the 8-bit code; checked when built), then one comparison with the next
    /// code's threshold gives the exact code, the same as `encode8.code`.
    public struct Encode8: Sendable {
        /// Code of each bin's smallest value; the bins run up to 1.0's bin.
        @usableFromInline let codes: [UInt8]
        /// encode8's thresholds and +inf (no code above 255).
        @usableFromInline let thresholds: [Float]
        @usableFromInline static let shift: UInt32 = 15

        init(_ table: EncodeTable) {
            let bins = Int(Float(1).bitPattern >> Self.shift) + 1
            codes = (0..<bins).map { UInt8(table.code(Float(bitPattern: UInt32($0) << Self.shift))) }
            thresholds = table.thresholds + [.infinity]
            for bin in 0..<(bins - 1) {
                let last = Float(bitPattern: (UInt32(bin + 1) << Self.shift) - 1)  // the bin's largest value
                precondition(table.code(last) - Int(codes[bin]) <= 1, "an 8-bit encoder bin spans two steps")
            }
        }

        /// The code of linear value x (clamped to [0, 1]; NaN gives 0).
        @inlinable @inline(__always)
        public func code(_ x: Float) -> UInt8 {
            codes.withUnsafeBufferPointer { codes in
                thresholds.withUnsafeBufferPointer { Self.code(x, codes.baseAddress!, $0.baseAddress!) }
            }
        }

        /// Runs `body` with a code function over the raw tables (no bounds checks or reference counting
        /// per value, for loops over whole images).
        @inlinable @inline(__always)
        public func withCoder<R>(_ body: ((Float) -> UInt8) -> R) -> R {
            codes.withUnsafeBufferPointer { codes in
                thresholds.withUnsafeBufferPointer { thresholds in
                    let (c, t) = (codes.baseAddress!, thresholds.baseAddress!)
                    return body { Self.code($0, c, t) }
                }
            }
        }

        @inlinable @inline(__always)
        static func code(_ x: Float, _ codes: UnsafePointer<UInt8>, _ thresholds: UnsafePointer<Float>) -> UInt8 {
            let clamped = x > 0 ? (x < 1 ? x : 1) : 0
            let code = codes[Int(clamped.bitPattern >> shift)]
            return clamped >= thresholds[Int(code)] ? code &+ 1 : code
        }
    }

    public static let fastEncode8 = Encode8(encode8)
    public static let encode16 = EncodeTable(maxCode: 65535, buckets: 65536)
}

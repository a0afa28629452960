import RackFocusCore
/// What the numbers in a depth pass mean (Nuke ZDefocus `math` names), and how to turn them into
/// disparity (1/metres), the engine's internal depth.
public struct DepthInterpretation: Sendable, Equatable {
    public enum Math: String, Sendable, CaseIterable {
        /// The value is the distance (scene units).
        case depth
        /// The value is 1/distance: 0 at infinity (Nuke's own Z).
        case farZero = "far=0"
        /// The value is 1 − 1/distance: 1 at infinity.
        case farOne = "far=1"
        /// The value is the blur radius (times the lens size); there is no focal plane.
        case direct
        /// The value is −distance.
        case negativeDepth = "-depth"
        /// The value is −1/distance (Maya); Nuke writes it `far=-0`.
        case negativeFarZero = "far=-0"
        /// Near plane 0, far plane −1; Nuke writes it `far=-1`.
        case negativeFarOne = "far=-1"
        /// As direct, with occlusion reversed.
        case negativeDirect = "-direct"

        /// Also accepted: spelled-out names that do not start with a dash, and `-far=0`/`-far=1`.
        public init?(name: String) {
            let aliases = ["neg-depth": "-depth", "neg-direct": "-direct", "-far=0": "far=-0", "-far=1": "far=-1",
                           "neg-far=0": "far=-0", "neg-far=1": "far=-1"]
            self.init(rawValue: aliases[name] ?? name)
        }
    }

    public var math: Math
    /// For integer depth maps: code value v maps to `near + (far − near) · v / max`.
    /// nil keeps the normalised value v / max. Float depth is always used as stored.
    public var range: ClosedRange<Double>?
    /// Integer maps only: white is near (the value is flipped before mapping).
    public var nearWhite: Bool
    /// Metres per scene unit (1 for metres, 0.01 for centimetres, 0.3048 for feet...).
    public var metresPerUnit: Double

    public init(math: Math = .depth, range: ClosedRange<Double>? = nil, nearWhite: Bool = false, metresPerUnit: Double = 1) {
        self.math = math
        self.range = range
        self.nearWhite = nearWhite
        self.metresPerUnit = metresPerUnit
    }

    /// Units named as users write them.
    public static let units: [String: Double] = ["m": 1, "cm": 0.01, "mm": 0.001, "ft": 0.3048, "in": 0.0254]

    /// Largest disparity produced (1/m): distances are clamped to at least 1 mm.
    public static let maxDisparity: Float = 1000

    /// Converts a depth plane to disparity (1/m, larger = nearer). For `direct` the result is the
    /// negated blur value (so larger blur sorts as farther). Non-finite or non-positive distances
    /// become the farthest depth present (documented policy: they never produce NaN).
    ///
    /// - Parameters:
    ///   - values: depth samples, normalised to [0, 1] for integer files, raw for float files.
    ///   - isInteger: whether `values` came from an integer file (range and near-white apply).
    public func disparity(_ values: [Float], isInteger: Bool) -> [Float] {
        var usable = 0
        return disparity(values, isInteger: isInteger, usable: &usable)
    }

    /// As `disparity(_:isInteger:)`, also counting the samples that were usable as they are.
    public func disparity(_ values: [Float], isInteger: Bool, usable: inout Int) -> [Float] {
        var valid = [Bool](repeating: false, count: values.count)
        var out = disparityOrNaN(values, isInteger: isInteger, valid: &valid)
        var farthest = Float.infinity
        for i in 0..<out.count where valid[i] {
            farthest = min(farthest, out[i])
            usable += 1
        }
        let fallback = farthest.isFinite ? farthest : 0
        for i in 0..<out.count where !valid[i] { out[i] = fallback }
        return out
    }

    /// Each value's disparity, or NaN where it is unusable (`valid` false).
    private func disparityOrNaN(_ values: [Float], isInteger: Bool, valid: inout [Bool]) -> [Float] {
        let scale = Float(metresPerUnit)
        let low = Float(range?.lowerBound ?? 0)
        let span = Float((range?.upperBound ?? 1) - (range?.lowerBound ?? 0))
        var out = [Float](repeating: .nan, count: values.count)
        for i in 0..<values.count {
            var v = values[i]
            if isInteger {
                if nearWhite { v = 1 - v }
                v = low + span * v
            }
            let d: Float
            switch math {
            case .depth: d = 1 / (v * scale)
            case .negativeDepth: d = 1 / (-v * scale)
            case .farZero: d = v / scale
            case .negativeFarZero: d = -v / scale
            case .farOne: d = (1 - v) / scale
            case .negativeFarOne: d = (1 + v) / scale
            case .direct: d = -v
            case .negativeDirect: d = v
            }
            if d.isFinite && (d >= 0 || math == .direct || math == .negativeDirect) {
                out[i] = min(d, DepthInterpretation.maxDisparity)
                valid[i] = true
            }
        }
        return out
    }

    /// Disparity of a depth raster's first channel, as `disparity(_:isInteger:usable:)` gives for the
    /// raster's linear planar values (the same numbers). An 8- or 16-bit raster is converted through a
    /// table of every code's disparity (one lookup per pixel instead of the arithmetic).
    /// - Parameter pool: where an 8/16-bit raster's disparity memory comes from.
    public func disparity(of raster: RasterImage, usable: inout Int, pool: ArrayPool? = nil) -> [Float] {
        func lookup<Code: FixedWidthInteger & UnsignedInteger>(_ codes: [Code]) -> [Float] {
            // Every code once, through exactly the per-pixel path (planar conversion, then the math).
            let all = RasterImage(width: Int(Code.max) + 1, height: 1, channels: 1,
                                  samples: Code.self == UInt8.self ? .uint8((0...UInt8.max).map { $0 })
                                                                  : .uint16((0...UInt16.max).map { $0 }))
            var valid = [Bool](repeating: false, count: Int(Code.max) + 1)
            let table = disparityOrNaN(all.planar(transfer: .linear).samples, isInteger: true, valid: &valid)
            let count = raster.width * raster.height
            var out: [Float] = ArrayPool.unset(count, from: pool)  // every value is set below
            var seen = [Bool](repeating: false, count: table.count)  // codes present in the raster
            let channels = raster.channels
            codes.withUnsafeBufferPointer { codes in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0..<out.count {
                    let code = Int(codes[i * channels])
                    out[i] = table[code]
                    seen[code] = true
                }
            }}
            var farthest = Float.infinity
            var unusable = false
            for code in 0..<table.count where seen[code] {
                if valid[code] { farthest = min(farthest, table[code]) } else { unusable = true }
            }
            var unusableCount = 0
            if unusable {
                let fallback = farthest.isFinite ? farthest : 0
                for i in 0..<out.count where !out[i].isFinite { out[i] = fallback; unusableCount += 1 }
            }
            usable += out.count - unusableCount
            return out
        }
        switch raster.samples {
        case .uint8(let codes): return lookup(codes)
        case .uint16(let codes): return lookup(codes)
        case .float32:
            let plane = raster.planar(transfer: .linear)
            return disparity(Array(plane.samples[0..<plane.pixelCount]), isInteger: false, usable: &usable)
        }
    }
}

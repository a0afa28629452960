import RackFocusCore

/// A picture of where two frames differ: black where equal, then red, yellow and white as the
/// difference grows to `scale` (code values) and beyond.
public struct Heatmap: Sendable {
    public let width: Int
    public let height: Int
    private var values: [Double]

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        values = [Double](repeating: 0, count: width * height)
    }

    public mutating func set(x: Int, y: Int, difference: Double) {
        values[y * width + x] = difference
    }

    /// 8-bit RGB image; `scale` is the difference shown as white (default: the largest present).
    public func raster(scale: Double? = nil) -> RasterImage {
        let top = max(scale ?? values.max() ?? 0, 1e-12)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<values.count where values[i] > 0 {
            // Anything non-zero is at least dim red, so single-level differences stay visible.
            let t = min(1, max(values[i] / top, 0.08))
            let r = min(1, t * 3), g = min(1, max(0, t * 3 - 1)), b = min(1, max(0, t * 3 - 2))
            out[i * 3] = UInt8((r * 255).rounded())
            out[i * 3 + 1] = UInt8((g * 255).rounded())
            out[i * 3 + 2] = UInt8((b * 255).rounded())
        }
        return RasterImage(width: width, height: height, channels: 3, samples: .uint8(out))
    }
}

/// A floating-point image stored plane by plane (all R values, then all G, ...), the layout the
/// engine's SIMD loops want. Values are linear light unless a caller says otherwise.
///
/// Channel conventions: 1 = one value (depth, gray), 3 = RGB, 4 = RGBA with straight
/// (un-premultiplied) alpha.
public struct PlanarImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `channels` planes of `width * height` values each, rows top to bottom.
    public var samples: [Float]

    public init(width: Int, height: Int, channels: Int, fill: Float = 0) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels), "invalid image shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = [Float](repeating: fill, count: width * height * channels)
    }

    public init(width: Int, height: Int, channels: Int, samples: [Float]) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels), "invalid image shape")
        precondition(samples.count == width * height * channels, "sample count does not match the shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// Number of pixels in one plane.
    @inlinable public var pixelCount: Int { width * height }

    /// Index of plane `channel`'s first value in `samples`.
    @inlinable public func planeOffset(_ channel: Int) -> Int { channel * width * height }

    @inlinable public subscript(x: Int, y: Int, channel: Int) -> Float {
        get { samples[channel * width * height + y * width + x] }
        set { samples[channel * width * height + y * width + x] = newValue }
    }

    /// One plane as a new single-channel image.
    public func plane(_ channel: Int) -> PlanarImage {
        let start = planeOffset(channel)
        return PlanarImage(width: width, height: height, channels: 1,
                           samples: Array(samples[start..<start + pixelCount]))
    }

    /// Smallest and largest finite value of one plane (nil if there is none).
    public func finiteRange(channel: Int = 0) -> ClosedRange<Float>? {
        var low = Float.infinity
        var high = -Float.infinity
        let start = planeOffset(channel)
        for value in samples[start..<start + pixelCount] where value.isFinite {
            low = min(low, value)
            high = max(high, value)
        }
        return low <= high ? low...high : nil
    }
}

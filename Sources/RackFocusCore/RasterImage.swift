/// Interleaved pixels as a file stores them: 8-bit, 16-bit or 32-bit float samples.
/// This is what decoders return and encoders take; `PlanarImage` is what the engine uses.
public struct RasterImage: Sendable, Equatable {
    public enum Samples: Sendable, Equatable {
        case uint8([UInt8])
        case uint16([UInt16])
        case float32([Float])
    }

    public let width: Int
    public let height: Int
    /// 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    public var samples: Samples

    public init(width: Int, height: Int, channels: Int, samples: Samples) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels), "invalid raster shape")
        let count: Int
        switch samples {
        case .uint8(let values): count = values.count
        case .uint16(let values): count = values.count
        case .float32(let values): count = values.count
        }
        precondition(count == width * height * channels, "sample count does not match the shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// Bits per sample: 8, 16 or 32 (float).
    public var bitDepth: Int {
        switch samples {
        case .uint8: 8
        case .uint16: 16
        case .float32: 32
        }
    }

    public var isFloat: Bool { if case .float32 = samples { true } else { false } }

    /// Largest integer code value (255, 65535), or 1 for float.
    public var maxCode: Float {
        switch samples {
        case .uint8: 255
        case .uint16: 65535
        case .float32: 1
        }
    }

    /// Sample `channel` of pixel (x, y) as a Float code value (not normalised).
    public func value(x: Int, y: Int, channel: Int) -> Float {
        let index = (y * width + x) * channels + channel
        switch samples {
        case .uint8(let values): return Float(values[index])
        case .uint16(let values): return Float(values[index])
        case .float32(let values): return values[index]
        }
    }

    /// Smallest and largest finite value of one channel, as code values.
    public func finiteRange(channel: Int = 0) -> ClosedRange<Float>? {
        var low = Float.infinity
        var high = -Float.infinity
        func scan<T>(_ values: [T], _ convert: (T) -> Float) {
            var index = channel
            while index < values.count {
                let value = convert(values[index])
                if value.isFinite {
                    low = min(low, value)
                    high = max(high, value)
                }
                index += channels
            }
        }
        switch samples {
        case .uint8(let values): scan(values) { Float($0) }
        case .uint16(let values): scan(values) { Float($0) }
        case .float32(let values): scan(values) { $0 }
        }
        return low <= high ? low...high : nil
    }
}

extension RasterImage {
    /// Nearest-neighbour resize (for depth passes: never invents depths between surfaces).
    public func resizedNearest(width w: Int, height h: Int) -> RasterImage {
        func pick<T>(_ values: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(w * h * channels)
            for y in 0..<h {
                let sy = min(height - 1, (2 * y + 1) * height / (2 * h))
                for x in 0..<w {
                    let sx = min(width - 1, (2 * x + 1) * width / (2 * w))
                    for c in 0..<channels { out.append(values[(sy * width + sx) * channels + c]) }
                }
            }
            return out
        }
        switch samples {
        case .uint8(let v): return RasterImage(width: w, height: h, channels: channels, samples: .uint8(pick(v)))
        case .uint16(let v): return RasterImage(width: w, height: h, channels: channels, samples: .uint16(pick(v)))
        case .float32(let v): return RasterImage(width: w, height: h, channels: channels, samples: .float32(pick(v)))
        }
    }
}

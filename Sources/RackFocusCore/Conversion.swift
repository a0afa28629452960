/// How code values relate to light.
public enum Transfer: String, Sendable, CaseIterable {
    /// sRGB-encoded colour (8/16-bit PNG and JPEG colour).
    case sRGB = "srgb"
    /// Values proportional to light or data (depth passes, float images, alpha).
    case linear
}

extension RasterImage {
    /// Converts to planar Float. Colour channels go through `transfer`; alpha is always linear.
    /// Integer codes are normalised to [0, 1]; float samples are kept as they are.
    /// - Parameter pool: where the planes' memory comes from (a sequence reuses the last frame's).
    public func planar(transfer: Transfer, pool: ArrayPool? = nil) -> PlanarImage {
        let count = width * height
        let channels = self.channels
        let colourChannels = (channels == 2 || channels == 4) ? channels - 1 : channels
        // Every sample is written below, plane by plane, over raw buffers (no bounds checks per sample),
        // so the storage starts unset.
        var out: [Float] = ArrayPool.unset(count * channels, from: pool)
        out.withUnsafeMutableBufferPointer { dst in
            @inline(__always) func convert<T>(_ src: [T], colour: (T) -> Float, other: (T) -> Float) {
                src.withUnsafeBufferPointer { src in
                    for c in 0..<channels {
                        let plane = dst.baseAddress! + c * count
                        var s = src.baseAddress! + c
                        if c < colourChannels {
                            for i in 0..<count { plane[i] = colour(s.pointee); s += channels }
                        } else {
                            for i in 0..<count { plane[i] = other(s.pointee); s += channels }
                        }
                    }
                }
            }
            switch samples {
            case .uint8(let values):
                let linear: (UInt8) -> Float = { Float($0) * (1 / 255.0) }
                if transfer == .sRGB {
                    SRGB.decode8.withUnsafeBufferPointer { table in
                        convert(values, colour: { table[Int($0)] }, other: linear)
                    }
                } else {
                    convert(values, colour: linear, other: linear)
                }
            case .uint16(let values):
                let linear: (UInt16) -> Float = { Float($0) / 65535 }
                if transfer == .sRGB {
                    SRGB.decode16.withUnsafeBufferPointer { table in
                        convert(values, colour: { table[Int($0)] }, other: linear)
                    }
                } else {
                    convert(values, colour: linear, other: linear)
                }
            case .float32(let values):
                convert(values, colour: { $0 }, other: { $0 })
            }
        }
        return PlanarImage(width: width, height: height, channels: channels, samples: out)
    }
}

/// Sample format of an encoded raster.
public enum SampleFormat: Sendable, Equatable {
    case uint8
    case uint16
    case float32
}

extension PlanarImage {
    /// Converts to interleaved samples. Integer formats clamp to [0, 1] (NaN becomes 0) and apply
    /// `transfer` to colour channels (alpha stays linear), rounding exactly; float keeps values.
    /// - Parameter pool: where the common 8-bit sRGB output's memory comes from (give it back once encoded).
    public func raster(format: SampleFormat, transfer: Transfer, pool: ArrayPool? = nil) -> RasterImage {
        let count = pixelCount
        let colourChannels = (channels == 2 || channels == 4) ? channels - 1 : channels
        func build<T>(_ zero: T, _ map: (Float, Bool) -> T) -> [T] {
            var out = [T](repeating: zero, count: count * channels)
            samples.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for c in 0..<channels {
                        let isColour = c < colourChannels
                        let plane = c * count
                        var d = c
                        for i in 0..<count {
                            dst[d] = map(src[plane + i], isColour)
                            d += channels
                        }
                    }
                }
            }
            return out
        }
        func linearCode(_ x: Float, _ maxCode: Float) -> Int {
            guard x > 0 else { return 0 }  // also NaN
            guard x < 1 else { return Int(maxCode) }
            return Int((x * maxCode).rounded(.toNearestOrEven))
        }
        switch format {
        case .uint8 where transfer == .sRGB:
            // The common output path (8-bit sRGB PNG/JPEG), over raw buffers: `SRGB.fastEncode8` needs no
            // float-to-integer conversion and gives the same codes as `SRGB.encode8`. One pass writes
            // whole pixels, reading the planes side by side.
            var out: [UInt8] = ArrayPool.unset(count * channels, from: pool)  // every sample is set below
            samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
            SRGB.fastEncode8.withCoder { code in
                let s = src.baseAddress!
                var d = dst.baseAddress!
                if channels == 3 {  // spelled out: RGB's three planes read side by side, not one strided pass each
                    let (r, g, b) = (s, s + count, s + 2 * count)
                    for i in 0..<count {
                        d[0] = code(r[i]); d[1] = code(g[i]); d[2] = code(b[i])
                        d += 3
                    }
                    return
                }
                for i in 0..<count {
                    for c in 0..<colourChannels { d[c] = code(s[c * count + i]) }
                    if colourChannels < channels {
                        d[colourChannels] = UInt8(truncatingIfNeeded: linearCode(s[colourChannels * count + i], 255))
                    }
                    d += channels
                }
            }}}
            return RasterImage(width: width, height: height, channels: channels, samples: .uint8(out))
        case .uint8:
            let table = SRGB.encode8
            let srgb = transfer == .sRGB
            return RasterImage(width: width, height: height, channels: channels, samples: .uint8(build(0) { x, isColour in
                UInt8(truncatingIfNeeded: isColour && srgb ? table.code(x) : linearCode(x, 255))
            }))
        case .uint16:
            let table = SRGB.encode16
            let srgb = transfer == .sRGB
            return RasterImage(width: width, height: height, channels: channels, samples: .uint16(build(0) { x, isColour in
                UInt16(truncatingIfNeeded: isColour && srgb ? table.code(x) : linearCode(x, 65535))
            }))
        case .float32:
            return RasterImage(width: width, height: height, channels: channels, samples: .float32(build(0) { x, _ in x }))
        }
    }

    /// The image with 3 colour channels (gray is copied into R, G, B) and alpha if present.
    public func expandedToRGB() -> PlanarImage {
        switch channels {
        case 1, 2:
            let gray = Array(samples[0..<pixelCount])
            var all = gray + gray + gray
            if channels == 2 { all += samples[pixelCount..<2 * pixelCount] }
            return PlanarImage(width: width, height: height, channels: channels + 2, samples: all)
        default:
            return self
        }
    }
}

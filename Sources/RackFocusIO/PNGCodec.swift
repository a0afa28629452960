public import RackFocusCore
internal import CCodecShims

/// PNG: reads 1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA, palette and interlaced files;
/// writes 8- and 16-bit gray, gray+alpha, RGB and RGBA. Sample values are returned exactly as
/// stored: gAMA, sRGB and iCCP chunks are reported by `header` but never applied.
public enum PNGCodec {
    /// Encoder settings. The default (level 2, `up` filter, RLE strategy) is chosen for speed;
    /// `smallest` gives the smallest files at several times the encode time.
    public struct Options: Sendable, Equatable {
        /// zlib level 0-9.
        public var compressionLevel: Int
        /// PNG row filter 0-4 (none, sub, up, average, paeth) or nil for adaptive (all filters).
        public var filter: Int?

        public init(compressionLevel: Int = 2, filter: Int? = 2) {
            self.compressionLevel = compressionLevel
            self.filter = filter
        }

        public static let fast = Options()
        public static let smallest = Options(compressionLevel: 9, filter: nil)
    }

    /// Header facts without decoding pixels.
    public struct Header: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var bitDepth: Int
        public var colorType: Int
        public var interlaced: Bool
        public var hasColorInfo: Bool
        public var channels: Int
    }

    public static func header(_ bytes: [UInt8]) throws(CodecError) -> Header {
        var info = rfcodec_info()
        var message = [CChar](repeating: 0, count: 512)
        let code = bytes.withUnsafeBufferPointer { rfcodec_png_read_header($0.baseAddress, $0.count, &info, &message, 512) }
        try check(code, message)
        return Header(width: Int(info.width), height: Int(info.height), bitDepth: Int(info.source_bit_depth),
                      colorType: Int(info.source_color_type), interlaced: info.interlaced != 0,
                      hasColorInfo: info.has_color_info != 0, channels: Int(info.channels))
    }

    /// - Parameter pool: where the pixels' memory comes from (a sequence reuses the last frame's).
    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .default, pool: ArrayPool? = nil) throws(CodecError) -> RasterImage {
        var info = rfcodec_info()
        var message = [CChar](repeating: 0, count: 512)
        // First the layout (no pixels decoded), then the pixels straight into the samples' memory.
        try check(bytes.withUnsafeBufferPointer {
            rfcodec_png_decode_into($0.baseAddress, $0.count, UInt64(limits.maxPixels), &info, nil, 0, &message, 512)
        }, message)
        let count = Int(info.width) * Int(info.height) * Int(info.channels)
        func decode<T: PoolElement>(_: T.Type) throws(CodecError) -> [T] {
            var samples: [T] = ArrayPool.unset(count, from: pool)  // every sample is decoded into
            let code = samples.withUnsafeMutableBytes { pixels in
                bytes.withUnsafeBufferPointer {
                    rfcodec_png_decode_into($0.baseAddress, $0.count, UInt64(limits.maxPixels), &info,
                                            pixels.baseAddress, pixels.count, &message, 512)
                }
            }
            if code != 0 { pool?.give(samples) }
            try check(code, message)
            return samples
        }
        let samples: RasterImage.Samples = info.bit_depth == 16 ? .uint16(try decode(UInt16.self)) : .uint8(try decode(UInt8.self))
        return RasterImage(width: Int(info.width), height: Int(info.height), channels: Int(info.channels), samples: samples)
    }

    public static func encode(_ image: RasterImage, options: Options = .fast) throws(CodecError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let level = Int32(options.compressionLevel)
        let filter = Int32(options.filter ?? -1)
        let w = UInt32(image.width), h = UInt32(image.height), c = UInt32(image.channels)
        let code: Int32
        switch image.samples {
        case .uint8(let values):
            code = values.withUnsafeBytes { rfcodec_png_encode($0.baseAddress, w, h, c, 8, level, filter, &out, &size, &message, 512) }
        case .uint16(let values):
            code = values.withUnsafeBytes { rfcodec_png_encode($0.baseAddress, w, h, c, 16, level, filter, &out, &size, &message, 512) }
        case .float32:
            throw CodecError(.unsupported, "PNG cannot store float samples; convert to 8 or 16 bits first")
        }
        try check(code, message)
        defer { rfcodec_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}

/// Shared by the C-backed codecs: C result code + message -> CodecError.
func check(_ code: Int32, _ message: [CChar]) throws(CodecError) {
    guard code != 0 else { return }
    let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    let kind: CodecError.Kind = switch code {
    case 1: .signature
    case 3: .unsupported
    case 4: .tooLarge
    case 5: .memory
    case 6: .argument
    default: text == "file is empty" ? .empty : .corrupt
    }
    throw CodecError(kind, text.isEmpty ? "undecodable data" : text)
}

/// Copies a C pixel buffer (interleaved, host order) into a RasterImage.
func makeRaster(_ info: rfcodec_info, _ pixels: UnsafeMutableRawPointer) -> RasterImage {
    let count = Int(info.width) * Int(info.height) * Int(info.channels)
    let samples: RasterImage.Samples
    if info.bit_depth == 16 {
        samples = .uint16(Array(UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt16.self), count: count)))
    } else {
        samples = .uint8(Array(UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt8.self), count: count)))
    }
    return RasterImage(width: Int(info.width), height: Int(info.height), channels: Int(info.channels), samples: samples)
}

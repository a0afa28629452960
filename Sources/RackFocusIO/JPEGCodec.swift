public import RackFocusCore
internal import CCodecShims

/// JPEG through libjpeg-turbo: reads baseline and progressive, gray and colour (to 8-bit gray or
/// RGB); writes 8-bit gray or RGB with a quality setting. Corrupt-data warnings are errors.
public enum JPEGCodec {
    public struct Options: Sendable, Equatable {
        /// 1-100. 90 and above keep full-resolution chroma (4:4:4).
        public var quality: Int
        public var progressive: Bool

        public init(quality: Int = 92, progressive: Bool = false) {
            self.quality = quality
            self.progressive = progressive
        }
    }

    public struct Header: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var components: Int
        public var progressive: Bool
    }

    public static func header(_ bytes: [UInt8]) throws(CodecError) -> Header {
        var info = rfcodec_info()
        var message = [CChar](repeating: 0, count: 512)
        let code = bytes.withUnsafeBufferPointer { rfcodec_jpeg_read_header($0.baseAddress, $0.count, &info, &message, 512) }
        try check(code, message)
        return Header(width: Int(info.width), height: Int(info.height), components: Int(info.source_color_type),
                      progressive: info.interlaced != 0)
    }

    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) throws(CodecError) -> RasterImage {
        var info = rfcodec_info()
        var message = [CChar](repeating: 0, count: 512)
        var pixels: UnsafeMutableRawPointer?
        let code = bytes.withUnsafeBufferPointer {
            rfcodec_jpeg_decode($0.baseAddress, $0.count, UInt64(limits.maxPixels), &info, &pixels, &message, 512)
        }
        try check(code, message)
        defer { rfcodec_free(pixels) }
        return makeRaster(info, pixels!)
    }

    /// Encodes gray or RGB 8-bit samples. Alpha is dropped (JPEG has none); 16-bit is refused.
    public static func encode(_ image: RasterImage, options: Options = .init()) throws(CodecError) -> [UInt8] {
        guard case .uint8(var values) = image.samples else {
            throw CodecError(.unsupported, "JPEG stores 8-bit samples only")
        }
        var channels = image.channels
        if channels == 2 || channels == 4 {
            values = dropAlpha(values, channels: channels)
            channels -= 1
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let code = values.withUnsafeBufferPointer {
            rfcodec_jpeg_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), UInt32(channels),
                                Int32(options.quality), options.progressive ? 1 : 0, &out, &size, &message, 512)
        }
        try check(code, message)
        defer { rfcodec_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    static func dropAlpha(_ values: [UInt8], channels: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count / channels * (channels - 1))
        var i = 0
        while i < values.count {
            for c in 0..<channels - 1 { out.append(values[i + c]) }
            i += channels
        }
        return out
    }
}

/// Versions of the linked C libraries, e.g. "libpng 1.6.39, libjpeg-turbo 2.1.5, zlib 1.2.13".
public func codecLibraryVersions() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    rfcodec_versions(&buffer, 256)
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

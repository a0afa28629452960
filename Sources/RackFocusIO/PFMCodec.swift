public import RackFocusCore
/// Portable float map: `PF` (RGB) or `Pf` (gray) header, width and height, a scale whose sign
/// gives the byte order (negative = little-endian), then 32-bit floats, rows bottom to top.
/// Values are returned as stored (the |scale| is informational and not applied).
public enum PFMCodec {
    public enum ByteOrder: Sendable { case littleEndian, bigEndian }

    public struct Header: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var littleEndian: Bool
        public var scale: Float
        public var dataOffset: Int
    }

    public static func header(_ bytes: [UInt8]) throws(CodecError) -> Header {
        if bytes.isEmpty { throw CodecError(.empty, "file is empty") }
        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "P"),
              bytes[1] == UInt8(ascii: "F") || bytes[1] == UInt8(ascii: "f") else {
            throw CodecError(.signature, "not a PFM file (bad signature)")
        }
        let channels = bytes[1] == UInt8(ascii: "F") ? 3 : 1
        var offset = 2
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        func token(_ what: String) throws(CodecError) -> String {
            while offset < bytes.count && isSpace(bytes[offset]) { offset += 1 }
            let start = offset
            while offset < bytes.count && !isSpace(bytes[offset]) && offset - start < 32 { offset += 1 }
            guard offset > start, offset < bytes.count else { throw CodecError(.corrupt, "PFM header is truncated (no \(what))") }
            return String(decoding: bytes[start..<offset], as: UTF8.self)
        }
        let widthText = try token("width")
        let heightText = try token("height")
        let scaleText = try token("scale")
        guard let width = Int(widthText), let height = Int(heightText), width > 0, height > 0 else {
            throw CodecError(.corrupt, "PFM header has an invalid size \"\(widthText) \(heightText)\"")
        }
        guard let scale = Float(scaleText), scale.isFinite, scale != 0 else {
            throw CodecError(.corrupt, "PFM header has an invalid scale \"\(scaleText)\"")
        }
        offset += 1  // exactly one whitespace byte ends the header
        return Header(width: width, height: height, channels: channels, littleEndian: scale < 0, scale: abs(scale),
                      dataOffset: offset)
    }

    public static func decode(_ bytes: [UInt8], limits: DecodeLimits = .default) throws(CodecError) -> RasterImage {
        let head = try header(bytes)
        let (pixels, overflow) = head.width.multipliedReportingOverflow(by: head.height)
        if overflow || pixels > limits.maxPixels {
            throw CodecError(.tooLarge, "declared size \(head.width)x\(head.height) exceeds the limit of \(limits.maxPixels) pixels")
        }
        let count = pixels * head.channels
        let needed = count * 4
        guard bytes.count - head.dataOffset >= needed else {
            throw CodecError(.corrupt, "file is truncated (pixel data needs \(needed) bytes, has \(bytes.count - head.dataOffset))")
        }
        var values = [Float](repeating: 0, count: count)
        let rowCount = head.width * head.channels
        bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                for fileRow in 0..<head.height {
                    let y = head.height - 1 - fileRow
                    let source = head.dataOffset + fileRow * rowCount * 4
                    for i in 0..<rowCount {
                        let bits = raw.loadUnaligned(fromByteOffset: source + i * 4, as: UInt32.self)
                        out[y * rowCount + i] = Float(bitPattern: head.littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
                    }
                }
            }
        }
        return RasterImage(width: head.width, height: head.height, channels: head.channels, samples: .float32(values))
    }

    /// Encodes gray (1 channel) or RGB (3 channels; alpha is dropped) float samples.
    public static func encode(_ image: RasterImage, byteOrder: ByteOrder = .littleEndian) throws(CodecError) -> [UInt8] {
        guard case .float32(let values) = image.samples else {
            throw CodecError(.unsupported, "PFM stores float samples only")
        }
        let outChannels = image.channels >= 3 ? 3 : 1
        let header = "\(outChannels == 3 ? "PF" : "Pf")\n\(image.width) \(image.height)\n\(byteOrder == .littleEndian ? "-1.0" : "1.0")\n"
        var out = Array(header.utf8)
        out.reserveCapacity(out.count + image.width * image.height * outChannels * 4)
        for fileRow in 0..<image.height {
            let y = image.height - 1 - fileRow
            for x in 0..<image.width {
                for c in 0..<outChannels {
                    let bits = values[(y * image.width + x) * image.channels + c].bitPattern
                    let ordered = byteOrder == .littleEndian ? bits.littleEndian : bits.bigEndian
                    withUnsafeBytes(of: ordered) { out.append(contentsOf: $0) }
                }
            }
        }
        return out
    }
}

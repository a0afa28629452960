public import RackFocusCore
internal import CCodecShims
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenEXR through OpenEXRCore (the library's C API): reads scanline and tiled, single- and
/// multi-part files with half, float and uint channels and every compression the library has;
/// writes single-part scanline RGBA in half or float. Values are linear and never clipped.
///
/// Which channels become colour or depth is decided by `EXRSelection` against the header, so the
/// same file can give the beauty RGBA and the Z pass.
public enum EXRCodec {
    public enum PixelType: Int32, Sendable, CaseIterable {
        case uint = 0, half = 1, float = 2
        public var name: String { switch self { case .uint: "uint"; case .half: "half"; case .float: "float" } }
    }

    public enum Compression: Int32, Sendable, CaseIterable {
        case none = 0, rle, zips, zip, piz, pxr24, b44, b44a, dwaa, dwab
        public var name: String { String(describing: self) }
        public init?(name: String) {
            guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
            self = match
        }
    }

    public enum Storage: Int32, Sendable {
        case scanline = 0, tiled, deepScanline, deepTiled
        public var name: String { switch self { case .scanline: "scanline"; case .tiled: "tiled"; case .deepScanline: "deep scanline"; case .deepTiled: "deep tiled" } }
    }

    /// An inclusive pixel rectangle, as EXR stores windows.
    public struct Box: Sendable, Equatable, CustomStringConvertible {
        public var minX, minY, maxX, maxY: Int
        public var width: Int { maxX - minX + 1 }
        public var height: Int { maxY - minY + 1 }
        public var description: String { "(\(minX),\(minY))-(\(maxX),\(maxY)) \(width)x\(height)" }
    }

    public struct Channel: Sendable, Equatable {
        public var name: String
        public var type: PixelType
        public var xSampling: Int
        public var ySampling: Int
    }

    public struct Part: Sendable, Equatable {
        public var index: Int
        public var name: String?
        public var storage: Storage
        public var compression: Compression?
        public var dataWindow: Box
        public var displayWindow: Box
        /// Sorted by name, as the file stores them.
        public var channels: [Channel]
        /// Tile size of tiled parts.
        public var tileSize: TileSize?
    }

    public struct TileSize: Sendable, Equatable {
        public var width: Int
        public var height: Int
    }

    /// How to write: half (default, what compositors write) or float, ZIP by default.
    public struct Options: Sendable, Equatable {
        public var pixelType: PixelType
        public var compression: Compression
        /// Header attributes, e.g. the frame's focus distance and lens.
        public var attributes: [Attribute]

        public init(pixelType: PixelType = .half, compression: Compression = .zip, attributes: [Attribute] = []) {
            self.pixelType = pixelType
            self.compression = compression
            self.attributes = attributes
        }
    }

    public struct Attribute: Sendable, Equatable {
        public enum Value: Sendable, Equatable { case float(Float), string(String) }
        public var name: String
        public var value: Value
        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    // MARK: - Reading

    /// The parts of a file and their channels, windows and compression (no pixels decoded).
    public static func header(_ bytes: [UInt8], limits: DecodeLimits = .default) throws(CodecError) -> [Part] {
        try withFile(bytes, limits: limits) { file throws(CodecError) in try parts(of: file) }
    }

    /// Decodes the channels `selection` picks, in the part's display window (pixels outside the
    /// data window are 0: transparent black). Colour gives 1 (Y), 2 (Y+A), 3 (RGB) or 4 (RGBA)
    /// channels; depth gives one.
    public static func decode(_ bytes: [UInt8], selection: EXRSelection = .colour,
                              limits: DecodeLimits = .default) throws(CodecError) -> RasterImage {
        try withFile(bytes, limits: limits) { file throws(CodecError) in
            let parts = try parts(of: file)
            let pick = try selection.resolve(parts)
            return try decode(file, parts[pick.part], pick: pick, limits: limits)
        }
    }

    /// Decodes the picked channels of an open file's part into a display-window raster.
    private static func decode(_ file: OpaquePointer, _ part: Part, pick: EXRSelection.Pick,
                               limits: DecodeLimits) throws(CodecError) -> RasterImage {
        let samples = try decodeSamples(file, part, pick: pick, limits: limits)
        return RasterImage(width: part.displayWindow.width, height: part.displayWindow.height, channels: pick.channels.count,
                           samples: .float32(samples))
    }

    /// The picked channels of an open file's part, interleaved over the display window.
    private static func decodeSamples(_ file: OpaquePointer, _ part: Part, pick: EXRSelection.Pick,
                                      limits: DecodeLimits) throws(CodecError) -> [Float] {
        let display = part.displayWindow
        guard display.width > 0, display.height > 0, display.width * display.height <= limits.maxPixels else {
            throw CodecError(.tooLarge, "display window \(display) is over the limit of \(limits.maxPixels) pixels")
        }
        let data = part.dataWindow
        let dataCount = data.width * data.height
        var planes = [Float](repeating: 0, count: dataCount * pick.channels.count)
        var message = [CChar](repeating: 0, count: 512)
        let indices = pick.channels.map(Int32.init)
        let code = withPlanePointers(&planes, planeCount: indices.count, planeSize: dataCount) { pointers in
            rfexr_read(file, Int32(pick.part), Int32(indices.count), indices, pointers, &message, 512)
        }
        try check(code, message)
        return place(planes, channels: indices.count, data: data, display: display)
    }

    /// Colour and depth of one file (the common RGBA + Z render): when both come from the same part,
    /// every chunk is decompressed once for both. Equal to two `decode` calls.
    public static func decodeColourAndDepth(_ bytes: [UInt8], colour: EXRSelection, depth: EXRSelection,
                                            limits: DecodeLimits = .default) throws(CodecError) -> (colour: RasterImage, depth: RasterImage) {
        try withFile(bytes, limits: limits) { file throws(CodecError) in
            let parts = try parts(of: file)
            let colourPick = try colour.resolve(parts)
            let depthPick = try depth.resolve(parts)
            guard colourPick.part == depthPick.part else {
                return (try decode(file, parts[colourPick.part], pick: colourPick, limits: limits),
                        try decode(file, parts[depthPick.part], pick: depthPick, limits: limits))
            }
            let both = EXRSelection.Pick(part: colourPick.part, channels: colourPick.channels + depthPick.channels,
                                         names: colourPick.names + depthPick.names)
            let samples = try decodeSamples(file, parts[both.part], pick: both, limits: limits)
            return split(samples, colourChannels: colourPick.channels.count, display: parts[both.part].displayWindow)
        }
    }

    /// Interleaved colour + depth samples (depth last) as a colour raster and a depth raster.
    private static func split(_ samples: [Float], colourChannels n: Int, display: Box) -> (colour: RasterImage, depth: RasterImage) {
        let pixels = display.width * display.height
        var colourSamples = [Float](repeating: 0, count: pixels * n)
        var depthSamples = [Float](repeating: 0, count: pixels)
        for i in 0..<pixels {
            for c in 0..<n { colourSamples[i * n + c] = samples[i * (n + 1) + c] }
            depthSamples[i] = samples[i * (n + 1) + n]
        }
        return (RasterImage(width: display.width, height: display.height, channels: n, samples: .float32(colourSamples)),
                RasterImage(width: display.width, height: display.height, channels: 1, samples: .float32(depthSamples)))
    }

    /// Interleaves data-window planes into display-window samples (outside: 0).
    static func place(_ planes: [Float], channels: Int, data: Box, display: Box) -> [Float] {
        let width = display.width, height = display.height
        var samples = [Float](repeating: 0, count: width * height * channels)
        let x0 = max(data.minX, display.minX), x1 = min(data.maxX, display.maxX)
        let y0 = max(data.minY, display.minY), y1 = min(data.maxY, display.maxY)
        if x0 <= x1 && y0 <= y1 {
            samples.withUnsafeMutableBufferPointer { out in
                planes.withUnsafeBufferPointer { source in
                    for c in 0..<channels {
                        for y in y0...y1 {
                            let sourceRow = c * data.width * data.height + (y - data.minY) * data.width - data.minX
                            let outRow = (y - display.minY) * width - display.minX
                            for x in x0...x1 { out[(outRow + x) * channels + c] = source[sourceRow + x] }
                        }
                    }
                }
            }
        }
        return samples
    }

    // MARK: - Writing

    /// Encodes a raster as a single-part scanline EXR: 1 channel Y, 2 Y+A, 3 RGB, 4 RGBA.
    /// Float samples are written as they are (linear); 8/16-bit codes are scaled to 0-1.
    public static func encode(_ image: RasterImage, options: Options = .init()) throws(CodecError) -> [UInt8] {
        let names = switch image.channels {
        case 1: ["Y"]
        case 2: ["Y", "A"]
        case 3: ["R", "G", "B"]
        default: ["R", "G", "B", "A"]
        }
        let count = image.width * image.height
        var planes = [Float](repeating: 0, count: count * names.count)
        planes.withUnsafeMutableBufferPointer { plane in
            for c in names.indices {
                if case .float32(let values) = image.samples {
                    for i in 0..<count { plane[c * count + i] = values[i * names.count + c] }
                } else {
                    let scale = 1 / image.maxCode
                    for i in 0..<count { plane[c * count + i] = image.value(x: i % image.width, y: i / image.width, channel: c) * scale }
                }
            }
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let code = withCStrings(names) { cNames in
            withCStrings(options.attributes.map(\.name)) { attributeNames in
                withCStrings(options.attributes.map { if case .string(let s) = $0.value { s } else { "" } }) { texts in
                    let attributes = options.attributes.indices.map { i -> rfexr_attribute in
                        var attribute = rfexr_attribute()
                        attribute.name = attributeNames[i]
                        if case .float(let v) = options.attributes[i].value { attribute.value = v } else { attribute.is_string = 1 }
                        attribute.text = texts[i]
                        return attribute
                    }
                    return withPlanePointers(&planes, planeCount: names.count, planeSize: count) { pointers in
                        rfexr_write(UInt32(image.width), UInt32(image.height), Int32(names.count), cNames,
                                    UnsafePointer(OpaquePointer(pointers)), options.pixelType.rawValue, options.compression.rawValue,
                                    Int32(attributes.count), attributes, &out, &size, &message, 512)
                    }
                }
            }
        }
        try check(code, message)
        defer { rfcodec_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    // MARK: - Plumbing

    private static func withFile<T>(_ bytes: [UInt8], limits: DecodeLimits,
                                    _ body: (OpaquePointer) throws(CodecError) -> T) throws(CodecError) -> T {
        var file: OpaquePointer?
        var message = [CChar](repeating: 0, count: 512)
        let code = bytes.withUnsafeBufferPointer {
            rfexr_open($0.baseAddress, $0.count, UInt64(limits.maxPixels), &file, &message, 512)
        }
        try check(code, message)
        defer { rfexr_close(file) }
        return try body(file!)
    }

    private static func parts(of file: OpaquePointer) throws(CodecError) -> [Part] {
        let count = Int(rfexr_part_count(file))
        guard count > 0 else { throw CodecError(.corrupt, "the file has no parts") }
        var parts: [Part] = []
        for index in 0..<count {
            var info = rfexr_part_info()
            guard rfexr_part(file, Int32(index), &info) == 0 else { throw CodecError(.corrupt, "part \(index): incomplete header") }
            var channels: [Channel] = []
            for c in 0..<Int(info.channel_count) {
                var channel = rfexr_channel_info()
                guard rfexr_channel(file, Int32(index), Int32(c), &channel) == 0, let name = channel.name,
                      let type = PixelType(rawValue: channel.type) else {
                    throw CodecError(.corrupt, "part \(index): bad channel list")
                }
                channels.append(Channel(name: String(cString: name), type: type, xSampling: Int(channel.x_sampling),
                                        ySampling: Int(channel.y_sampling)))
            }
            func box(_ w: (Int32, Int32, Int32, Int32)) -> Box { Box(minX: Int(w.0), minY: Int(w.1), maxX: Int(w.2), maxY: Int(w.3)) }
            parts.append(Part(index: index, name: info.name.map { String(cString: $0) },
                              storage: Storage(rawValue: info.storage) ?? .deepScanline,
                              compression: Compression(rawValue: info.compression),
                              dataWindow: box(info.data_window), displayWindow: box(info.display_window), channels: channels,
                              tileSize: info.tile_width > 0 ? TileSize(width: Int(info.tile_width), height: Int(info.tile_height)) : nil))
        }
        return parts
    }
}

/// Calls `body` with pointers to the `planeCount` consecutive planes of `planeSize` floats in `storage`.
private func withPlanePointers<R>(_ storage: inout [Float], planeCount: Int, planeSize: Int,
                                  _ body: (UnsafePointer<UnsafeMutablePointer<Float>?>) -> R) -> R {
    storage.withUnsafeMutableBufferPointer { buffer in
        let pointers = (0..<planeCount).map { Optional(buffer.baseAddress! + $0 * planeSize) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Calls `body` with C strings for `strings`, alive for the call.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}

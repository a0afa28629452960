public import RackFocusCore
/// The file formats RackFocus reads and writes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg, pfm, exr

    /// Detects a format from a file's first bytes.
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 8 && bytes[0] == 0x89 && bytes[1] == 0x50 && bytes[2] == 0x4E && bytes[3] == 0x47 { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 4 && bytes[0] == 0x76 && bytes[1] == 0x2F && bytes[2] == 0x31 && bytes[3] == 0x01 { return .exr }
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") && (bytes[1] == UInt8(ascii: "F") || bytes[1] == UInt8(ascii: "f")) { return .pfm }
        return nil
    }

    /// The format a path's extension names (for writing).
    public static func fromExtension(_ path: String) -> ImageFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        case "pfm": return .pfm
        case "exr": return .exr
        default: return nil
        }
    }
}

/// How to write a file: the format comes from the extension; these say how.
public struct WriteOptions: Sendable, Equatable {
    /// 8 or 16 for PNG (JPEG is always 8).
    public var bitDepth: Int
    public var png: PNGCodec.Options
    public var jpeg: JPEGCodec.Options
    public var exr: EXRCodec.Options

    public init(bitDepth: Int = 8, png: PNGCodec.Options = .fast, jpeg: JPEGCodec.Options = .init(),
                exr: EXRCodec.Options = .init()) {
        self.bitDepth = bitDepth
        self.png = png
        self.jpeg = jpeg
        self.exr = exr
    }
}

/// What `probe` reports about a file.
public struct ImageProbe: Sendable {
    public var path: String
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// Bits per sample as stored in the file (32 for float).
    public var bitDepth: Int
    /// Channels after expansion: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    public var notes: [String]
    /// Min and max code value of a single-channel image.
    public var range: ClosedRange<Float>?
    /// OpenEXR: every part with its channels and windows.
    public var exrParts: [EXRCodec.Part] = []
    /// OpenEXR: the depth channel RackFocus would use (part:name) and its finite range.
    public var exrDepth: (channel: String, range: ClosedRange<Float>?)?
}

/// Reading and writing image files: format detection, typed errors naming the file, atomic writes.
public enum ImageFile {
    /// Reads and decodes a file; for OpenEXR, `selection` says which channels (colour or depth).
    /// `pool` lends a PNG's pixels their memory (give the raster back once done with it).
    public static func read(_ path: String, limits: DecodeLimits = .default,
                            selection: EXRSelection = .colour, pool: ArrayPool? = nil) throws(ImageFileError) -> RasterImage {
        let bytes = try FileSystem.read(path)
        return try naming(path) { try decode(bytes, path: path, limits: limits, selection: selection, pool: pool) }
    }

    /// The colour and the depth of a file that holds both (an OpenEXR with RGBA and Z), read and
    /// decompressed once. Any other format decodes once and serves as both.
    public static func readColourAndDepth(_ path: String, colour: EXRSelection = .colour, depth: EXRSelection = .depth,
                                          limits: DecodeLimits = .default, pool: ArrayPool? = nil) throws(ImageFileError) -> (colour: RasterImage, depth: RasterImage) {
        let bytes = try FileSystem.read(path)
        return try naming(path) {
            if ImageFormat.detect(bytes) == .exr {
                return try EXRCodec.decodeColourAndDepth(bytes, colour: colour, depth: depth, limits: limits)
            }
            let image = try decode(bytes, path: path, limits: limits, pool: pool)
            return (image, image)
        }
    }

    /// Runs `body`, turning any error into an `ImageFileError` that names `path`.
    static func naming<T>(_ path: String, _ body: () throws -> T) throws(ImageFileError) -> T {
        do {
            return try body()
        } catch let error as CodecError {
            throw ImageFileError(path: path, codec: error)
        } catch {
            throw ImageFileError(path: path, kind: .corrupt, message: "\(error)")
        }
    }

    static func decode(_ bytes: [UInt8], path: String, limits: DecodeLimits, selection: EXRSelection = .colour,
                       pool: ArrayPool? = nil) throws -> RasterImage {
        if bytes.isEmpty { throw CodecError(.empty, "file is empty") }
        switch ImageFormat.detect(bytes) {
        case .png: return try PNGCodec.decode(bytes, limits: limits, pool: pool)
        case .jpeg: return try JPEGCodec.decode(bytes, limits: limits)
        case .pfm: return try PFMCodec.decode(bytes, limits: limits)
        case .exr: return try EXRCodec.decode(bytes, selection: selection, limits: limits)
        case nil: throw CodecError(.signature, "unknown image format (not PNG, JPEG, PFM or OpenEXR)")
        }
    }

    /// Encodes `image` in the format named by the path's extension and writes it atomically.
    public static func write(_ image: RasterImage, to path: String, options: WriteOptions = .init()) throws(ImageFileError) {
        guard let format = ImageFormat.fromExtension(path) else {
            throw ImageFileError(path: path, kind: .writeFailed, message: "unknown output format; use .png, .jpg, .pfm or .exr")
        }
        let bytes: [UInt8]
        do {
            switch format {
            case .png: bytes = try PNGCodec.encode(image, options: options.png)
            case .jpeg: bytes = try JPEGCodec.encode(image, options: options.jpeg)
            case .pfm: bytes = try PFMCodec.encode(image)
            case .exr: bytes = try EXRCodec.encode(image, options: options.exr)
            }
        } catch {
            throw ImageFileError(path: path, kind: .writeFailed, message: "cannot encode: \(error.message)")
        }
        try FileSystem.writeAtomically(bytes, to: path)
    }

    /// Converts a planar linear image for `path`'s format and writes it: PNG/JPEG get sRGB codes
    /// at `options.bitDepth` (HDR values clip to 1), PFM and OpenEXR get the linear floats unchanged.
    /// `pool` lends the converted samples their memory (given back once encoded).
    public static func write(_ image: PlanarImage, to path: String, transfer: Transfer = .sRGB,
                             options: WriteOptions = .init(), pool: ArrayPool? = nil) throws(ImageFileError) {
        let format = ImageFormat.fromExtension(path)
        let sampleFormat: SampleFormat = switch format {
        case .pfm, .exr: .float32
        case .jpeg: .uint8
        default: options.bitDepth == 16 ? .uint16 : .uint8
        }
        let raster = image.raster(format: sampleFormat, transfer: format == .pfm || format == .exr ? .linear : transfer, pool: pool)
        defer { pool?.give(raster) }
        try write(raster, to: path, options: options)
    }

    /// Format, size, depth and channels; for one-channel images also the value range.
    public static func probe(_ path: String) throws(ImageFileError) -> ImageProbe {
        let bytes = try FileSystem.read(path)
        guard let format = ImageFormat.detect(bytes) else {
            throw ImageFileError(path: path, kind: bytes.isEmpty ? .empty : .unknownFormat,
                                 message: bytes.isEmpty ? "file is empty" : "unknown image format (not PNG, JPEG, PFM or OpenEXR)")
        }
        return try naming(path) {
            var notes: [String] = []
            var bitDepth = 8
            switch format {
            case .png:
                let header = try PNGCodec.header(bytes)
                bitDepth = header.bitDepth
                let kinds = [0: "gray", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"]
                notes.append("colour type \(kinds[header.colorType] ?? "\(header.colorType)")")
                if header.interlaced { notes.append("interlaced") }
                if header.hasColorInfo { notes.append("has gAMA/sRGB/iCCP (not applied)") }
            case .jpeg:
                let header = try JPEGCodec.header(bytes)
                notes.append(header.progressive ? "progressive" : "baseline")
            case .pfm:
                let header = try PFMCodec.header(bytes)
                bitDepth = 32
                notes.append(header.littleEndian ? "little-endian" : "big-endian")
            case .exr:
                return try probeEXR(bytes, path: path)
            }
            let raster = try decode(bytes, path: path, limits: .default)
            let range = raster.channels == 1 ? raster.finiteRange() : nil
            return ImageProbe(path: path, format: format, width: raster.width, height: raster.height, bitDepth: bitDepth,
                              channels: raster.channels, notes: notes, range: range)
        }
    }
}

extension ImageFile {
    /// An OpenEXR file's parts and channels, its colour as RackFocus reads it, and the depth channel's range.
    static func probeEXR(_ bytes: [UInt8], path: String) throws -> ImageProbe {
        let parts = try EXRCodec.header(bytes)
        let first = parts[0]
        var probe = ImageProbe(path: path, format: .exr, width: first.displayWindow.width, height: first.displayWindow.height,
                               bitDepth: first.channels.contains { $0.type != .half } ? 32 : 16,
                               channels: first.channels.count, notes: [], range: nil, exrParts: parts)
        if parts.count > 1 { probe.notes.append("\(parts.count) parts") }
        if let pick = try? EXRSelection.depth.resolve(parts) {
            let depth = try EXRCodec.decode(bytes, selection: .depth)
            let part = parts[pick.part]
            let name = parts.count > 1 ? "\(part.name ?? "part \(part.index)"):\(pick.names[0])" : pick.names[0]
            probe.exrDepth = (name, depth.finiteRange())
        }
        return probe
    }
}

/// Remembers every input file of a job, so that no output can ever replace one of them.
public struct InputGuard: Sendable {
    private var inputs: Set<String> = []

    public init() {}

    public mutating func addInput(_ path: String) {
        inputs.insert(FileSystem.canonical(path))
    }

    /// Throws if writing `path` would replace an input.
    public func checkOutput(_ path: String) throws(ImageFileError) {
        if inputs.contains(FileSystem.canonical(path)) {
            throw ImageFileError(path: path, kind: .overwritesInput, message: "refusing to overwrite an input file")
        }
    }
}

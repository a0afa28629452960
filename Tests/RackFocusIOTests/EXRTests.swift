import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// OpenEXR: files written by OpenImageIO / OpenEXR's tools (Fixtures/exr/make_exr_fixtures.py) read
/// back with the values the script wrote. (Our files read by OpenEXR's C++ tools: EXRCLITests, which
/// run outside the sanitizer suites because Foundation's Process leaks under LeakSanitizer.)
@Suite struct EXRTests {
    // The fixture pattern (exact in half precision).
    static func rgb(_ x: Int, _ y: Int) -> [Float] {
        [(x, y) == (2, 2) ? 40 : Float(x + 1) / 16, Float(y + 1) / 16, Float(x * y) / 64]
    }
    static func alpha(_ x: Int, _ y: Int) -> Float { (x + y) % 5 == 0 ? 0.5 : 1 }
    static func depth(_ x: Int, _ y: Int) -> Float { 1 + Float(x) / 2 + Float(y) / 4 }

    static func read(_ name: String, _ selection: EXRSelection = .colour) throws -> RasterImage {
        try ImageFile.read(Fixtures.path("exr/" + name), selection: selection)
    }

    /// Largest difference between `image` and the expected values over the 16x12 frame.
    static func maxError(_ image: RasterImage, _ expected: (Int, Int) -> [Float]) -> Float {
        var worst: Float = 0
        for y in 0..<12 {
            for x in 0..<16 {
                let want = expected(x, y)
                for c in want.indices { worst = max(worst, abs(image.value(x: x, y: y, channel: c) - want[c])) }
            }
        }
        return worst
    }

    @Test(arguments: ["scanline_half_zip.exr", "tiled_float_zips.exr", "rgbaz.exr"])
    func losslessRGBAFilesReadExactly(name: String) throws {
        let image = try Self.read(name)
        #expect(image.width == 16 && image.height == 12 && image.channels == 4 && image.isFloat)
        #expect(Self.maxError(image) { Self.rgb($0, $1) + [Self.alpha($0, $1)] } == 0)
        #expect(image.value(x: 2, y: 2, channel: 0) == 40, "HDR values are not clipped")
    }

    @Test func scanlineFloatPIZAndTiledDWAA() throws {
        let piz = try Self.read("scanline_float_piz.exr")
        #expect(piz.channels == 3)
        #expect(Self.maxError(piz, Self.rgb) == 0)
        let dwaa = try Self.read("tiled_half_dwaa.exr")  // lossy: close, not exact
        #expect(dwaa.channels == 3)
        var worstRelative: Float = 0
        for y in 0..<12 {
            for x in 0..<16 {
                for c in 0..<3 {
                    let want = Self.rgb(x, y)[c]
                    worstRelative = max(worstRelative, abs(dwaa.value(x: x, y: y, channel: c) - want) / max(want, 0.25))
                }
            }
        }
        #expect(worstRelative < 0.1, "DWAA error \(worstRelative)")
        #expect(dwaa.value(x: 2, y: 2, channel: 0) > 30)
    }

    @Test func dataWindowInsideTheDisplayWindowIsPlacedAndSurroundedByTransparentBlack() throws {
        let parts = try EXRCodec.header(FileSystem.read(Fixtures.path("exr/datawindow.exr")))
        #expect(parts[0].dataWindow == EXRCodec.Box(minX: 3, minY: 2, maxX: 12, maxY: 7))
        #expect(parts[0].displayWindow == EXRCodec.Box(minX: 0, minY: 0, maxX: 15, maxY: 11))
        let image = try Self.read("datawindow.exr")
        #expect(image.width == 16 && image.height == 12 && image.channels == 4)
        #expect(Self.maxError(image) { x, y in
            (3...12).contains(x) && (2...7).contains(y) ? Self.rgb(x, y) + [Self.alpha(x, y)] : [0, 0, 0, 0]
        } == 0)
    }

    @Test func colourAndDepthFromOneFile() throws {
        let depth = try Self.read("rgbaz.exr", .depth)
        #expect(depth.channels == 1)
        #expect(Self.maxError(depth) { [Self.depth($0, $1)] } == 0)
    }

    /// One decode for both must equal two decodes, for one part and across parts.
    @Test func colourAndDepthInOnePassEqualTwoDecodes() throws {
        for (name, colour) in [("rgbaz.exr", EXRSelection.colour), ("layered.exr", .colour),
                               ("multipart.exr", EXRSelection(role: .colour, part: "beauty"))] {
            let both = try ImageFile.readColourAndDepth(Fixtures.path("exr/" + name), colour: colour, depth: .depth)
            #expect(both.colour == (try Self.read(name, colour)), "\(name)")
            #expect(both.depth == (try Self.read(name, .depth)), "\(name)")
        }
        let png = try ImageFile.readColourAndDepth(Fixtures.path("codecs/gray16.png"))
        #expect(png.colour == png.depth && png.colour.bitDepth == 16)
    }

    @Test func layeredFilePicksBeautyAndDepthLayers() throws {
        let beauty = try Self.read("layered.exr")
        #expect(beauty.channels == 4)
        #expect(Self.maxError(beauty) { Self.rgb($0, $1) + [Self.alpha($0, $1)] } == 0)
        let diffuse = try Self.read("layered.exr", EXRSelection(role: .colour, layer: "diffuse"))
        #expect(diffuse.channels == 3)
        #expect(Self.maxError(diffuse, Self.rgb) == 0)
        let depth = try Self.read("layered.exr", .depth)
        #expect(Self.maxError(depth) { [Self.depth($0, $1)] } == 0)
        let named = try Self.read("blender_depth.exr", .depth)
        #expect(Self.maxError(named) { [Self.depth($0, $1)] } == 0)
        let explicit = try Self.read("layered.exr", EXRSelection(role: .depth, channel: "beauty.G"))
        #expect(Self.maxError(explicit) { x, y in [Float(y + 1) / 16] } == 0)
    }

    @Test func multiPartFileByPartName() throws {
        let parts = try EXRCodec.header(FileSystem.read(Fixtures.path("exr/multipart.exr")))
        #expect(parts.map(\.name) == ["beauty", "depth"])
        let beauty = try Self.read("multipart.exr", EXRSelection(role: .colour, part: "beauty"))
        #expect(Self.maxError(beauty) { Self.rgb($0, $1) + [Self.alpha($0, $1)] } == 0)
        let depth = try Self.read("multipart.exr", .depth)  // found in the second part
        #expect(Self.maxError(depth) { [Self.depth($0, $1)] } == 0)
        let wrong = #expect(throws: ImageFileError.self) {
            try Self.read("multipart.exr", EXRSelection(role: .colour, part: "diffuse"))
        }
        #expect(wrong?.message.contains("no part named \"diffuse\"; the parts are \"beauty\", \"depth\"") == true)
    }

    @Test func missingChannelsAreNamedInTheError() throws {
        let noDepth = #expect(throws: ImageFileError.self) { try Self.read("scanline_half_zip.exr", .depth) }
        #expect(noDepth?.message.contains("no depth channel") == true)
        #expect(noDepth?.message.contains("A, B, G, R") == true)
        let noLayer = #expect(throws: ImageFileError.self) {
            try Self.read("layered.exr", EXRSelection(role: .colour, layer: "specular"))
        }
        #expect(noLayer?.message.contains("layers with colour: beauty, diffuse") == true)
    }

    /// Every compression the library has, both pixel types: our writer, our reader.
    @Test func roundTripEveryCompression() throws {
        // Smooth ramps with negatives and HDR, exact in half; the lossy codecs are meant for such pictures.
        var samples: [Float] = []
        for y in 0..<9 {
            for x in 0..<20 {
                for c in 0..<4 { samples.append(Float(x + 2 * y) / 4 - 1 + Float(c) / 2) }
            }
        }
        let image = RasterImage(width: 20, height: 9, channels: 4, samples: .float32(samples))
        for compression in EXRCodec.Compression.allCases {
            for type in [EXRCodec.PixelType.half, .float] {
                let bytes = try EXRCodec.encode(image, options: .init(pixelType: type, compression: compression))
                let back = try EXRCodec.decode(bytes)
                let lossy = [.b44, .b44a, .dwaa, .dwab, .pxr24].contains(compression) && !(compression == .pxr24 && type == .half)
                guard case .float32(let values) = back.samples else { Issue.record("not float"); continue }
                // Lossless codecs give the values back exactly; DWA within 4 %; B44 (4x4 blocks of 6-bit
                // steps, on half only) within 0.26: OpenEXR's C++ library decodes the same file to the same values.
                let worst = zip(values, samples).map { abs($0 - $1) / max(1, abs($1)) }.max()!
                let allowed: Float = !lossy ? 0 : (compression == .b44 || compression == .b44a ? 0.26 : 0.04)
                #expect(worst <= allowed, "\(compression.name) \(type.name): \(worst)")
                let parts = try EXRCodec.header(bytes)
                #expect(parts[0].compression == compression)
                #expect(parts[0].channels.map { $0.type } == Array(repeating: type, count: 4))
            }
        }
    }

    @Test func truncatedAndBitFlippedEXRFilesNeverCrash() throws {
        for name in ["scanline_half_zip.exr", "tiled_half_dwaa.exr", "multipart.exr", "layered.exr"] {
            let original = try FileSystem.read(Fixtures.path("exr/" + name))
            // Every cut inside the header, then every 5th byte; a cut file must fail for colour or depth
            // (a multi-part file cut inside its depth part still has whole colour).
            let lengths = Array(0..<min(400, original.count)) + Array(stride(from: 400, to: original.count, by: 5))
            var rejected = 0
            for length in lengths {
                let bytes = Array(original[0..<length])
                let colour = try? ImageFile.decode(bytes, path: name, limits: .default)
                let depth = try? ImageFile.decode(bytes, path: name, limits: .default, selection: .depth)
                if colour == nil || depth == nil { rejected += 1 }
            }
            #expect(rejected == lengths.count, "every truncation of \(name) must be rejected")
            var random = CorruptionTests.Random(state: 0x5DEECE66D ^ UInt64(name.utf8.count))
            for _ in 0..<200 {
                var bytes = original
                for _ in 0...(random.next() % 4) {
                    let at = Int(random.next() % UInt64(bytes.count))
                    bytes[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                _ = try? ImageFile.decode(bytes, path: name, limits: .default)
                _ = try? ImageFile.decode(bytes, path: name, limits: .default, selection: .depth)
            }
        }
    }

    @Test func hugeDeclaredWindowIsRefusedBeforeDecoding() throws {
        let bytes = try FileSystem.read(Fixtures.path("exr/scanline_half_zip.exr"))
        let error = #expect(throws: CodecError.self) { try EXRCodec.decode(bytes, limits: DecodeLimits(maxPixels: 100)) }
        #expect(error?.kind == .tooLarge)
    }

    /// Found by FuzzEXR: a 592-byte tiled DWAA file whose string attribute declares 1.2 GB. OpenEXR's C++
    /// reader (used for DWA) allocated the whole size before noticing the file ends; the header is now
    /// checked before the C++ library sees it.
    @Test func attributeLargerThanTheFileIsRefusedBeforeTheCPlusPlusReader() throws {
        let bytes = try FileSystem.read(Fixtures.path("fuzz/regressions/exr-huge-string-attribute.exr"))
        let error = #expect(throws: CodecError.self) { try EXRCodec.decode(bytes, limits: .default) }
        #expect(error?.message.contains("attribute's size runs past the end of the header") == true)
    }
}

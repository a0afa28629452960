import Testing
@testable import RackFocusCore
@testable import RackFocusIO

@Suite struct PNGTests {
    static let grayDepths = [1, 2, 4, 8, 16]

    @Test(arguments: grayDepths)
    func readsGrayAtEveryBitDepth(bits: Int) throws {
        let image = try ImageFile.read(Fixtures.path("codecs/gray\(bits).png"))
        #expect(image.width == 13 && image.height == 9 && image.channels == 1)
        let maxValue = (1 << bits) - 1
        for y in 0..<9 {
            for x in 0..<13 {
                let stored = Fixtures.value(x, y, 0, maxValue)
                // Sub-byte gray is scaled to 8 bits (libpng's expansion); 8/16-bit are exact.
                let expected = bits < 8 ? stored * 255 / maxValue : stored
                #expect(Int(image.value(x: x, y: y, channel: 0)) == expected)
            }
        }
        #expect(image.bitDepth == (bits == 16 ? 16 : 8))
    }

    @Test(arguments: [
        ("gray_alpha8.png", 2, 255), ("gray_alpha16.png", 2, 65535), ("rgb8.png", 3, 255), ("rgb16.png", 3, 65535),
        ("rgba8.png", 4, 255), ("rgba16.png", 4, 65535), ("rgb8_interlaced.png", 3, 255),
        ("gray16_interlaced.png", 1, 65535), ("gray16_gamma_tagged.png", 1, 65535),
    ])
    func readsEveryLayoutExactly(name: String, channels: Int, maxValue: Int) throws {
        let image = try ImageFile.read(Fixtures.path("codecs/\(name)"))
        #expect(image.channels == channels)
        for y in 0..<9 {
            for x in 0..<13 {
                for c in 0..<channels {
                    #expect(Int(image.value(x: x, y: y, channel: c)) == Fixtures.value(x, y, c, maxValue), "\(name) \(x),\(y),\(c)")
                }
            }
        }
    }

    @Test(arguments: ["palette4.png", "palette8.png"])
    func expandsPalettes(name: String) throws {
        let image = try ImageFile.read(Fixtures.path("codecs/\(name)"))
        #expect(image.channels == 3)
        for y in 0..<9 {
            for x in 0..<13 {
                let i = Fixtures.value(x, y, 0, 15)
                #expect(Int(image.value(x: x, y: y, channel: 0)) == 16 * i)
                #expect(Int(image.value(x: x, y: y, channel: 1)) == 255 - 16 * i)
                #expect(Int(image.value(x: x, y: y, channel: 2)) == (i * 37) % 256)
            }
        }
    }

    @Test(arguments: [(1, 8), (2, 8), (3, 8), (4, 8), (1, 16), (2, 16), (3, 16), (4, 16)])
    func roundTripsBitExactly(channels: Int, bits: Int) throws {
        let w = 37, h = 23
        let count = w * h * channels
        let samples: RasterImage.Samples = bits == 8
            ? .uint8((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
            : .uint16((0..<count).map { UInt16(truncatingIfNeeded: $0 &* 2654435761 >> 5) })
        let image = RasterImage(width: w, height: h, channels: channels, samples: samples)
        for options in [PNGCodec.Options.fast, .smallest, .init(compressionLevel: 0, filter: 0)] {
            let bytes = try PNGCodec.encode(image, options: options)
            #expect(try PNGCodec.decode(bytes) == image)
        }
    }

    /// Decoding into memory lent by a pool (a reused array full of other values) gives exactly the
    /// fresh decode: every sample is written, 8- and 16-bit.
    @Test(arguments: [(3, 8), (1, 16), (4, 16)])
    func decodesIntoPooledMemoryExactly(channels: Int, bits: Int) throws {
        let (w, h) = (480, 320)  // big enough to be pooled (>= 256 KB)
        let count = w * h * channels
        let samples: RasterImage.Samples = bits == 8
            ? .uint8((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
            : .uint16((0..<count).map { UInt16(truncatingIfNeeded: $0 &* 2654435761 >> 5) })
        let image = RasterImage(width: w, height: h, channels: channels, samples: samples)
        let bytes = try PNGCodec.encode(image)
        let pool = ArrayPool()
        if bits == 8 { pool.give([UInt8](repeating: 0xAB, count: count)) } else { pool.give([UInt16](repeating: 0xABCD, count: count)) }
        let held = pool.heldBytes
        let decoded = try PNGCodec.decode(bytes, pool: pool)
        #expect(pool.heldBytes < held, "the decoder took the pooled array")
        #expect(decoded == image)
        // A failed decode gives the array back and throws.
        var truncated = bytes
        truncated.removeLast(bytes.count / 3)
        pool.give(decoded)
        #expect(throws: CodecError.self) { try PNGCodec.decode(truncated, pool: pool) }
        #expect(pool.heldBytes == held)
    }

    @Test func refusesAbsurdDeclaredSizeBeforeAllocating() {
        let error = #expect(throws: ImageFileError.self) { try ImageFile.read(Fixtures.path("codecs/huge_declared.png")) }
        #expect(error?.kind == .tooLarge)
        #expect(error?.description.contains("huge_declared.png") == true)
        #expect(error?.description.contains("100000x100000") == true)
    }

    @Test func limitsAreConfigurable() throws {
        let bytes = try FileSystem.read(Fixtures.path("codecs/rgb8.png"))
        #expect(throws: CodecError.self) { try PNGCodec.decode(bytes, limits: DecodeLimits(maxPixels: 100)) }
        #expect(try PNGCodec.decode(bytes, limits: DecodeLimits(maxPixels: 117)).width == 13)
    }
}

import Testing
@testable import RackFocusCore
@testable import RackFocusIO

@Suite struct JPEGTests {
    /// Mean and max absolute difference between two 8-bit rasters of the same shape.
    static func difference(_ a: RasterImage, _ b: RasterImage) -> (mean: Double, max: Int) {
        guard case .uint8(let x) = a.samples, case .uint8(let y) = b.samples else { return (.infinity, .max) }
        var total = 0
        var worst = 0
        for i in 0..<x.count {
            let d = abs(Int(x[i]) - Int(y[i]))
            total += d
            worst = max(worst, d)
        }
        return (Double(total) / Double(x.count), worst)
    }

    @Test(arguments: ["baseline.jpg", "progressive.jpg"])
    func readsFilesWrittenByCjpeg(name: String) throws {
        let source = try ImageFile.read(Fixtures.path("codecs/jpeg_source.png"))
        let image = try ImageFile.read(Fixtures.path("codecs/\(name)"))
        #expect(image.width == 48 && image.height == 32 && image.channels == 3)
        let diff = Self.difference(source, image)
        #expect(diff.mean < 3, "mean difference \(diff.mean)")
        #expect(diff.max < 100, "max difference \(diff.max)")  // 4:2:0 chroma at the disc edge
        let header = try JPEGCodec.header(try FileSystem.read(Fixtures.path("codecs/\(name)")))
        #expect(header.progressive == (name == "progressive.jpg"))
    }

    @Test func readsGray() throws {
        let image = try ImageFile.read(Fixtures.path("codecs/gray.jpg"))
        #expect(image.channels == 1 && image.width == 48)
    }

    /// Round trip tolerance (stated in README): at quality 95 a smooth picture comes back with a
    /// mean error under 2 levels and no sample off by more than 40.
    @Test(arguments: [(3, false), (3, true), (1, false)])
    func roundTripsWithinTolerance(channels: Int, progressive: Bool) throws {
        let source = try ImageFile.read(Fixtures.path(channels == 3 ? "codecs/jpeg_source.png" : "codecs/gray8.png"))
        let bytes = try JPEGCodec.encode(source, options: .init(quality: 95, progressive: progressive))
        let back = try JPEGCodec.decode(bytes)
        #expect(back.channels == channels && back.width == source.width)
        let diff = Self.difference(source, back)
        #expect(diff.mean < 2, "mean \(diff.mean)")
        #expect(diff.max <= 40, "max \(diff.max)")
        #expect(try JPEGCodec.header(bytes).progressive == progressive)
    }

    @Test func dropsAlphaAndRefuses16Bit() throws {
        let rgba = try ImageFile.read(Fixtures.path("codecs/rgba8.png"))
        #expect(try JPEGCodec.decode(try JPEGCodec.encode(rgba)).channels == 3)
        let deep = try ImageFile.read(Fixtures.path("codecs/rgb16.png"))
        #expect(throws: CodecError.self) { try JPEGCodec.encode(deep) }
    }
}

@Suite struct PFMTests {
    @Test(arguments: ["gray_le.pfm", "gray_be.pfm", "rgb_le.pfm", "rgb_be.pfm"])
    func readsBothByteOrdersBottomUp(name: String) throws {
        let image = try ImageFile.read(Fixtures.path("codecs/\(name)"))
        #expect(image.isFloat && image.width == 13 && image.height == 9)
        for y in 0..<9 {
            for x in 0..<13 {
                for c in 0..<image.channels {
                    #expect(image.value(x: x, y: y, channel: c) == Float(Double(Fixtures.value(x, y, c, 255)) / 10 - 3))
                }
            }
        }
    }

    @Test(arguments: [1, 3])
    func roundTripsBitExactlyIncludingSpecialValues(channels: Int) throws {
        var values: [Float] = (0..<(5 * 4 * channels)).map { Float($0) * 0.37 - 2 }
        values[0] = .infinity
        values[1] = -0.0
        values[2] = 1e-40  // subnormal
        let image = RasterImage(width: 5, height: 4, channels: channels, samples: .float32(values))
        for order in [PFMCodec.ByteOrder.littleEndian, .bigEndian] {
            let back = try PFMCodec.decode(try PFMCodec.encode(image, byteOrder: order))
            guard case .float32(let got) = back.samples else { Issue.record("not float"); return }
            #expect(got.map(\.bitPattern) == values.map(\.bitPattern))
        }
    }

    @Test func reportsBadHeaders() {
        for text in ["PF\n", "Pf\n0 5\n-1\n", "Pf\n4 4\nabc\n", "Pf\n4 4\n-1\n\0\0"] {
            #expect(throws: CodecError.self) { try PFMCodec.decode(Array(text.utf8)) }
        }
        let huge = Array("Pf\n99999999 99999999\n-1\n".utf8)
        let error = #expect(throws: CodecError.self) { try PFMCodec.decode(huge) }
        #expect(error?.kind == .tooLarge)
    }
}

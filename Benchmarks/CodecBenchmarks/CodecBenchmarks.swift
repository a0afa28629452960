import Benchmark
import RackFocusCore
import RackFocusIO

/// A deterministic 1920x1080 frame with texture and smooth gradients (not noise: noise is not
/// what renders compress like).
func testRaster(channels: Int, bits: Int) -> RasterImage {
    let w = 1920, h = 1080
    var u8 = [UInt8]()
    var u16 = [UInt16]()
    for y in 0..<h {
        for x in 0..<w {
            for c in 0..<channels {
                let checker = ((x / 24 + y / 24) % 2) * 60
                let v = (x * (c + 1) / 9 + y / 5 + checker + (x * y >> 11) % 17) % 256
                if bits == 8 { u8.append(UInt8(v)) } else { u16.append(UInt16(v * 256 + (x + y) % 256)) }
            }
        }
    }
    return RasterImage(width: w, height: h, channels: channels, samples: bits == 8 ? .uint8(u8) : .uint16(u16))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(3), maxIterations: 30,
        // The VM is noisy: time may vary by a third; allocations and memory by a tenth.
        thresholds: [.wallClock: .init(relative: [.p90: 35]), .mallocCountTotal: .init(relative: [.p90: 10]),
                     .peakMemoryResident: .init(relative: [.p90: 10])])

    let rgb8 = testRaster(channels: 3, bits: 8)
    let gray16 = testRaster(channels: 1, bits: 16)
    let pngRGB8 = try! PNGCodec.encode(rgb8)
    let pngGray16 = try! PNGCodec.encode(gray16)
    let jpegRGB = try! JPEGCodec.encode(rgb8, options: .init(quality: 92))

    Benchmark("png.decode.1080p.rgb8") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try PNGCodec.decode(pngRGB8)) }
    }
    Benchmark("png.encode.1080p.rgb8.fast") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try PNGCodec.encode(rgb8, options: .fast)) }
    }
    Benchmark("png.encode.1080p.rgb8.smallest") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try PNGCodec.encode(rgb8, options: .smallest)) }
    }
    Benchmark("png.decode.1080p.gray16") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try PNGCodec.decode(pngGray16)) }
    }
    Benchmark("png.encode.1080p.gray16.fast") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try PNGCodec.encode(gray16, options: .fast)) }
    }
    Benchmark("jpeg.decode.1080p.rgb") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JPEGCodec.decode(jpegRGB)) }
    }
    Benchmark("jpeg.encode.1080p.rgb.q92") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JPEGCodec.encode(rgb8, options: .init(quality: 92))) }
    }
    Benchmark("srgb.linearize.1080p.rgb8") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(rgb8.planar(transfer: .sRGB)) }
    }
    // OpenEXR, linear RGBA: half with ZIP (what compositors write by default) and float with PIZ.
    let linear = rgb8.planar(transfer: .sRGB)
    var rgba = [Float](repeating: 1, count: linear.pixelCount * 4)
    for i in 0..<linear.pixelCount {
        for c in 0..<3 { rgba[i * 4 + c] = linear.samples[c * linear.pixelCount + i] }
    }
    let exrImage = RasterImage(width: linear.width, height: linear.height, channels: 4, samples: .float32(rgba))
    let exrHalfZip = try! EXRCodec.encode(exrImage, options: .init(pixelType: .half, compression: .zip))
    let exrFloatPiz = try! EXRCodec.encode(exrImage, options: .init(pixelType: .float, compression: .piz))
    Benchmark("exr.decode.1080p.rgba.half.zip") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try EXRCodec.decode(exrHalfZip)) }
    }
    Benchmark("exr.encode.1080p.rgba.half.zip") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try EXRCodec.encode(exrImage, options: .init(pixelType: .half, compression: .zip))) }
    }
    Benchmark("exr.decode.1080p.rgba.float.piz") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try EXRCodec.decode(exrFloatPiz)) }
    }
    let planar = rgb8.planar(transfer: .sRGB)
    Benchmark("srgb.encode.1080p.rgb8") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(planar.raster(format: .uint8, transfer: .sRGB)) }
    }
}

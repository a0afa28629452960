import Foundation
import Testing
@testable import RackFocusCore

@Suite struct SRGBTests {
    @Test func deterministicMathMatchesLibm() {
        for x in stride(from: 0.001, through: 1.0, by: 0.0137) {
            #expect(abs(DeterministicMath.pow(x, 2.4) - Foundation.pow(x, 2.4)) < 1e-13)
            #expect(abs(DeterministicMath.pow(x, 1 / 2.4) - Foundation.pow(x, 1 / 2.4)) < 1e-13)
            #expect(abs(DeterministicMath.asin(x) - Foundation.asin(x)) < 1e-13)
        }
        #expect(abs(DeterministicMath.log(1e-30) - Foundation.log(1e-30)) < 1e-11)
    }

    @Test func decodeThenEncodeIsIdentityForEveryCode() {
        for code in 0...255 {
            #expect(SRGB.encode8.code(SRGB.decode8[code]) == code)
        }
        for code in 0...65535 {
            #expect(SRGB.encode16.code(SRGB.decode16[code]) == code)
        }
    }

    @Test func encodeRoundsExactlyLikeTheReference() {
        // Dense sweep, including values right at the rounding thresholds.
        var x: Float = 0
        var checked = 0
        while x < 1 {
            let reference = Int((SRGB.encode(Double(x)) * 255).rounded(.toNearestOrAwayFromZero))
            #expect(SRGB.encode8.code(x) == reference, "x = \(x)")
            x += 0.000_37
            checked += 1
        }
        for k in 0..<255 {
            let t = SRGB.encode8.thresholds[k]
            #expect(SRGB.encode8.code(t) == k + 1)
            #expect(SRGB.encode8.code(t.nextDown) == k)
        }
        #expect(checked > 2000)
        #expect(SRGB.encode8.code(-1) == 0)
        #expect(SRGB.encode8.code(.nan) == 0)
        #expect(SRGB.encode8.code(7.5) == 255)
        #expect(SRGB.encode16.code(0.5) == Int((SRGB.encode(0.5) * 65535).rounded()))
    }

    /// The image encoder (`SRGB.fastEncode8`: a bin of the bit pattern, one compare) gives the same codes as
    /// `code(_:)`: at every threshold and next to it, at both ends of every bin, over a dense sweep, and
    /// outside [0, 1]. (Checked once over every Float in [0, 1.1] as well, outside the suite: no difference.)
    @Test func imageEncodeMatchesTheTableAtEveryThreshold() {
        var values: [Float] = [-1, 0, -0.0, .nan, 1, Float(1).nextDown, 7.5, .infinity, -.infinity, Float.leastNonzeroMagnitude]
        for k in 0..<255 {
            let t = SRGB.encode8.thresholds[k]
            values += [t, t.nextDown, t.nextUp]
        }
        for bin in UInt32(1)...(Float(1).bitPattern >> 15) {
            let start = Float(bitPattern: bin << 15)
            values += [start, start.nextDown]
        }
        var x: Float = 0
        while x < 1 { values.append(x); x += 0.000_013 }
        let planar = PlanarImage(width: values.count, height: 1, channels: 1, samples: values)
        guard case .uint8(let codes) = planar.raster(format: .uint8, transfer: .sRGB).samples else {
            Issue.record("8-bit raster expected")
            return
        }
        #expect(values.count > 140_000)
        for (i, v) in values.enumerated() where codes[i] != UInt8(SRGB.encode8.code(v)) {
            Issue.record("x = \(v): image \(codes[i]), table \(SRGB.encode8.code(v))")
        }
        // RGB (its own one-pass loop) and RGBA: every plane a different order of the same values.
        for channels in [3, 4] {
            let n = values.count
            let samples = (0..<channels).flatMap { c in (0..<n).map { values[($0 * (2 * c + 1) + 7 * c) % n] } }
            let image = PlanarImage(width: n, height: 1, channels: channels, samples: samples)
            guard case .uint8(let interleaved) = image.raster(format: .uint8, transfer: .sRGB).samples else {
                Issue.record("8-bit raster expected")
                return
            }
            var wrong = 0
            for i in 0..<n {
                for c in 0..<channels {
                    let v = samples[c * n + i]
                    let expected = c == 3 ? UInt8(max(0, min(255, (v.isNaN ? 0 : v) * 255)).rounded(.toNearestOrEven))
                                          : UInt8(SRGB.encode8.code(v))
                    if interleaved[i * channels + c] != expected { wrong += 1 }
                }
            }
            #expect(wrong == 0, "\(channels) channels: \(wrong) samples differ")
        }
    }

    @Test func planarRoundTripKeepsAlphaLinear() {
        let raster = RasterImage(width: 2, height: 1, channels: 4, samples: .uint8([10, 128, 250, 64, 0, 255, 77, 200]))
        let planar = raster.planar(transfer: .sRGB)
        #expect(planar[0, 0, 3] == Float(64) / 255)  // alpha untouched by sRGB
        #expect(planar[0, 0, 1] == SRGB.decode8[128])
        #expect(planar.raster(format: .uint8, transfer: .sRGB) == raster)
        let wide = planar.raster(format: .uint16, transfer: .sRGB).planar(transfer: .sRGB).raster(format: .uint8, transfer: .sRGB)
        #expect(wide == raster)
    }
}

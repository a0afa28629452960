import Foundation
import Testing
@testable import RackFocusCompare
@testable import RackFocusCore

@Suite struct FrameDifferenceTests {
    static func image(_ w: Int = 16, _ h: Int = 12, channels: Int = 3, _ value: (Int, Int, Int) -> UInt8) -> RasterImage {
        var v: [UInt8] = []
        for y in 0..<h { for x in 0..<w { for c in 0..<channels { v.append(value(x, y, c)) } } }
        return RasterImage(width: w, height: h, channels: channels, samples: .uint8(v))
    }

    static let base = image { x, y, c in UInt8((x * 13 + y * 7 + c * 50) % 256) }

    @Test func identicalFrames() throws {
        let d = try FrameDifference(expected: Self.base, actual: Self.base)
        #expect(d.identical && d.maxAbsolute == 0 && d.meanAbsolute == 0)
        #expect(d.psnr == .infinity && d.ssim == 1 && d.pixelsOver == 0)
        #expect(Tolerances().check(d) == nil)
    }

    @Test func onePixelOff() throws {
        let changed = Self.image { x, y, c in
            let v = UInt8((x * 13 + y * 7 + c * 50) % 256)
            return x == 5 && y == 7 && c == 1 ? v &+ 3 : v
        }
        let d = try FrameDifference(expected: Self.base, actual: changed)
        #expect(d.maxAbsolute == 3)
        #expect(abs(d.meanAbsolute - 3.0 / Double(16 * 12 * 3)) < 1e-12)
        let mse = 9.0 / Double(16 * 12 * 3)
        #expect(abs(d.psnr - 10 * Foundation.log10(255 * 255 / mse)) < 1e-9)
        #expect(d.pixelsOver == 1 && d.worstPixel == (5, 7))
        #expect(d.ssim < 1 && d.ssim > 0.99)
        #expect(Tolerances().check(d) == "max difference 3 > 0")
        #expect(Tolerances(maxDiff: 3).check(d) == nil)
        #expect(Tolerances(maxDiff: .infinity, minPSNR: 60).check(d) == nil)
        #expect(Tolerances(maxDiff: .infinity, minPSNR: 70).check(d)?.hasPrefix("PSNR") == true)
        #expect(Tolerances(maxDiff: .infinity, minSSIM: 0.99999).check(d)?.hasPrefix("SSIM") == true)
        #expect(Tolerances(maxDiff: .infinity, maxBadPixels: 0).check(d) == "1 pixels over 0 > 0")
        let thresholded = try FrameDifference(expected: Self.base, actual: changed, threshold: 3)
        #expect(thresholded.pixelsOver == 0)
    }

    @Test func sizesAndChannelsMustMatch() {
        let small = Self.image(8, 12) { _, _, _ in 0 }
        let gray = Self.image(channels: 1) { _, _, _ in 0 }
        let size = #expect(throws: FrameDifference.Mismatch.self) { try FrameDifference(expected: Self.base, actual: small) }
        #expect(size?.description == "sizes differ: expected 16x12, actual 8x12")
        let channels = #expect(throws: FrameDifference.Mismatch.self) { try FrameDifference(expected: Self.base, actual: gray) }
        #expect(channels?.description == "channel counts differ: expected 3, actual 1")
    }

    @Test func sixteenBitIsComparedInSixteenBitCodes() throws {
        let a = RasterImage(width: 2, height: 1, channels: 1, samples: .uint16([1000, 60000]))
        let b = RasterImage(width: 2, height: 1, channels: 1, samples: .uint16([1001, 60000]))
        let d = try FrameDifference(expected: a, actual: b)
        #expect(d.maxAbsolute == 1 && d.bitDepth == 16)
        #expect(abs(d.psnr - 10 * Foundation.log10(65535.0 * 65535.0 / 0.5)) < 1e-9)
        // An 8-bit reference against the same picture stored as 16-bit (v * 257): identical.
        let eight = RasterImage(width: 2, height: 1, channels: 1, samples: .uint8([10, 200]))
        let sixteen = RasterImage(width: 2, height: 1, channels: 1, samples: .uint16([2570, 51400]))
        #expect(try FrameDifference(expected: eight, actual: sixteen).identical)
    }

    @Test func nanEqualsNaNAndInfinityEqualsTheSameInfinity() throws {
        let values: [Float] = [.nan, .infinity, -.infinity, 1, 0.5, -0.0]
        let a = RasterImage(width: 6, height: 1, channels: 1, samples: .float32(values))
        let same = try FrameDifference(expected: a, actual: a)
        #expect(same.identical && same.psnr == .infinity && same.ssim == 1 && same.pixelsOver == 0)
        for (index, other) in [(0, Float(1)), (1, -Float.infinity), (2, Float.nan), (3, Float.infinity)] {
            var changed = values
            changed[index] = other
            let d = try FrameDifference(expected: a, actual: RasterImage(width: 6, height: 1, channels: 1, samples: .float32(changed)))
            #expect(d.maxAbsolute == .infinity && d.psnr == -.infinity && d.worstPixel == (index, 0), "sample \(index)")
            #expect(d.ssim.isFinite && d.pixelsOver == 1)
        }
        // The report of an infinite difference is valid JSON, non-finite numbers as strings, and reads back.
        var changed = values
        changed[0] = 2
        let d = try FrameDifference(expected: a, actual: RasterImage(width: 6, height: 1, channels: 1, samples: .float32(changed)))
        let report = ComparisonReport(expected: "e.exr", actual: "a.exr", tolerances: Tolerances(), frames: [
            FrameResult(frame: nil, expected: "e.exr", actual: "a.exr", difference: d, passed: false, problem: Tolerances().check(d))],
            missingInExpected: [], missingInActual: [])
        let object = try JSONSerialization.jsonObject(with: report.json()) as! [String: Any]
        #expect((object["summary"] as! [String: Any])["max_abs_diff"] as? String == "inf")
        let back = try ComparisonReport.decode(json: report.json())
        #expect(back.summary.maxAbsDiff == .infinity && back.frames[0].psnr == -.infinity)
    }

    @Test func reportJSONFollowsTheSchema() throws {
        let changed = Self.image { x, y, c in x == 0 && y == 0 && c == 0 ? 255 : UInt8((x * 13 + y * 7 + c * 50) % 256) }
        let d = try FrameDifference(expected: Self.base, actual: changed)
        let frames = [FrameResult(frame: 7, expected: "e.0007.png", actual: "a.0007.png", difference: d, passed: false, problem: Tolerances().check(d)),
                      FrameResult(frame: 8, expected: "e.0008.png", actual: "a.0008.png", difference: try FrameDifference(expected: Self.base, actual: Self.base), passed: true, problem: nil)]
        let report = ComparisonReport(expected: "e.%04d.png", actual: "a.%04d.png", tolerances: Tolerances(), frames: frames,
                                      missingInExpected: [], missingInActual: [9])
        #expect(!report.passed)
        let object = try JSONSerialization.jsonObject(with: report.json()) as! [String: Any]
        #expect(object["schema"] as? String == "rackfocus.compare/1")
        #expect(Set(object.keys) == ["schema", "expected", "actual", "tolerances", "passed", "summary", "missing_in_expected", "missing_in_actual", "frames"])
        let summary = object["summary"] as! [String: Any]
        #expect(summary["frames"] as? Int == 2 && summary["failed"] as? Int == 1 && summary["worst_frame"] as? Int == 7)
        #expect(object["missing_in_actual"] as? [Int] == [9])
        let first = (object["frames"] as! [[String: Any]])[0]
        for key in ["frame", "expected", "actual", "width", "height", "channels", "bit_depth", "max_abs_diff", "mean_abs_diff",
                    "psnr", "ssim", "bad_pixels", "worst_pixel", "passed", "problem"] {
            #expect(first[key] != nil, "missing \(key)")
        }
        // Identical frames have no finite PSNR: written as null.
        let second = (object["frames"] as! [[String: Any]])[1]
        #expect(second["psnr"] == nil || second["psnr"] is NSNull)
        let decoded = try ComparisonReport.decode(json: report.json())
        #expect(decoded.frames.count == 2 && decoded.tolerances.maxDiff == 0)
    }

    @Test func htmlReportShowsWorstFirst() throws {
        let frames = [FrameResult(frame: 1, expected: "e", actual: "a", difference: try FrameDifference(expected: Self.base, actual: Self.base), passed: true, problem: nil),
                      FrameResult(frame: 2, expected: "e2", actual: "a2", difference: nil, passed: false, problem: "sizes differ: expected 16x12, actual 8x12")]
        let report = ComparisonReport(expected: "e.%d.png", actual: "a.%d.png", tolerances: Tolerances(), frames: frames,
                                      missingInExpected: [], missingInActual: [])
        let html = report.html(images: [0: ([1, 2, 3], [4, 5, 6], nil)])
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("FAIL: sizes differ"))
        #expect(html.range(of: "#f1")!.lowerBound < html.range(of: "#f0")!.lowerBound)  // frame 2 (failed) listed first
        #expect(html.contains("data:image/png;base64,AQID"))
    }
}

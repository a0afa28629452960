import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// `rackfocus compare`, the golden renders and the determinism guarantee, end to end.
@Suite(.serialized) struct RegressionTests {
    typealias CLI = CLITests

    static func writePNG(_ path: String, _ values: [UInt8], width: Int = 4, height: Int = 3) throws {
        try ImageFile.write(RasterImage(width: width, height: height, channels: 1, samples: .uint8(values)), to: path)
    }

    @Test func compareExitCodesAndTolerances() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = (0..<12).map { UInt8($0 * 20) }
        var off = base
        off[5] += 2
        try Self.writePNG(folder + "/a.png", base)
        try Self.writePNG(folder + "/b.png", base)
        try Self.writePNG(folder + "/c.png", off)
        try Self.writePNG(folder + "/small.png", [0, 0, 0, 0], width: 2, height: 2)
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/b.png"]).status == 0)
        let differ = try CLI.run(["compare", folder + "/a.png", folder + "/c.png"])
        #expect(differ.status == 1)
        #expect(differ.stdout.contains("FAIL: max difference 2 > 0"))
        #expect(differ.stdout.hasSuffix(": FAIL (\(folder)/c.png: max difference 2 > 0)\n"), "\(differ.stdout)")
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/c.png", "--max-diff", "2"]).status == 0)
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/c.png", "--max-bad-pixels", "1"]).status == 0)
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/c.png", "--max-bad-pixels", "0"]).status == 1)
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/c.png", "--max-bad-pixels", "0", "--threshold", "2"]).status == 0)
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/c.png", "--min-psnr", "40"]).status == 0)
        #expect(try CLI.run(["compare", folder + "/a.png", folder + "/c.png", "--min-psnr", "60"]).status == 1)
        let sizes = try CLI.run(["compare", folder + "/a.png", folder + "/small.png"])
        #expect(sizes.status == 1 && sizes.stdout.contains("sizes differ: expected 4x3, actual 2x2"))
        // A frame that cannot be compared: the summary says why instead of "max diff 0 ... PSNR inf: FAIL".
        try ImageFile.write(RasterImage(width: 4, height: 3, channels: 3, samples: .uint8(base + base + base)), to: folder + "/rgb.png")
        let channels = try CLI.run(["compare", folder + "/a.png", folder + "/rgb.png", "--quiet"])
        #expect(channels.status == 1)
        #expect(channels.stdout == "compare: 1 frame, 1 failed; no frame could be compared: FAIL (\(folder)/rgb.png: channel counts differ: expected 1, actual 3)\n")
        let unreadable = try CLI.run(["compare", folder + "/a.png", folder + "/none.png"])
        #expect(unreadable.status == 2 && unreadable.stderr.contains("none.png: no such file"))
    }

    @Test func compareSequencesReportsMissingFramesAndWritesReports() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = (0..<12).map { UInt8($0 * 20) }
        var off = base
        off[0] = 255
        for frame in [1, 2, 3] { try Self.writePNG(folder + "/e.\(frame).png", base) }
        for frame in [2, 3, 4] { try Self.writePNG(folder + "/a.\(frame).png", frame == 3 ? off : base) }
        let result = try CLI.run(["compare", folder + "/e.%d.png", folder + "/a.#.png", "--json", folder + "/r.json",
                                  "--diff", folder + "/d.%d.png", "--report", folder + "/r.html"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("missing in expected (\(folder)/e.%d.png): 4"))
        #expect(result.stdout.contains("missing in actual (\(folder)/a.#.png): 1"))
        #expect(result.stdout.contains("compare: 2 frames, 1 failed, 1 missing in expected, 1 missing in actual"))
        // A heatmap for the differing frame only.
        #expect(FileManager.default.fileExists(atPath: folder + "/d.3.png"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/d.2.png"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/r.json"))) as! [String: Any]
        #expect(json["passed"] as? Bool == false)
        #expect(json["missing_in_expected"] as? [Int] == [4] && json["missing_in_actual"] as? [Int] == [1])
        #expect((json["summary"] as! [String: Any])["worst_frame"] as? Int == 3)
        let html = try String(contentsOfFile: folder + "/r.html", encoding: .utf8)
        #expect(html.contains("RackFocus compare: <span class=\"fail\">FAIL</span>") && html.contains("data:image/png;base64,"))
    }

    /// A float file holding NaN and infinities (written by OpenEXR's own Python bindings) equals
    /// itself, and the JSON report stays valid JSON (non-finite numbers as strings).
    @Test func compareFloatFilesWithNaNAndInfinities() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = "Fixtures/exr/nonfinite.exr"
        let same = try CLI.run(["compare", file, file, "--json", folder + "/same.json"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.hasSuffix("max diff 0, mean 0.0000, min PSNR inf, min SSIM 1.00000: PASS\n"), "\(same.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/same.json"))) as! [String: Any]
        #expect(report["passed"] as? Bool == true)

        // The same picture with one NaN replaced: infinitely different, reported as "inf" / "-inf".
        var changed = try ImageFile.read(file)
        guard case .float32(var samples) = changed.samples else { Issue.record("not float"); return }
        samples[0] = 1
        changed.samples = .float32(samples)
        try ImageFile.write(changed, to: folder + "/changed.pfm")
        try ImageFile.write(try ImageFile.read(file), to: folder + "/same.pfm")
        let differ = try CLI.run(["compare", folder + "/same.pfm", folder + "/changed.pfm", "--json", folder + "/differ.json"])
        #expect(differ.status == 1)
        #expect(differ.stdout.contains("max diff inf") && differ.stdout.contains("FAIL (\(folder)/changed.pfm: max difference inf > 0)"), "\(differ.stdout)")
        let text = try String(contentsOfFile: folder + "/differ.json", encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let frame = (object["frames"] as! [[String: Any]])[0]
        #expect(frame["max_abs_diff"] as? String == "inf" && frame["psnr"] as? String == "-inf", "\(text)")
    }

    @Test func compareSixteenBitFiles() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let a = RasterImage(width: 3, height: 1, channels: 1, samples: .uint16([0, 30000, 65535]))
        let b = RasterImage(width: 3, height: 1, channels: 1, samples: .uint16([0, 30001, 65535]))
        try ImageFile.write(a, to: folder + "/a.png")
        try ImageFile.write(b, to: folder + "/b.png")
        let result = try CLI.run(["compare", folder + "/a.png", folder + "/b.png", "--max-diff", "0.5"])
        #expect(result.status == 1 && result.stdout.contains("max difference 1 > 0.500"))
    }

    /// Every golden render in Fixtures/golden/cases.txt, re-rendered and compared bit-exactly.
    @Test func goldenRendersAreReproducedExactly() throws {
        let cases = try String(contentsOfFile: CLI.packageRoot + "/Fixtures/golden/cases.txt", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains(":") }
        #expect(cases.count >= 4)
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for line in cases {
            let name = String(line.prefix { $0 != ":" })
            let arguments = line.drop { $0 != ":" }.dropFirst().split(separator: " ").map(String.init)
            let rendered = try CLI.run(["render"] + arguments + ["--quiet", "--output", "\(folder)/\(name).png"])
            #expect(rendered.status == 0, "\(name): \(rendered.stderr)")
            let compared = try CLI.run(["compare", "Fixtures/golden/\(name).png", "\(folder)/\(name).png"])
            #expect(compared.status == 0, """
                golden \(name) changed: \(compared.stdout)
                If the look changed on purpose, run Fixtures/golden/regenerate.sh, look at the new PNGs and commit them.
                """)
        }
    }

    /// Bit-identical output: chunked renders equal the full render, and repeated runs agree.
    @Test func chunkedAndRepeatedRendersAreIdentical() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shot = ["render", "--rgb", "Fixtures/demo/rgb.%04d.png", "--depth", "Fixtures/demo/depth.%04d.png"] + CLI.demoLens
            + ["--focus", "1001:1.2", "--focus", "1006:@330,140:smoothstep", "--bloom", "--quiet"]
        #expect(try CLI.run(shot + ["--frames", "1001-1006", "--output", folder + "/full.%04d.png"]).status == 0)
        #expect(try CLI.run(shot + ["--frames", "1001-1003", "--threads", "1", "--output", folder + "/chunk.%04d.png"]).status == 0)
        #expect(try CLI.run(shot + ["--frames", "1004-1006", "--threads", "8", "--output", folder + "/chunk.%04d.png"]).status == 0)
        #expect(try CLI.run(shot + ["--frames", "1004", "--output", folder + "/again.%04d.png"]).status == 0)
        let compare = try CLI.run(["compare", folder + "/full.%04d.png", folder + "/chunk.%04d.png"])
        #expect(compare.status == 0, "\(compare.stdout)")
        #expect(compare.stdout.contains("compare: 6 frames, 0 failed"))
        #expect(try FileSystem.read(folder + "/full.1004.png") == FileSystem.read(folder + "/again.1004.png"))
    }
}

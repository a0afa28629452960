import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// End-to-end: runs the built `rackfocus` executable as a user would.
@Suite(.serialized) struct CLITests {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var executable: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rackfocus").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        return packageRoot + "/.build/debug/rackfocus"
    }

    typealias Result = ChildProcess.Result

    static func run(_ arguments: [String]) throws -> Result {
        try ChildProcess.run(executable, arguments, in: packageRoot)
    }

    static func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "rackfocus-cli-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let demoLens = ["--math", "depth", "--depth-range", "0.9,8.1", "--focal-length", "49.455",
                           "--sensor-width", "36", "--fstop", "0.8242", "--breathing", "off"]

    @Test func versionAndHelp() throws {
        let version = try Self.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("rackfocus") && version.stdout.contains("libpng") && version.stdout.contains("zlib"))
        let help = try Self.run(["help", "render"])
        #expect(help.status == 0 && help.stdout.contains("--focal-length") && help.stdout.contains("--depth-range"))
    }

    @Test func probePrintsDepthRange() throws {
        let result = try Self.run(["probe", "Fixtures/demo/depth.1001.png", "Fixtures/demo/depth.1001.pfm"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("PNG 480x270, 16-bit, 1 channel (gray), min 733 max 64625"))
        #expect(result.stdout.contains("PFM 480x270, 32-bit float"))
        let bad = try Self.run(["probe", "Fixtures/codecs/huge_declared.png"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "error: Fixtures/codecs/huge_declared.png: declared size 100000x100000 exceeds the limit of 134217728 pixels\n")
    }

    /// Local detail (mean horizontal gradient of green) over the pixels whose depth passes `select`.
    static func detail(_ image: PlanarImage, depth: RasterImage, where select: (Float) -> Bool) -> Float {
        var total: Float = 0
        var count = 0
        for y in 0..<image.height {
            for x in 1..<image.width {
                let z = 0.9 + 7.2 * depth.value(x: x, y: y, channel: 0) / 65535
                guard select(z) else { continue }
                total += abs(image[x, y, 1] - image[x - 1, y, 1])
                count += 1
            }
        }
        return total / Float(max(count, 1))
    }

    /// The README's rack focus, on the first, middle and last frames: the ball is sharpest at the
    /// start, the wall at the end, and the log reports the eased focus.
    @Test func rendersTheDemoRackFocusWhereTheShotSaysItIs() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try Self.run(["render", "--rgb", "Fixtures/demo/rgb.%04d.png", "--depth", "Fixtures/demo/depth.####.png",
                                   "--frames", "1001,1012,1024"] + Self.demoLens
                                  + ["--focus", "1001:1.2", "--focus", "1024:8m:ease-in-out", "--threads", "2",
                                     "--output", folder + "/out.%04d.png"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("frame 1001: wrote \(folder)/out.1001.png (focus 1.2 m"))
        #expect(result.stdout.contains("frame 1024: wrote \(folder)/out.1024.png (focus 8.0 m"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["out.1001.png", "out.1012.png", "out.1024.png"])
        var ball: [Float] = []
        var wall: [Float] = []
        for frame in [1001, 1012, 1024] {
            let output = try ImageFile.read(folder + "/out.\(frame).png").planar(transfer: .sRGB)
            let depth = try ImageFile.read("\(Self.packageRoot)/Fixtures/demo/depth.\(frame).png")
            ball.append(Self.detail(output, depth: depth) { $0 < 1.3 })
            wall.append(Self.detail(output, depth: depth) { $0 > 7 })
        }
        #expect(ball[0] > ball[1] && ball[1] > ball[2], "the ball loses sharpness along the pull: \(ball)")
        #expect(wall[2] > wall[1] && wall[1] > wall[0], "the wall gains sharpness along the pull: \(wall)")
        let input = try ImageFile.read("\(Self.packageRoot)/Fixtures/demo/rgb.1001.png").planar(transfer: .sRGB)
        let depth = try ImageFile.read("\(Self.packageRoot)/Fixtures/demo/depth.1001.png")
        #expect(ball[0] > 0.7 * Self.detail(input, depth: depth) { $0 < 1.3 }, "the ball is in focus at the first frame")
    }

    /// A point key picks the ball's depth on the rendered frame: same result as its distance.
    @Test func pointKeyFocusesOnTheSubjectUnderThePoint() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The ball's centre at frame 1001 is at column 95.8, row 196.8 (meta.json per_frame).
        let picked = try Self.run(["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png"]
                                  + Self.demoLens + ["--focus", "@96,197", "--output", folder + "/p.png"])
        #expect(picked.status == 0, "\(picked.stderr)")
        let line = picked.stdout
        let focus = Double(line.split(separator: "(focus ")[1].split(separator: " ")[0])!
        #expect(focus > 1.15 && focus < 1.35, "picked \(focus) m, the ball is at 1.2-1.3 m")
    }

    @Test func focusKeyErrorsNameTheProblem() throws {
        let base = ["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png"] + Self.demoLens
            + ["--output", "/tmp/never.png"]
        let easing = try Self.run(base + ["--focus", "1:2", "--focus", "5:3:ease-inn"])
        #expect(easing.status == 2)
        #expect(easing.stderr.contains("--focus \"5:3:ease-inn\": unknown easing \"ease-inn\"; expected one of linear, hold"))
        let twice = try Self.run(base + ["--focus", "1:2", "--focus", "1:3"])
        #expect(twice.status == 2 && twice.stderr.contains("two focus keys at frame 1"))
        let point = try Self.run(base + ["--focus", "1:@3"])
        #expect(point.status == 2 && point.stderr.contains("a point is @X,Y in pixels"))
    }

    @Test func badInputExitsWithTwoAndNamesTheProblem() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = try Self.run(["render", "--rgb", "Fixtures/demo/rgb.%04d.png", "--depth", "Fixtures/demo/depth.%04d.png",
                                    "--frames", "1020-1030"] + Self.demoLens + ["--focus", "2", "--output", folder + "/o.%04d.png"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("rgb.%04d.png: 6 of 11 frames missing: 1025-1030"))

        let mismatch = try Self.run(["render", "--rgb", "Fixtures/codecs/rgb8.png", "--depth", "Fixtures/demo/depth.1001.png"]
                                    + Self.demoLens + ["--focus", "2", "--output", folder + "/o.png"])
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("depth is 480x270 but Fixtures/codecs/rgb8.png is 13x9"))

        let overwrite = try Self.run(["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png"]
                                     + Self.demoLens + ["--focus", "2", "--output", "Fixtures/demo/rgb.1001.png"])
        #expect(overwrite.status == 2)
        #expect(overwrite.stderr.contains("refusing to overwrite an input file"))

        let usage = try Self.run(["render", "--rgb", "a.png", "--depth", "b.png", "--focus", "2", "--output", "c.png", "--math", "weird"])
        #expect(usage.status == 2)
        // ArgumentParser reads the enum and lists its words (the same list as --help and the shot file's).
        #expect(usage.stderr.contains("The value 'weird' is invalid for '--math <MATH>'"))
        #expect(usage.stderr.contains("  - far=0\n") && usage.stderr.contains("  - -direct\n"))

        // A frame range at the ends of Int trapped (exit 132); now a clear message and exit 2.
        let huge = try Self.run(["render", "Fixtures/demo/shot.json", "--frames=-9223372036854775808-9223372036854775807"])
        #expect(huge.status == 2)
        #expect(huge.stderr == "error: --frames: invalid frame range \"-9223372036854775808-9223372036854775807\": more than 1000000 frames\n", "\(huge.stderr)")

        let noLens = try Self.run(["render", "--rgb", "a.png", "--depth", "b.png", "--focus", "2", "--output", "c.png"])
        #expect(noLens.status == 2)
        #expect(noLens.stderr.contains("--focal-length"))
    }

    @Test func outputIsIdenticalForAnyThreadCount() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files: [[UInt8]] = []
        for threads in ["1", "2", "8"] {
            let path = "\(folder)/t\(threads).png"
            let result = try Self.run(["render", "--rgb", "Fixtures/demo/rgb.1012.png", "--depth", "Fixtures/demo/depth.1012.png"]
                                      + Self.demoLens + ["--focus", "8", "--filter", "bladed", "--blades", "6", "--bloom",
                                                         "--threads", threads, "--output", path, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            files.append(try FileSystem.read(path))
        }
        #expect(files[0] == files[1] && files[0] == files[2])
    }
}

/// Shot files, resuming, keyed apertures and `plan`.
@Suite(.serialized) struct ShotTests {
    typealias CLI = CLITests

    @Test func shotFileRendersLikeTheFlagsAndFlagsOverrideIt() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fromFile = try CLI.run(["render", "Fixtures/demo/shot.json", "--frames", "1010,1012", "--output", folder + "/file.%04d.png"])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.contains("rendered 2 frames"))
        let fromFlags = try CLI.run(["render", "--rgb", "Fixtures/demo/rgb.%04d.png", "--depth", "Fixtures/demo/depth.%04d.png",
                                     "--frames", "1010,1012"] + CLI.demoLens
                                    + ["--focus", "1001:1.2", "--focus", "1024:8m:ease-in-out", "--quiet", "--output", folder + "/flags.%04d.png"])
        #expect(fromFlags.status == 0, "\(fromFlags.stderr)")
        let same = try CLI.run(["compare", folder + "/file.%04d.png", folder + "/flags.%04d.png"])
        #expect(same.status == 0, "\(same.stdout)")
    }

    @Test func shotFileErrorsNameTheKeyPath() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func attempt(_ json: String) throws -> CLITests.Result {
            try json.write(toFile: folder + "/shot.json", atomically: true, encoding: .utf8)
            return try CLI.run(["render", folder + "/shot.json"])
        }
        let easing = try attempt(#"{"rgb": "a.png", "depth": "b.png", "output": "c.png", "size": 10, "focus": [{"frame": 1, "distance": 2}, {"frame": 5, "distance": 3}, {"frame": 9, "distance": 4, "ease": "ease-inn"}]}"#)
        #expect(easing.status == 2)
        #expect(easing.stderr.contains("shot.json: focus[2].ease: unknown easing \"ease-inn\"; expected one of linear, hold, ease-in"))
        let unknown = try attempt(#"{"rgb": "a.png", "fcal-length": 50}"#)
        #expect(unknown.status == 2 && unknown.stderr.contains("fcal-length: unknown key; expected one of"))
        let type = try attempt(#"{"rgb": "a.png", "focal-length": "fifty"}"#)
        #expect(type.status == 2 && type.stderr.contains("focal-length: expected a number"))
        let point = try attempt(#"{"focus": [{"frame": 1, "point": [3]}]}"#)
        #expect(point.status == 2 && point.stderr.contains("focus[0].point: expected [X, Y] in pixels"))
        let broken = try attempt(#"{"rgb": "a.png","#)
        #expect(broken.status == 2 && broken.stderr.contains("not valid JSON"))
    }

    @Test func skipExistingResumesWithoutTouchingFinishedFrames() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shot = ["render", "Fixtures/demo/shot.json", "--frames", "1001-1004", "--output", folder + "/r.%04d.png"]
        #expect(try CLI.run(shot.map { $0 == "1001-1004" ? "1001-1002" : $0 }).status == 0)
        let before = try FileManager.default.attributesOfItem(atPath: folder + "/r.1001.png")[.modificationDate] as! Date
        Thread.sleep(forTimeInterval: 1.1)
        let resumed = try CLI.run(shot + ["--skip-existing"])
        #expect(resumed.status == 0)
        #expect(resumed.stdout.contains("rendered 2 frames") && resumed.stdout.contains("skipped 2 existing"))
        #expect(!resumed.stdout.contains("frame 1001:"))
        let after = try FileManager.default.attributesOfItem(atPath: folder + "/r.1001.png")[.modificationDate] as! Date
        #expect(before == after)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["r.1001.png", "r.1002.png", "r.1003.png", "r.1004.png"])
    }

    @Test func planPrintsThePullAndPlotsIt() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plan = try CLI.run(["plan", "Fixtures/demo/shot.json", "--frames", "1001,1012,1024", "--fstop", "1001:0.8242", "--fstop", "1024:2",
                                "--plot", folder + "/curve.png"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n")
        #expect(lines[1].hasPrefix("1001") && lines[1].contains("1.200") && lines[1].contains("f/0.824") && lines[1].hasSuffix("key"))
        #expect(lines[3].hasPrefix("1024") && lines[3].contains("8.000") && lines[3].contains("f/2.0"))
        // At the start the wall (8 m) is blurred behind focus; at the end the ball is blurred in front.
        #expect(lines[1].contains("+14.01"))
        #expect(lines[3].split(separator: " ").contains { $0.hasPrefix("-") })
        let plot = try ImageFile.read(folder + "/curve.png")
        #expect(plot.width == 900 && plot.height == 440 && plot.channels == 3)
    }
}

@Suite(.serialized) struct StreamingTests {
    typealias CLI = CLITests

    @Test func stillInputsRenderEveryFrameAsked() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLI.run(["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png",
                                  "--frames", "7-9"] + CLI.demoLens + ["--focus", "7:1.2", "--focus", "9:8", "--output", folder + "/s.%02d.jpg",
                                  "--quality", "90"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["s.07.jpg", "s.08.jpg", "s.09.jpg"])
        #expect(result.stdout.contains("frame 8: wrote \(folder)/s.08.jpg (focus 2.087 m"))  // 1 / mean(1/1.2, 1/8)
        #expect(try ImageFile.read(folder + "/s.09.jpg").width == 480)
    }

    /// A still shot is decoded and prepared once and reused for every frame (also with a keyed
    /// aperture, which re-prepares when the lens changes): each frame must equal the same frame
    /// rendered alone.
    @Test func stillShotFramesEqualFramesRenderedAlone() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let still = ["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png", "--math", "depth",
                     "--depth-range", "0.9,8.1", "--focal-length", "49.455", "--sensor-width", "36", "--breathing", "off",
                     "--focus", "1:1.2", "--focus", "4:8", "--fstop", "1:0.8242", "--fstop", "3:0.8242", "--fstop", "4:1.4", "--quiet"]
        let all = try CLI.run(still + ["--frames", "1-4", "--output", folder + "/all.%d.png"])
        #expect(all.status == 0, "\(all.stderr)")
        for frame in [2, 4] {
            let alone = try CLI.run(still + ["--frames", "\(frame)", "--output", folder + "/alone.%d.png"])
            #expect(alone.status == 0)
            #expect(try FileSystem.read(folder + "/all.\(frame).png") == FileSystem.read(folder + "/alone.\(frame).png"))
        }
        #expect(try FileSystem.read(folder + "/all.1.png") != FileSystem.read(folder + "/all.2.png"))
    }

    /// Ctrl-C in the middle of a render: exit 130, finished frames intact, no temporary file left.
    /// The render (a still asked for 100 000 frames) cannot finish before the interrupt arrives,
    /// which is sent once the first frame is on disk.
    @Test func interruptLeavesNoPartialFile() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.packageRoot)
        process.arguments = ["render", "Fixtures/demo/shot.json", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png",
                             "--frames", "1-100000", "--threads", "1", "--quiet", "--output", folder + "/i.%06d.png"]
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: folder + "/i.000001.png") { Thread.sleep(forTimeInterval: 0.02) }
        process.interrupt()
        process.waitUntilExit()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "status \(process.terminationStatus)")
        #expect(files.count < 100_000)
        #expect(!files.contains { $0.contains("rftmp") }, "temporary files left: \(files)")
        #expect(files.contains("i.000001.png"))
        for file in files { #expect(throws: Never.self) { _ = try ImageFile.read(folder + "/" + file) } }
    }
}

@Suite(.serialized) struct ViewCommandTests {
    typealias CLI = CLITests

    @Test func viewsAndContactSheetFromTheCommandLine() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for view in ["focal-plane", "coc", "depth", "layers"] {
            let result = try CLI.run(["render", "Fixtures/demo/shot.json", "--frames", "1001", "--view", view, "--quiet", "--output", "\(folder)/\(view).png"])
            #expect(result.status == 0, "\(view): \(result.stderr)")
        }
        // At frame 1001 focus is on the ball (1.2 m): the ball's centre is green in the focal-plane view.
        let plane = try ImageFile.read(folder + "/focal-plane.png")
        #expect(plane.value(x: 96, y: 197, channel: 1) > plane.value(x: 96, y: 197, channel: 0) + 40)
        #expect(try ImageFile.read(folder + "/coc.png").height == 270 + 56)
        let depth = try ImageFile.read(folder + "/depth.png")
        #expect(depth.value(x: 96, y: 197, channel: 0) > depth.value(x: 240, y: 40, channel: 0) + 100, "the ball is nearer (whiter) than the wall")
        let bad = try CLI.run(["render", "Fixtures/demo/shot.json", "--view", "focus", "--output", folder + "/x.png"])
        #expect(bad.status == 2 && bad.stderr.contains("The value 'focus' is invalid for '--view <view>'. Please provide one of 'result', 'focal-plane', 'coc', 'depth' or 'layers'."), "\(bad.stderr)")

        let sheet = try CLI.run(["contact-sheet", "Fixtures/demo/shot.json", "--every", "8", "--columns", "2", "--thumbnail-width", "120",
                                 "--sheet", folder + "/sheet.png"])
        #expect(sheet.status == 0, "\(sheet.stderr)")
        #expect(sheet.stdout.contains("frame 1009: focus 1.4 m") && sheet.stdout.contains("contact sheet of 3 frames"))
        let image = try ImageFile.read(folder + "/sheet.png")
        #expect(image.width == 8 + 2 * (120 + 8) && image.height == 8 + 2 * (67 + 22 + 8))
    }
}

/// Inputs the fuzzers found crashing once; each must now be a clean error.
@Suite struct FuzzRegressionTests {
    typealias CLI = CLITests

    /// "frame": 1055555555555555555524 overflowed Int in the shot-file reader.
    @Test func hugeFrameNumberInAShotFile() throws {
        let result = try CLI.run(["render", "Fixtures/fuzz/regressions/shot-huge-frame.json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("shot-huge-frame.json: focus[1].frame: expected a whole frame number"))
    }

    /// "depth-range": [5.9, 4.1] formed a reversed range (a trap) before the check that refuses it.
    @Test func reversedDepthRange() throws {
        let shot = try CLI.run(["render", "Fixtures/fuzz/regressions/shot-depth-range-reversed.json"])
        #expect(shot.status == 2)
        #expect(shot.stderr.contains("NEAR must be below FAR"))
        // A bad value read from a shot file names the file, without the usage of an inner option group.
        #expect(shot.stderr.contains("shot-depth-range-reversed.json"))
        #expect(!shot.stderr.contains("Usage"))
        let flags = try CLI.run(["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png",
                                 "--depth-range", "5.9,4.1", "--focus", "2", "--output", "/tmp/never-written.png"])
        #expect(flags.status == 2)
        #expect(flags.stderr.contains("NEAR must be below FAR"))
    }
}

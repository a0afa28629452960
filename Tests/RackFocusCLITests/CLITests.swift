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

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
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
        #expect(usage.stderr.contains("--math \"weird\": expected one of depth, far=0"))

        let noLens = try Self.run(["render", "--rgb", "a.png", "--depth", "b.png", "--focus", "2", "--output", "c.png"])
        #expect(noLens.status == 2)
        #expect(noLens.stderr.contains("--focal-length"))
    }

    @Test func outputIsIdenticalForAnyThreadCount() throws {
        let folder = Self.temporaryFolder()
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

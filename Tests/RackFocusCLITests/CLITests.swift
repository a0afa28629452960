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

    /// Renders two demo frames with focus on the ball: the ball stays sharp, the wall is blurred.
    @Test func rendersTheDemoWithFocusWhereAsked() throws {
        let folder = Self.temporaryFolder()
        let result = try Self.run(["render", "--rgb", "Fixtures/demo/rgb.%04d.png", "--depth", "Fixtures/demo/depth.####.png",
                                   "--frames", "1001,1024"] + Self.demoLens + ["--focus", "1.2", "--threads", "2",
                                   "--output", folder + "/out.%04d.png", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["out.1001.png", "out.1024.png"])
        let input = try ImageFile.read("\(Self.packageRoot)/Fixtures/demo/rgb.1001.png").planar(transfer: .sRGB)
        let output = try ImageFile.read(folder + "/out.1001.png").planar(transfer: .sRGB)
        let depth = try ImageFile.read("\(Self.packageRoot)/Fixtures/demo/depth.1001.png")
        // Local detail (sum of horizontal differences) at near (< 1.3 m) and far (> 7 m) pixels.
        func detail(_ image: PlanarImage, where select: (Float) -> Bool) -> Float {
            var total: Float = 0
            var count = 0
            for y in 0..<270 {
                for x in 1..<480 {
                    let z = 0.9 + 7.2 * depth.value(x: x, y: y, channel: 0) / 65535
                    guard select(z) else { continue }
                    total += abs(image[x, y, 1] - image[x - 1, y, 1])
                    count += 1
                }
            }
            return total / Float(max(count, 1))
        }
        let ballIn = detail(input) { $0 < 1.3 }, ballOut = detail(output) { $0 < 1.3 }
        let wallIn = detail(input) { $0 > 7 }, wallOut = detail(output) { $0 > 7 }
        #expect(ballOut > 0.7 * ballIn, "the ball (in focus) keeps its detail: \(ballOut) vs \(ballIn)")
        #expect(wallOut < 0.3 * wallIn, "the wall (out of focus) loses its detail: \(wallOut) vs \(wallIn)")
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

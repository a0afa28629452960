import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// Faults that must give one clear line, the right exit code, and lose nothing.
@Suite(.serialized) struct FaultTests {
    typealias CLI = CLITests

    static let frame = ["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png"] + CLI.demoLens + ["--focus", "2"]

    static func shell(_ command: String) throws -> CLITests.Result {
        try ChildProcess.run("/bin/bash", ["-c", command], in: CLI.packageRoot)
    }

    @Test func missingOutputFolderIsCreatedAndAReadOnlyOneRefused() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A missing output folder is created (a farm task writing into a new shot folder must not fail);
        // one that cannot be (a file is in the way) is a clear error and nothing is written.
        let created = try CLI.run(Self.frame + ["--output", folder + "/new/shot/o.png"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try ImageFile.read(folder + "/new/shot/o.png").width == 480)
        try FileSystem.writeAtomically([1, 2, 3], to: folder + "/file")
        let blocked = try CLI.run(Self.frame + ["--output", folder + "/file/sub/o.png"])
        #expect(blocked.status == 2)
        #expect(blocked.stderr == "error: \(folder)/file: is a file, so the output folder cannot be created\n", "\(blocked.stderr)")
        try FileManager.default.removeItem(atPath: folder + "/file")
        try FileManager.default.removeItem(atPath: folder + "/new/shot/o.png")
        // Root ignores permission bits, so make the folder immutable instead.
        let lock = geteuid() == 0 ? "chattr +i '\(folder)'" : "chmod 555 '\(folder)'"
        let unlock = geteuid() == 0 ? "chattr -i '\(folder)'" : "chmod 755 '\(folder)'"
        guard try Self.shell(lock).status == 0 else {
            Issue.record("cannot make \(folder) read-only here")
            return
        }
        defer { _ = try? Self.shell(unlock) }
        let readOnly = try CLI.run(Self.frame + ["--output", folder + "/o.png"])
        #expect(readOnly.status == 2)
        #expect(readOnly.stderr.contains("output folder \(folder) is not writable"))
    }

    /// A full disk (simulated with a 100 KB file-size limit): exit 1, a message, no partial file,
    /// and the frames written before stay.
    @Test func diskFullFailsCleanly() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = "ulimit -f 100; '\(CLI.executable)' render Fixtures/demo/shot.json --frames 1001-1003 --output '\(folder)/f.%04d.jpg' --quality 60 --threads 1 && '\(CLI.executable)' render Fixtures/demo/shot.json --frames 1004 --output '\(folder)/f.%04d.png'"
        let result = try Self.shell(command)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("frame 1004:") && result.stderr.contains("write failed: File too large"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["f.1001.jpg", "f.1002.jpg", "f.1003.jpg"], "\(files)")
    }

    @Test func sizeMismatchUnlessResizeIsAsked() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let small = try ImageFile.read("\(CLI.packageRoot)/Fixtures/demo/depth.1001.png").resizedNearest(width: 240, height: 135)
        try ImageFile.write(small, to: folder + "/half.png")
        let base = ["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", folder + "/half.png"] + CLI.demoLens + ["--focus", "2"]
        let refused = try CLI.run(base + ["--output", folder + "/a.png"])
        #expect(refused.status == 2 && refused.stderr.contains("depth is 240x135 but Fixtures/demo/rgb.1001.png is 480x270 (--resize-depth scales it)"))
        let resized = try CLI.run(base + ["--resize-depth", "--output", folder + "/b.png", "--quiet"])
        #expect(resized.status == 0, "\(resized.stderr)")
    }

    /// NaN, infinity, zero and negative distances in a float depth pass: documented policy (they
    /// take the farthest depth in the frame), never a crash or a NaN in the output.
    @Test func badFloatDepthValues() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var depth = try ImageFile.read("\(CLI.packageRoot)/Fixtures/demo/depth.1001.pfm")
        guard case .float32(var values) = depth.samples else { Issue.record("not float"); return }
        for i in stride(from: 0, to: values.count, by: 7) { values[i] = [Float.nan, .infinity, 0, -2][i % 4] }
        depth.samples = .float32(values)
        try ImageFile.write(depth, to: folder + "/bad.pfm")
        let result = try CLI.run(["render", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", folder + "/bad.pfm", "--math", "depth",
                                  "--focal-length", "49.455", "--fstop", "0.8242", "--focus", "2", "--output", folder + "/o.pfm", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        guard case .float32(let out) = try ImageFile.read(folder + "/o.pfm").samples else { Issue.record("not float"); return }
        #expect(out.allSatisfy { $0.isFinite })
    }

    /// A corrupt frame in the middle: the frames before it are complete, the run exits 2 naming the
    /// file, and --skip-existing resumes once it is repaired.
    @Test func corruptFrameMidSequenceThenResume() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for frame in 1001...1005 {
            for kind in ["rgb", "depth"] {
                try FileManager.default.copyItem(atPath: "\(CLI.packageRoot)/Fixtures/demo/\(kind).\(frame).png", toPath: "\(folder)/\(kind).\(frame).png")
            }
        }
        let good = try FileSystem.read(folder + "/rgb.1003.png")
        try FileSystem.writeAtomically(Array(good.prefix(5000)), to: folder + "/rgb.1003.png")
        let args = ["render", "Fixtures/demo/shot.json", "--rgb", folder + "/rgb.%04d.png", "--depth", folder + "/depth.%04d.png",
                    "--frames", "1001-1005", "--threads", "1", "--output", folder + "/out.%04d.png"]
        let broken = try CLI.run(args)
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("error: \(folder)/rgb.1003.png: file is truncated"), "\(broken.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("out.") }.sorted()
        #expect(written == ["out.1001.png", "out.1002.png"], "\(written)")
        for file in written { _ = try ImageFile.read(folder + "/" + file) }
        try FileSystem.writeAtomically(good, to: folder + "/rgb.1003.png")
        let resumed = try CLI.run(args + ["--skip-existing"])
        #expect(resumed.status == 0 && resumed.stdout.contains("rendered 3 frames") && resumed.stdout.contains("skipped 2 existing"))
    }

    @Test func framesOverTheMemoryBudgetAreRefusedUpFront() throws {
        let result = try CLI.run(Self.frame + ["--memory-limit", "40", "--output", "/tmp/never-written.png"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("frame 1: 480x270 needs about 54 MB, over --memory-limit 40 MB"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.png"))
    }
}

import Foundation
import Testing
@testable import RackFocusCLI
import RackFocusRender

/// The command line becomes a Shot from the arguments it is given (never from the process's own
/// arguments, which here are the test runner's), with options overriding the shot file.
@Suite struct ArgumentTests {
    static func shot(_ arguments: [String]) throws -> Shot {
        guard let render = try RackFocusCommand.parseAsRoot(arguments) as? RenderCommand else {
            throw ShotError("not a render command")
        }
        return try render.options.shot()
    }

    @Test func optionsOverrideTheShotFileFieldByField() throws {
        let file = CLITests.packageRoot + "/Fixtures/demo/shot.json"
        let plain = try Self.shot(["render", file])
        #expect(plain.fstop == [ValueKey(0.8242)] && plain.breathing == .off && plain.bloom == nil)
        let changed = try Self.shot(["render", file, "--fstop", "1001:2", "--fstop", "1024:4", "--breathing", "on", "--bloom",
                                     "--math", "-depth", "--depth-range", "1,9", "--focus", "3m", "--frames", "1001-1002", "--view", "coc"])
        #expect(changed.fstop == [ValueKey(frame: 1001, 2), ValueKey(frame: 1024, 4)])
        #expect(changed.breathing == .on && changed.bloom == true && changed.math == .negativeDepth && changed.view == .coc)
        #expect(changed.depthRange == DepthRange(near: 1, far: 9) && changed.frames == "1001-1002")
        #expect(changed.focus == [FocusKey(.distance(Length(3, unit: .m)))])
        // Untouched fields keep the file's values, and a flag the file sets can be turned off.
        #expect(changed.focalLength == 49.455 && changed.rgb == plain.rgb)
        var bloomFile = plain
        bloomFile.bloom = true
        let folder = CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try JSONEncoder().encode(bloomFile).write(to: URL(fileURLWithPath: folder + "/bloom.json"))
        #expect(try Self.shot(["render", folder + "/bloom.json"]).bloom == true)
        #expect(try Self.shot(["render", folder + "/bloom.json", "--no-bloom"]).bloom == false)
    }

    @Test func negativeValuesAreReadAndRefusedByRange() throws {
        let file = CLITests.packageRoot + "/Fixtures/demo/shot.json"
        let error = #expect(throws: ShotError.self) { try Self.shot(["render", file, "--fstop", "-2"]) }
        #expect(error?.description == "--fstop must be positive, got -2.0")
        #expect(try Self.shot(["render", file, "--rotation", "-30", "--filter", "bladed"]).rotation == -30)
        // A bad value of the file's own names the file.
        let folder = CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #"{"rgb": "a.png", "depth": "b.png", "size": 4, "focus": 2, "roundness": 5}"#.write(toFile: folder + "/r.json", atomically: true, encoding: .utf8)
        let fromFile = #expect(throws: ShotError.self) { try Self.shot(["render", folder + "/r.json"]) }
        #expect(fromFile?.description == "\(folder)/r.json: --roundness must be 0 to 1, got 5.0")
        let fromFlag = #expect(throws: ShotError.self) { try Self.shot(["render", folder + "/r.json", "--roundness", "1", "--blades", "40"]) }
        #expect(fromFlag?.description == "--blades must be 3 to 16")
    }
}

import Testing
@testable import RackFocusCore
import Foundation
@testable import RackFocusIO

@Suite(.serialized) struct LayeredShotTests {
    typealias CLI = CLITests

    /// The demo's layered comp: the ball plate sharp at frame 1, soft and see-through at frame 24.
    @Test func layeredDemoShotRacksBetweenPlates() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLI.run(["render", "Fixtures/demo/plates/shot.json", "--frames", "1,24", "--output", folder + "/p.%04d.png"])
        #expect(result.status == 0, "\(result.stderr)")
        let first = try ImageFile.read(folder + "/p.0001.png"), last = try ImageFile.read(folder + "/p.0024.png")
        let ball = try ImageFile.read("\(CLI.packageRoot)/Fixtures/demo/plates/ball.png")
        // Inside the ball (opaque there) frame 1 matches the plate; frame 24 no longer does.
        var sharp = 0, blurred = 0, count = 0
        for y in 180..<214 {
            for x in 80..<112 where ball.value(x: x, y: y, channel: 3) == 255 {
                count += 1
                if abs(first.value(x: x, y: y, channel: 0) - ball.value(x: x, y: y, channel: 0)) <= 1 { sharp += 1 }
                if abs(last.value(x: x, y: y, channel: 0) - ball.value(x: x, y: y, channel: 0)) > 8 { blurred += 1 }
            }
        }
        #expect(count > 500 && sharp > count * 9 / 10 && blurred > count / 2, "\(sharp) \(blurred) of \(count)")
    }
}

@Suite(.serialized) struct DepthMapPlateTests {
    typealias CLI = CLITests

    /// A plate with its own depth pass is blurred per pixel: sharp where its depth is in focus.
    @Test func plateWithItsOwnDepthMap() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLI.run(["render", "--plate", "Fixtures/demo/rgb.1001.png@map:Fixtures/demo/depth.1001.png",
                                  "--math", "depth", "--depth-range", "0.9,8.1", "--focal-length", "49.455", "--fstop", "0.8242",
                                  "--breathing", "off", "--focus", "8", "--output", folder + "/m.png", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try ImageFile.read(folder + "/m.png"), input = try ImageFile.read("\(CLI.packageRoot)/Fixtures/demo/rgb.1001.png")
        #expect(out.channels == 4)
        // The wall (8 m, in focus) keeps its pixels; the ball (1.2 m) does not.
        #expect(abs(out.value(x: 240, y: 40, channel: 0) - input.value(x: 240, y: 40, channel: 0)) <= 1)
        #expect(abs(out.value(x: 96, y: 197, channel: 0) - input.value(x: 96, y: 197, channel: 0)) > 5)
    }
}

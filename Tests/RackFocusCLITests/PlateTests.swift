import Testing
@testable import RackFocusCLI
@testable import RackFocusCore
@testable import RackFocusEngine

/// Layered plates against a reference composite computed here by brute force.
@Suite struct PlateTests {
    static let (w, h) = (48, 32)
    /// The engine used by the tests: r = 10 (1/focus − 1/z) px on a 64 px wide image, so
    /// 7.5 (1/focus − 1/z) on this 48 px image.
    static let engine = DefocusEngine(settings: DefocusSettings(
        lens: .thinLens(focalLength: 36, fNumber: 0.036 / (2 * 10.0 / 64), sensorWidth: 36, breathing: false), maximumRadius: 16, threads: 2))
    static let lens = engine.settings.lens

    /// Foreground: an opaque orange square (x 10..<30, y 8..<24); background: blue-green stripes.
    static func plates() -> (fg: PlanarImage, bg: PlanarImage) {
        var fg = PlanarImage(width: w, height: h, channels: 4)
        var bg = PlanarImage(width: w, height: h, channels: 3)
        for y in 0..<h {
            for x in 0..<w {
                if (10..<30).contains(x) && (8..<24).contains(y) {
                    fg[x, y, 0] = 0.9; fg[x, y, 1] = 0.4; fg[x, y, 2] = 0.05; fg[x, y, 3] = 1
                }
                let stripe: Float = (x / 3) % 2 == 0 ? 0.8 : 0.1
                bg[x, y, 0] = 0.05; bg[x, y, 1] = stripe; bg[x, y, 2] = 1 - stripe
            }
        }
        return (fg, bg)
    }

    /// Brute-force disc blur of premultiplied RGBA: each source pixel spread over a disc of radius r
    /// sampled 8 x 8 per destination pixel (transparent outside the frame).
    static func referenceBlur(_ plate: PlanarImage, radius r: Float) -> PlanarImage {
        var out = PlanarImage(width: w, height: h, channels: 4)
        let reach = Int(r.rounded(.up)) + 1
        let area = Float.pi * r * r
        for sy in 0..<h {
            for sx in 0..<w {
                let a = plate[sx, sy, 3]
                guard a > 0 else { continue }
                for y in max(0, sy - reach)...min(h - 1, sy + reach) {
                    for x in max(0, sx - reach)...min(w - 1, sx + reach) {
                        var covered = 0
                        for i in 0..<8 {
                            for j in 0..<8 {
                                let dx = Float(x - sx) + (Float(i) + 0.5) / 8 - 0.5, dy = Float(y - sy) + (Float(j) + 0.5) / 8 - 0.5
                                if dx * dx + dy * dy <= r * r { covered += 1 }
                            }
                        }
                        let weight = Float(covered) / 64 / area
                        for c in 0..<3 { out[x, y, c] += plate[sx, sy, c] * a * weight }
                        out[x, y, 3] += a * weight
                    }
                }
            }
        }
        return out
    }

    @Test func blurredForegroundRevealsTheRealBackground() {
        let (fg, bg) = Self.plates()
        // Focus on the background (4 m); the foreground plate at 1 m: r = 7.5 (0.25 − 1) = −5.625 px.
        let out = PlateComposite.composite(plates: [(fg, 1.0, nil), (bg, 4.0, nil)], background: nil, engine: Self.engine,
                                           focus: 4, lens: Self.lens, width: Self.w, height: Self.h)
        let blurred = Self.referenceBlur(fg, radius: 5.625)
        var worst: Float = 0
        for y in 0..<Self.h {
            for x in 0..<Self.w {
                let alpha = min(1, blurred[x, y, 3])
                for c in 0..<3 {
                    let expected = blurred[x, y, c] + (1 - alpha) * bg[x, y, c]
                    worst = max(worst, abs(out[x, y, c] - expected))
                }
                #expect(abs(out[x, y, 3] - 1) < 1e-4, "the background plate is opaque")
            }
        }
        #expect(worst < 0.03, "largest difference from the reference composite: \(worst)")
        // Just inside the square's corner the stripes of the background show through.
        #expect(out[11, 9, 1] > 0.2 || out[11, 9, 2] > 0.2)
    }

    @Test func sharpForegroundKeepsACrispEdgeOverABlurredBackground() {
        let (fg, bg) = Self.plates()
        // Focus on the foreground (1 m); the background at 4 m: r = 7.5 (1 − 0.25) = 5.625 px.
        let out = PlateComposite.composite(plates: [(fg, 1.0, nil), (bg, 4.0, nil)], background: nil, engine: Self.engine,
                                           focus: 1, lens: Self.lens, width: Self.w, height: Self.h)
        for y in 8..<24 {
            for x in 10..<30 {
                #expect(abs(out[x, y, 0] - 0.9) < 1e-5 && abs(out[x, y, 1] - 0.4) < 1e-5, "foreground pixel \(x),\(y) changed")
            }
            // One pixel outside the edge there is only blurred background: no orange.
            #expect(out[9, y, 0] < 0.08 && out[30, y, 0] < 0.08)
        }
    }

    @Test func parsesPlateSpecifications() throws {
        let constant = try Plate(parsing: "fg.%04d.png@150cm", metresPerUnit: 1)
        #expect(constant.image.path(for: 7) == "fg.0007.png" && constant.depth.value(at: 99) == 1.5)
        let keyed = try Plate(parsing: "a@b.png@1:2+11:4:ease-in", metresPerUnit: 1)
        #expect(keyed.image.text == "a@b.png" && keyed.depth.value(at: 6) == 2 + 2 * 0.125)
        #expect(throws: Error.self) { try Plate(parsing: "fg.png", metresPerUnit: 1) }
        #expect(throws: Error.self) { try Plate(parsing: "fg.png@-1", metresPerUnit: 1) }
    }
}

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

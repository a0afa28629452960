import Testing
@testable import RackFocusRender
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
        let constant = try Plate(PlateSpec(parsing: "fg.%04d.png@150cm"), depthUnit: .m)
        #expect(constant.image.path(for: 7) == "fg.0007.png" && constant.depth.value(at: 99) == 1.5)
        let keyed = try Plate(PlateSpec(parsing: "a@b.png@1:2+11:4:ease-in"), depthUnit: .m)
        #expect(keyed.image.text == "a@b.png" && keyed.depth.value(at: 6) == 2 + 2 * 0.125)
        let feet = try Plate(PlateSpec(parsing: "fg.png@10"), depthUnit: .ft)
        #expect(abs(feet.depth.value(at: 1) - 3.048) < 1e-12)
        #expect(throws: ShotError.self) { try PlateSpec(parsing: "fg.png") }
        #expect(throws: ShotError.self) { try PlateSpec(parsing: "fg.png@-1") }
        #expect(throws: ShotError.self) { try PlateSpec(parsing: "fg.png@1:2+3") }
        #expect(try PlateSpec(parsing: "a@b.png@1:2+11:4m:ease-in").text == "a@b.png@1:2.0+11:4.0m:ease-in")
    }
}


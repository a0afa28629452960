import Foundation
import Testing
@testable import RackFocusRender
import RackFocusCore
import RackFocusIO

/// RGBA input keeps its alpha (defocused premultiplied, written as each format stores it), and a
/// one-channel picture given as the RGB is a grey picture.
@Suite(.serialized) struct AlphaAndGreyTests {
    static let (w, h) = (64, 48)

    /// An orange square, opaque, on a fully transparent surround whose (meaningless) colour is bright
    /// green; depth 4 m everywhere, focus 1 m: every pixel is blurred by about 5 px.
    static func writeInputs(_ folder: String) throws {
        var rgba: [UInt8] = []
        for y in 0..<h {
            for x in 0..<w {
                let inside = (16..<48).contains(x) && (12..<36).contains(y)
                rgba += inside ? [230, 140, 40, 255] : [0, 255, 0, 0]
            }
        }
        try ImageFile.write(RasterImage(width: w, height: h, channels: 4, samples: .uint8(rgba)), to: folder + "/rgba.png")
        try ImageFile.write(RasterImage(width: w, height: h, channels: 4, samples: .uint8(rgba.enumerated().map { $0.offset % 4 == 3 ? 255 : $0.element })),
                            to: folder + "/opaque.png")
        try ImageFile.write(RasterImage(width: w, height: h, channels: 3, samples: .uint8(rgba.enumerated().filter { $0.offset % 4 != 3 }.map(\.element))),
                            to: folder + "/rgb.png")
        try ImageFile.write(RasterImage(width: w, height: h, channels: 1, samples: .uint16([UInt16](repeating: 4000, count: w * h))),
                            to: folder + "/depth.png")
    }

    static func shot(_ folder: String, rgb: String, output: String) -> Shot {
        var shot = Shot()
        shot.rgb = folder + "/" + rgb
        shot.depth = folder + "/depth.png"
        shot.depthRange = DepthRange(near: 0, far: 65.535)
        shot.size = [ValueKey(7)]
        shot.focus = [FocusKey(.distance(Length(1)))]
        shot.threads = 2
        shot.quiet = true
        shot.output = folder + "/" + output
        return shot
    }

    static func render(_ shot: Shot) throws {
        try RenderPipeline(shot: shot, job: FrameJob(shot: shot, writesOutput: true)).run()
    }

    @Test func rgbaInputKeepsItsAlphaWithoutFringes() throws {
        let folder = PipelineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeInputs(folder)
        try Self.render(Self.shot(folder, rgb: "rgba.png", output: "out.png"))
        let out = try ImageFile.read(folder + "/out.png")
        #expect(out.channels == 4, "the alpha was dropped")
        // Alpha: opaque in the middle, transparent far outside, soft across the edge.
        #expect(out.value(x: 32, y: 24, channel: 3) == 255 && out.value(x: 2, y: 2, channel: 3) == 0)
        let edge = out.value(x: 16, y: 24, channel: 3)
        #expect(edge > 60 && edge < 200, "edge alpha \(edge)")
        // Straight colour stays orange wherever there is coverage: the transparent green adds nothing
        // and the blurred edge does not darken.
        var worst: Float = 0
        for y in 0..<Self.h {
            for x in 0..<Self.w where out.value(x: x, y: y, channel: 3) >= 8 {
                worst = max(worst, abs(out.value(x: x, y: y, channel: 0) - 230), abs(out.value(x: x, y: y, channel: 1) - 140),
                            abs(out.value(x: x, y: y, channel: 2) - 40))
            }
        }
        #expect(worst <= 3, "straight colour drifts by \(worst) codes at the edge")

        // OpenEXR stores it premultiplied: colour = straight colour x alpha.
        try Self.render(Self.shot(folder, rgb: "rgba.png", output: "out.exr"))
        let exr = try ImageFile.read(folder + "/out.exr")
        #expect(exr.channels == 4)
        let a = exr.value(x: 16, y: 24, channel: 3)
        #expect(a > 0.2 && a < 0.8)
        let orangeLinear = Float(SRGB.decode(230.0 / 255))
        #expect(abs(exr.value(x: 16, y: 24, channel: 0) - orangeLinear * a) < 0.01)
    }

    /// Opaque RGBA renders the same colour as the RGB picture, with alpha 255 everywhere.
    @Test func opaqueRGBAMatchesRGB() throws {
        let folder = PipelineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeInputs(folder)
        try Self.render(Self.shot(folder, rgb: "opaque.png", output: "opaque.out.png"))
        try Self.render(Self.shot(folder, rgb: "rgb.png", output: "rgb.out.png"))
        let rgba = try ImageFile.read(folder + "/opaque.out.png"), rgb = try ImageFile.read(folder + "/rgb.out.png")
        for y in 0..<Self.h {
            for x in 0..<Self.w {
                #expect(rgba.value(x: x, y: y, channel: 3) == 255)
                for c in 0..<3 where rgba.value(x: x, y: y, channel: c) != rgb.value(x: x, y: y, channel: c) {
                    Issue.record("(\(x),\(y)) channel \(c): \(rgba.value(x: x, y: y, channel: c)) vs \(rgb.value(x: x, y: y, channel: c))")
                }
            }
        }
    }

    /// An OpenEXR with only G (or only Y) and a grey PNG, given as the RGB: grey pictures.
    @Test func oneChannelPicturesAreGrey() throws {
        let folder = PipelineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ImageFile.write(RasterImage(width: 16, height: 12, channels: 1, samples: .float32([Float](repeating: 2, count: 192))), to: folder + "/z.pfm")
        let grey = (0..<192).map { UInt8($0) }
        try ImageFile.write(RasterImage(width: 16, height: 12, channels: 1, samples: .uint8(grey)), to: folder + "/grey.png")
        for input in [Paths.root + "/Fixtures/exr/green_only.exr", Paths.root + "/Fixtures/exr/luma_only.exr", folder + "/grey.png"] {
            var shot = Self.shot(folder, rgb: "", output: "grey.exr")
            shot.rgb = input
            shot.depth = folder + "/z.pfm"
            shot.depthRange = nil
            shot.size = [ValueKey(0)]
            shot.exrType = .float
            try Self.render(shot)
            let out = try ImageFile.read(folder + "/grey.exr")
            #expect(out.channels == 3, "\(input)")
            let source = try ImageFile.read(input)
            for (x, y) in [(0, 0), (7, 5), (15, 11)] {
                let v = out.value(x: x, y: y, channel: 0)
                #expect(out.value(x: x, y: y, channel: 1) == v && out.value(x: x, y: y, channel: 2) == v, "\(input) (\(x),\(y))")
                let expected = source.isFloat ? source.value(x: x, y: y, channel: 0) : Float(SRGB.decode(Double(source.value(x: x, y: y, channel: 0)) / 255))
                #expect(abs(v - expected) < 1e-3 * max(1, expected), "\(input) (\(x),\(y)): \(v) vs \(expected)")
            }
        }
    }
}

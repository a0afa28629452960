import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// OpenEXR from the command line: colour and depth from one file, layers and parts, HDR kept, header attributes.
@Suite(.serialized) struct EXRCLITests {
    static let lens = ["--math", "depth", "--size", "4", "--focus", "1"]

    static func planar(_ path: String) throws -> PlanarImage {
        try ImageFile.read(path).planar(transfer: .linear)
    }

    @Test func rgbaAndZFromOneFileRenderUnclippedHDR() throws {
        let folder = CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLITests.run(["render", "--rgb", "Fixtures/exr/rgbaz.exr", "--depth", "Fixtures/exr/rgbaz.exr"] + Self.lens +
                                      ["--exr-type", "float", "--output", folder + "/out.exr"])
        #expect(result.status == 0, "\(result.stderr)")
        let input = try Self.planar("Fixtures/exr/rgbaz.exr")
        let output = try Self.planar(folder + "/out.exr")
        #expect(output.width == 16 && output.height == 12)
        // The 40.0 highlight at (2, 2), 2.5 m away, spreads into a disc still brighter than white: not clipped.
        let red = Array(output.samples[0..<output.pixelCount])
        let peak = red.max()!
        #expect(peak > 1.5 && peak < 30, "peak \(peak)")
        // Energy: the red total stays within a few per cent (the disc loses a little over the frame edge).
        let before = input.samples[0..<input.pixelCount].reduce(0, +)
        let after = red.reduce(0, +)
        #expect(abs(after - before) / before < 0.08, "\(before) -> \(after)")
        // (0, 0) lies on the focal plane (1 m): unchanged.
        #expect(abs(output.samples[0] - input.samples[0]) < 1e-4)

        // The same render as PNG is clipped to white at the highlight.
        let png = try CLITests.run(["render", "--rgb", "Fixtures/exr/rgbaz.exr", "--depth", "Fixtures/exr/rgbaz.exr"] + Self.lens +
                                   ["--output", folder + "/out.png", "--quiet"])
        #expect(png.status == 0)
        let raster = try ImageFile.read(folder + "/out.png")
        #expect(raster.value(x: 2, y: 2, channel: 0) == 255)
    }

    @Test func headerRecordsFocusAndLens() throws {
        let folder = CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CLITests.run(["render", "--rgb", "Fixtures/exr/rgbaz.exr", "--depth", "Fixtures/exr/rgbaz.exr",
                                       "--math", "depth", "--focal-length", "50", "--sensor-width", "36", "--fstop", "2.8",
                                       "--focus", "1.75", "--exr-compression", "piz", "--output", folder + "/lens.exr", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let parts = try EXRCodec.header(FileSystem.read(folder + "/lens.exr"))
        #expect(parts[0].compression == .piz)
        #expect(parts[0].channels.allSatisfy { $0.type == .half })
        let header = try EXRTestsShared.run("/usr/bin/exrheader", [folder + "/lens.exr"])
        #expect(header.contains("focus (type float): 1.75"))
        #expect(header.contains("aperture (type float): 2.8"))
        #expect(header.contains("rackfocus/focalLength (type float): 50"))
    }

    @Test func layersPartsAndChannelsAreChosenByName() throws {
        let folder = CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let layered = try CLITests.run(["render", "--rgb", "Fixtures/exr/layered.exr", "--depth", "Fixtures/exr/layered.exr",
                                        "--rgb-layer", "diffuse"] + Self.lens + ["--output", folder + "/diffuse.exr", "--quiet"])
        #expect(layered.status == 0, "\(layered.stderr)")
        #expect(try ImageFile.read(folder + "/diffuse.exr").channels == 3)  // diffuse has no alpha

        let parts = try CLITests.run(["render", "--rgb", "Fixtures/exr/multipart.exr", "--depth", "Fixtures/exr/multipart.exr",
                                      "--rgb-part", "beauty", "--depth-part", "depth"] + Self.lens +
                                     ["--output", folder + "/parts.exr", "--quiet"])
        #expect(parts.status == 0, "\(parts.stderr)")

        let explicit = try CLITests.run(["render", "--rgb", "Fixtures/exr/scanline_half_zip.exr",
                                         "--depth", "Fixtures/exr/blender_depth.exr", "--depth-channel", "ViewLayer.Depth.Z"] +
                                        Self.lens + ["--output", folder + "/named.png", "--quiet"])
        #expect(explicit.status == 0, "\(explicit.stderr)")

        let wrongLayer = try CLITests.run(["render", "--rgb", "Fixtures/exr/layered.exr", "--depth", "Fixtures/exr/layered.exr",
                                           "--rgb-layer", "specular"] + Self.lens + ["--output", folder + "/x.exr"])
        #expect(wrongLayer.status == 2)
        #expect(wrongLayer.stderr.contains("Fixtures/exr/layered.exr"))
        #expect(wrongLayer.stderr.contains("no layer \"specular\""))
        let noDepth = try CLITests.run(["render", "--rgb", "Fixtures/exr/scanline_half_zip.exr",
                                        "--depth", "Fixtures/exr/scanline_half_zip.exr"] + Self.lens + ["--output", folder + "/y.exr"])
        #expect(noDepth.status == 2)
        #expect(noDepth.stderr.contains("no depth channel"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/x.exr") && !FileManager.default.fileExists(atPath: folder + "/y.exr"))
        let badOption = try CLITests.run(["render", "--rgb", "a.exr", "--depth", "a.exr", "--focus", "1", "--size", "4", "--exr-compression", "jpeg", "--output", "o.exr"])
        #expect(badOption.status == 2)
        #expect(badOption.stderr.contains("The value 'jpeg' is invalid for '--exr-compression <exr-compression>'"))
        #expect(badOption.stderr.contains("  - none\n  - rle\n  - zips\n  - zip\n  - piz\n"))
    }

    /// Our files, read by OpenEXR's C++ library (exrmaketiled decodes them and re-writes them tiled and
    /// losslessly), must hold the values we read from them, header attributes included.
    @Test(arguments: [EXRCodec.Compression.zip, .piz, .b44, .dwaa])
    func writtenFilesReadBackByOpenEXRTools(compression: EXRCodec.Compression) throws {
        let tool = "/usr/bin/exrmaketiled"
        try #require(FileManager.default.isExecutableFile(atPath: tool), "install Debian's openexr package")
        let folder = CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var samples: [Float] = []
        for y in 0..<17 {
            for x in 0..<33 {
                for c in 0..<4 { samples.append(Float(x * (c + 1) + 3 * y) / 16) }
            }
        }
        let image = RasterImage(width: 33, height: 17, channels: 4, samples: .float32(samples))
        let options = EXRCodec.Options(pixelType: .half, compression: compression,
                                       attributes: [.init("focus", .float(2.5)), .init("rackfocus/lens", .string("50 mm f/2"))])
        try ImageFile.write(image, to: folder + "/ours.exr", options: WriteOptions(exr: options))
        try EXRTestsShared.run(tool, ["-z", "zip", folder + "/ours.exr", folder + "/tiled.exr"])
        let ours = try ImageFile.read(folder + "/ours.exr")
        let tiled = try ImageFile.read(folder + "/tiled.exr")
        #expect(tiled == ours)
        if compression == .zip || compression == .piz { #expect(ours == image) }
        let header = try EXRTestsShared.run("/usr/bin/exrheader", [folder + "/ours.exr"])
        #expect(header.contains("focus (type float): 2.5"))
        #expect(header.contains("rackfocus/lens (type string): \"50 mm f/2\""))
        #expect(header.contains("compression (type compression): " + (compression == .dwaa ? "dwa, small" : compression.name)))
    }

    @Test func probeListsPartsChannelsWindowsAndDepthRange() throws {
        let result = try CLITests.run(["probe", "Fixtures/exr/multipart.exr", "Fixtures/exr/datawindow.exr", "Fixtures/exr/tiled_half_dwaa.exr"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Fixtures/exr/multipart.exr: EXR 16x12, 5 channels, 2 parts"))
        #expect(result.stdout.contains("part 1 \"depth\": scanline, zip, data window (0,0)-(15,11) 16x12\n    channels: Z float"))
        #expect(result.stdout.contains("depth channel depth:Z: min 1 max 11.25"))
        #expect(result.stdout.contains("data window (3,2)-(12,7) 10x6, display window (0,0)-(15,11) 16x12"))
        #expect(result.stdout.contains("tiled 8x8 tiles, dwaa"))
    }
}

/// Runs a tool and returns its standard output.
enum EXRTestsShared {
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) failed")
        return text
    }
}

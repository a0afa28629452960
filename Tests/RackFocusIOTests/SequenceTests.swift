import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

@Suite struct SequenceTests {
    @Test func parsesFrameRanges() throws {
        #expect(try FrameRange(parsing: "1001-1004").frames == [1001, 1002, 1003, 1004])
        #expect(try FrameRange(parsing: "1-10x3").frames == [1, 4, 7, 10])
        #expect(try FrameRange(parsing: "1,5,9").frames == [1, 5, 9])
        #expect(try FrameRange(parsing: "9, 1-3, 2").frames == [1, 2, 3, 9])
        #expect(try FrameRange(parsing: "-3--1").frames == [-3, -2, -1])
        #expect(try FrameRange(parsing: "7").frames == [7])
        for bad in ["", "a-b", "5-1", "1-10x0", "1-10x", "1,,2", "3x2", "1-99999999"] {
            #expect(throws: FrameRange.ParseError.self) { try FrameRange(parsing: bad) }
        }
        #expect(FrameRange(frames: [1003, 1001, 1002, 1010, 1012, 1011]).description == "1001-1003, 1010-1012")
    }

    /// The syntaxes farms send: Deadline/OpenJD's START-END:STEP, Houdini's START:END[:STEP].
    @Test func parsesFarmFrameRanges() throws {
        #expect(try FrameRange(parsing: "1001-1009:2").frames == [1001, 1003, 1005, 1007, 1009])
        #expect(try FrameRange(parsing: "1001:1004").frames == [1001, 1002, 1003, 1004])
        #expect(try FrameRange(parsing: "1:10:3").frames == [1, 4, 7, 10])
        #expect(try FrameRange(parsing: "-5:-3,7").frames == [-5, -4, -3, 7])
        #expect(try FrameRange(parsing: "1,3,7-20:5").frames == [1, 3, 7, 12, 17])
        for bad in ["1-9:0", "1-9:2:3", "1::9", "1:", ":5", "5:1", "1-9:x"] {
            #expect(throws: FrameRange.ParseError.self, "\(bad)") { try FrameRange(parsing: bad) }
        }
        // Range text for farms reads back to the same frames.
        for frames in [[1001, 1002, 1003, 1004], [1, 3, 5, 7, 9], [1, 5, 12], [1, 2, 4, 6, 8, 9], [-3, -2, 7]] {
            let text = FrameRange.text(frames)
            #expect(!text.contains(" "))
            #expect(try FrameRange(parsing: text).frames == frames, "\(text)")
        }
        #expect(FrameRange.text([1001, 1002, 1003, 1010]) == "1001-1003,1010")
        #expect(FrameRange.text([1, 3, 5, 7]) == "1-7:2")
    }

    /// Ranges at the ends of Int: counted without overflow (this one trapped with exit 132), and those
    /// that fit expand without stepping past Int.max.
    @Test func frameRangesAtTheEndsOfIntAreRefusedOrExpandedWithoutTrapping() throws {
        let huge = #expect(throws: FrameRange.ParseError.self) { try FrameRange(parsing: "-9223372036854775808-9223372036854775807") }
        #expect(huge?.reason == "more than 1000000 frames")
        #expect(throws: FrameRange.ParseError.self) { try FrameRange(parsing: "0-9223372036854775807x2") }
        #expect(throws: FrameRange.ParseError.self) { try FrameRange(parsing: "9223372036854775808") }
        #expect(try FrameRange(parsing: "9223372036854775805-9223372036854775807x2").frames == [Int.max - 2, Int.max])
        #expect(try FrameRange(parsing: "-9223372036854775808--9223372036854775807").frames == [Int.min, Int.min + 1])
    }

    @Test func expandsPatterns() throws {
        #expect(try SequencePattern("plate.%04d.png").path(for: 7) == "plate.0007.png")
        #expect(try SequencePattern("plate.%d.png").path(for: 1001) == "plate.1001.png")
        #expect(try SequencePattern("plate.####.png").path(for: 12) == "plate.0012.png")
        #expect(try SequencePattern("a/b.##.png").path(for: 123) == "a/b.123.png")
        #expect(try SequencePattern("100%%.%03d.png").path(for: 5) == "100%.005.png")
        let still = try SequencePattern("still.png")
        #expect(still.isStill && still.path(for: 99) == "still.png")
        for bad in ["a.%04d.%04d.png", "a.%s.png", "a.##.%d.png"] {
            #expect(throws: SequencePattern.ParseError.self) { try SequencePattern(bad) }
        }
    }

    @Test func listsFramesOnDiskAndReportsAllMissingFramesAtOnce() throws {
        let pattern = try SequencePattern(Fixtures.path("demo/rgb.%04d.png"))
        #expect(pattern.framesOnDisk() == Array(1001...1024))
        let error = #expect(throws: ImageFileError.self) { try pattern.checkFramesExist([1000, 1001, 1024, 1025, 1026, 1030]) }
        #expect(error?.kind == .missingFrames)
        #expect(error?.message == "4 of 6 frames missing: 1000, 1025-1026, 1030")
    }

    @Test func writesAtomicallyAndNeverOverAnInput() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/out.png"
        let image = RasterImage(width: 2, height: 2, channels: 1, samples: .uint8([1, 2, 3, 4]))
        try ImageFile.write(image, to: target)
        #expect(try ImageFile.read(target) == image)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.png"])

        let missingFolder = #expect(throws: ImageFileError.self) { try ImageFile.write(image, to: folder + "/nope/out.png") }
        #expect(missingFolder?.message.contains("does not exist") == true)

        var inputs = InputGuard()
        inputs.addInput(target)
        let clash = #expect(throws: ImageFileError.self) { try inputs.checkOutput(folder + "/./out.png") }
        #expect(clash?.kind == .overwritesInput)
        try inputs.checkOutput(folder + "/other.png")

        let unknown = #expect(throws: ImageFileError.self) { try ImageFile.write(image, to: folder + "/out.tiff") }
        #expect(unknown?.message.contains("unknown output format") == true)
    }

    @Test func probeReportsDepthRange() throws {
        let probe = try ImageFile.probe(Fixtures.path("demo/depth.1001.png"))
        #expect(probe.format == .png && probe.bitDepth == 16 && probe.channels == 1)
        #expect(probe.width == 480 && probe.height == 270)
        let range = try #require(probe.range)
        #expect(range.lowerBound > 0 && range.upperBound <= 65535)
        let pfm = try ImageFile.probe(Fixtures.path("demo/depth.1001.pfm"))
        #expect(pfm.bitDepth == 32)
        #expect(abs(pfm.range!.lowerBound - 0.98) < 0.01 && abs(pfm.range!.upperBound - 8.0) < 0.01)
    }
}

import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// Movies in and out through the real ffmpeg and ffprobe (Debian's `ffmpeg`, which CI installs).
@Suite(.serialized, .timeLimit(.minutes(5))) struct VideoTests {
    typealias CLI = CLITests

    static func ffmpeg(_ arguments: [String], in folder: String) throws {
        let result = try ChildProcess.run("/usr/bin/ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments, in: folder)
        #expect(result.status == 0, "ffmpeg \(arguments): \(result.stderr)")
    }

    /// ffprobe's view of a file's streams.
    static func streams(_ path: String) throws -> [[String: Any]] {
        let result = try ChildProcess.run("/usr/bin/ffprobe", ["-v", "error", "-show_streams", "-of", "json", path], in: "/")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object?["streams"] as? [[String: Any]] ?? []
    }

    /// The demo frames as an H.264 clip with AAC audio at 24000/1001, tagged BT.709, timecode 01:00:00:00.
    static func demoClip(_ folder: String, name: String = "clip.mp4") throws -> String {
        try ffmpeg(["-framerate", "24000/1001", "-start_number", "1001", "-i", CLI.packageRoot + "/Fixtures/demo/rgb.%04d.png",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=1.2", "-vf", "zscale=matrix=709:range=limited,format=yuv420p",
                    "-c:v", "libx264", "-crf", "12", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
                    "-color_range", "tv", "-c:a", "aac", "-shortest", "-timecode", "01:00:00:00", name], in: folder)
        return folder + "/" + name
    }

    @Test func movieInMovieOutKeepsRateAudioTagsAndPicture() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clip = try Self.demoClip(folder)
        let probe = try CLI.run(["probe", clip])
        #expect(probe.status == 0 && probe.stdout.contains("h264 480x270, 24 frames at 24000/1001 fps, yuv420p, matrix bt709, range tv"), "\(probe.stdout)")
        #expect(probe.stdout.contains("timecode 01:00:00:00") && probe.stdout.contains("1 audio stream (aac)"))

        let render = try CLI.run(["render", "Fixtures/demo/shot.json", "--rgb", clip, "--first-frame", "1001", "--output", folder + "/out.mov"])
        #expect(render.status == 0, "\(render.stderr)")
        let streams = try Self.streams(folder + "/out.mov")
        let video = streams.first { $0["codec_type"] as? String == "video" } ?? [:]
        #expect(video["codec_name"] as? String == "prores" && video["profile"] as? String == "HQ" && video["pix_fmt"] as? String == "yuv422p10le")
        #expect(video["r_frame_rate"] as? String == "24000/1001" && video["nb_frames"] as? String == "24")
        #expect(video["color_space"] as? String == "bt709" && video["color_transfer"] as? String == "bt709" && video["color_primaries"] as? String == "bt709")
        #expect((video["tags"] as? [String: Any])?["timecode"] as? String == "01:00:00:00")
        #expect(streams.contains { $0["codec_type"] as? String == "audio" && $0["codec_name"] as? String == "aac" }, "audio carried")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: folder)).contains { $0.contains("rftmp") })

        // The picture: the movie's frames against the image-sequence render, within the codecs' error.
        try Self.ffmpeg(["-i", "out.mov", "-vf", "zscale=matrixin=709:rangein=limited:range=full,format=rgb24", "-start_number", "1001", "m.%04d.png"], in: folder)
        let sequence = try CLI.run(["render", "Fixtures/demo/shot.json", "--frames", "1001,1012,1024", "--output", folder + "/s.%04d.png", "--quiet"])
        #expect(sequence.status == 0)
        let compare = try CLI.run(["compare", folder + "/s.%04d.png", folder + "/m.%04d.png", "--frames", "1001,1012,1024", "--min-psnr", "33"])
        #expect(compare.status == 0, "\(compare.stdout)")
    }

    @Test func aFrameSubsetBecomesAnMP4WithItsTimecode() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clip = try Self.demoClip(folder, name: "clip.mov")
        let render = try CLI.run(["render", "Fixtures/demo/shot.json", "--rgb", clip, "--first-frame", "1001", "--frames", "1005-1010",
                                  "--output", folder + "/part.mp4", "--quiet"])
        #expect(render.status == 0, "\(render.stderr)")
        let streams = try Self.streams(folder + "/part.mp4")
        let video = streams.first { $0["codec_type"] as? String == "video" } ?? [:]
        #expect(video["codec_name"] as? String == "h264" && video["pix_fmt"] as? String == "yuv420p" && video["nb_frames"] as? String == "6")
        #expect(video["color_space"] as? String == "bt709")
        #expect((video["tags"] as? [String: Any])?["timecode"] as? String == "01:00:00:04", "\(video)")
        #expect(streams.contains { $0["codec_type"] as? String == "audio" })
    }

    /// FFV1 keeps 16-bit RGB exactly: the .mkv's frames are the 16-bit PNG render's, bit for bit; and
    /// a depth pass stored as FFV1 gray16le renders exactly as the PNG depth sequence.
    @Test func ffv1RoundTripsSixteenBitExactly() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = ["--frames", "1001-1003", "--quiet"]
        #expect(try CLI.run(["render", "Fixtures/demo/shot.json", "--bit-depth", "16", "--output", folder + "/p.%04d.png"] + frames).status == 0)
        let movie = try CLI.run(["render", "Fixtures/demo/shot.json", "--output", folder + "/m.mkv"] + frames)
        #expect(movie.status == 0, "\(movie.stderr)")
        try Self.ffmpeg(["-i", "m.mkv", "-pix_fmt", "rgb48be", "-start_number", "1001", "x.%04d.png"], in: folder)
        #expect(try CLI.run(["compare", folder + "/p.%04d.png", folder + "/x.%04d.png"]).status == 0)

        try Self.ffmpeg(["-start_number", "1001", "-i", CLI.packageRoot + "/Fixtures/demo/depth.%04d.png", "-frames:v", "3",
                         "-c:v", "ffv1", "-pix_fmt", "gray16le", "depth.mkv"], in: folder)
        let fromMovie = try CLI.run(["render", "Fixtures/demo/shot.json", "--depth", folder + "/depth.mkv", "--first-frame", "1001",
                                     "--output", folder + "/d.%04d.png"] + frames)
        #expect(fromMovie.status == 0, "\(fromMovie.stderr)")
        #expect(!fromMovie.stderr.contains("warning"), "\(fromMovie.stderr)")
        #expect(try CLI.run(["render", "Fixtures/demo/shot.json", "--output", folder + "/q.%04d.png"] + frames).status == 0)
        #expect(try CLI.run(["compare", folder + "/q.%04d.png", folder + "/d.%04d.png"]).status == 0)
    }

    /// Saturated bars through H.264: BT.709 limited, full range, and untagged HD come back with 8x8
    /// block means within 2 code values of ffmpeg's decode with the right parameters, where the
    /// wrong matrix or range is off by 5 or more.
    @Test func coloursComeBackWithTheRightMatrixAndRange() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (w, h) = (1280, 720)
        let bars: [[UInt8]] = [[235, 235, 235], [235, 235, 16], [16, 235, 235], [16, 235, 16], [235, 16, 235], [235, 16, 16], [16, 16, 235], [40, 40, 40]]
        var rgb = [UInt8]()
        for _ in 0..<h { for x in 0..<w { rgb += bars[x * bars.count / w] } }
        try ImageFile.write(RasterImage(width: w, height: h, channels: 3, samples: .uint8(rgb)), to: folder + "/bars.png")
        try ImageFile.write(RasterImage(width: w, height: h, channels: 1, samples: .uint16([UInt16](repeating: 3000, count: w * h))), to: folder + "/z.png")
        let cases: [(name: String, encode: [String], decode: String, wrong: String)] = [
            ("limited", ["-vf", "zscale=matrix=709:range=limited,format=yuv420p", "-colorspace", "bt709", "-color_range", "tv"],
             "matrixin=709:rangein=limited", "matrixin=709:rangein=full"),
            ("full", ["-vf", "zscale=matrix=709:range=full,format=yuvj420p", "-colorspace", "bt709", "-color_range", "pc"],
             "matrixin=709:rangein=full", "matrixin=709:rangein=limited"),
            ("untagged", ["-vf", "zscale=matrix=709:range=limited,format=yuv420p,setparams=colorspace=unknown:color_trc=unknown:color_primaries=unknown:range=unknown"],
             "matrixin=709:rangein=limited", "matrixin=170m:rangein=limited"),
        ]
        func blockMeans(_ path: String) throws -> [Double] {
            let image = try ImageFile.read(path)
            var means: [Double] = []
            for by in stride(from: 8, to: h - 8, by: 96) {
                for bx in stride(from: 24, to: w - 8, by: 80) {
                    for c in 0..<3 {
                        var sum = 0.0
                        for y in by..<by + 8 { for x in bx..<bx + 8 { sum += Double(image.value(x: x, y: y, channel: c)) } }
                        means.append(sum / 64 * 255 / Double(image.maxCode))  // in 8-bit code values
                    }
                }
            }
            return means
        }
        for c in cases {
            try Self.ffmpeg(["-i", "bars.png", "-frames:v", "1"] + c.encode + ["-c:v", "libx264", "-crf", "0", "\(c.name).mp4"], in: folder)
            let render = try CLI.run(["render", "--rgb", folder + "/\(c.name).mp4", "--depth", folder + "/z.png", "--math", "depth",
                                      "--depth-range", "0,65.535", "--size", "0", "--focus", "3", "--output", folder + "/\(c.name).out.png", "--quiet"])
            #expect(render.status == 0, "\(c.name): \(render.stderr)")
            if c.name == "untagged" { #expect(render.stderr.contains("no colour matrix tag; assuming BT.709"), "\(render.stderr)") }
            // (16-bit: zscale finds no path to 8-bit RGB from an untagged stream.)
            for (name, parameters) in [("ref", c.decode), ("wrong", c.wrong)] {
                try Self.ffmpeg(["-i", "\(c.name).mp4", "-vf", "zscale=\(parameters):range=full,format=gbrp16le", "-pix_fmt", "rgb48be",
                                 "\(c.name).\(name).png"], in: folder)
            }
            let ours = try blockMeans(folder + "/\(c.name).out.png"), reference = try blockMeans(folder + "/\(c.name).ref.png"),
                wrong = try blockMeans(folder + "/\(c.name).wrong.png")
            let error = zip(ours, reference).map { abs($0 - $1) }.max() ?? .infinity
            let mistake = zip(wrong, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 2, "\(c.name): block means off by \(error)")
            #expect(mistake >= 5, "\(c.name): the wrong decode is only \(mistake) off; the test would not see a mistake")
        }
    }

    @Test func failuresAreClearAndLeaveNoMovie() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clip = try Self.demoClip(folder)
        // No ffmpeg on PATH.
        let missing = try ChildProcess.run(CLI.executable, ["render", "Fixtures/demo/shot.json", "--rgb", clip, "--output", folder + "/a.mov"],
                                           in: CLI.packageRoot, environment: ["PATH": "/nonexistent"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: ffprobe: not found on PATH: video needs FFmpeg (Debian: apt-get install ffmpeg)\n", "\(missing.stderr)")
        // RGB and depth movies that disagree: refused before rendering.
        try Self.ffmpeg(["-start_number", "1001", "-i", CLI.packageRoot + "/Fixtures/demo/depth.%04d.png", "-frames:v", "20",
                         "-c:v", "ffv1", "-pix_fmt", "gray16le", "depth20.mkv"], in: folder)
        let counts = try CLI.run(["render", "Fixtures/demo/shot.json", "--rgb", clip, "--depth", folder + "/depth20.mkv", "--output", folder + "/b.mov"])
        #expect(counts.status == 2 && counts.stderr.contains("the depth movie has 20 frames of 480x270, the RGB movie 24 of 480x270"), "\(counts.stderr)")
        // A truncated movie: ffmpeg stops early (exit 0 for some containers); the frame count says so.
        try Self.ffmpeg(["-i", clip, "-c:v", "ffv1", "-an", "whole.mkv"], in: folder)
        let bytes = try FileSystem.read(folder + "/whole.mkv")
        try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count * 2 / 3)), to: folder + "/cut.mkv")
        let cut = try CLI.run(["render", "Fixtures/demo/shot.json", "--rgb", folder + "/cut.mkv", "--first-frame", "1001", "--frames", "1001-1024",
                               "--output", folder + "/c.mov", "--quiet"])
        #expect(cut.status == 2, "\(cut.stderr)")
        // (ffprobe counts the packets left; frames asked beyond them are refused before rendering.)
        #expect(cut.stderr.hasPrefix("error: \(folder)/cut.mkv: ") && cut.stderr.contains("of 24 frames are not in the movie (frames 1001-"), "\(cut.stderr)")
        // Odd sizes cannot be H.264 4:2:0.
        try ImageFile.write(RasterImage(width: 13, height: 9, channels: 1, samples: .uint16([UInt16](repeating: 2000, count: 117))), to: folder + "/z13.png")
        let odd = try CLI.run(["render", "--rgb", "Fixtures/codecs/rgb8.png", "--depth", folder + "/z13.png", "--math", "depth", "--size", "2",
                               "--focus", "1", "--output", folder + "/odd.mp4"])
        #expect(odd.status == 2 && odd.stderr.contains("H.264 4:2:0 needs an even width and height, and the frames are 13x9"), "\(odd.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(!left.contains { $0.hasSuffix(".mov") || $0.hasSuffix(".mp4") && $0 != "clip.mp4" || $0.contains("rftmp") }, "\(left)")
    }

    /// Ctrl-C while the encoder is writing: exit 130, no movie and no partial file.
    @Test func interruptMidEncodeLeavesNoMovie() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.packageRoot)
        process.arguments = ["render", "Fixtures/demo/shot.json", "--rgb", "Fixtures/demo/rgb.1001.png", "--depth", "Fixtures/demo/depth.1001.png",
                             "--frames", "1-100000", "--threads", "1", "--quiet", "--output", folder + "/long.mkv"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the encoder has written frames into its temporary movie, then interrupt.
        let deadline = Date().addingTimeInterval(120)
        func temporarySize() -> Int {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.contains("rftmp") }.compactMap {
                (try? FileManager.default.attributesOfItem(atPath: folder + "/" + $0))?[.size] as? Int
            }.max() ?? 0
        }
        while Date() < deadline && temporarySize() < 50_000 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(temporarySize() >= 50_000, "the encoder never wrote")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        Thread.sleep(forTimeInterval: 0.5)  // ffmpeg ends once its input closes
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left.isEmpty, "left behind: \(left)")
    }
}

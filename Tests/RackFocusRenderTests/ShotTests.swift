import Foundation
import Testing
@testable import RackFocusRender
import RackFocusEngine
import RackFocusTimeline

enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

@Suite struct ShotFileTests {
    static func decode(_ json: String) throws(ShotError) -> Shot {
        try Shot.decode(json: Data(json.utf8), path: "dir/shot.json")
    }

    static func failure(_ json: String) -> String? {
        do { _ = try decode(json) } catch { return error.description }
        return nil
    }

    @Test func demoShotFileDecodesIntoTypedFields() throws {
        let shot = try Shot.load(path: Paths.root + "/Fixtures/demo/shot.json")
        #expect(shot.rgb == Paths.root + "/Fixtures/demo/rgb.%04d.png")
        #expect(shot.output == Paths.root + "/out/demo.%04d.png")
        #expect(shot.frames == "1001-1024" && shot.math == .depth && shot.depthUnit == .m)
        #expect(shot.fstop == [ValueKey(0.8242)] && shot.breathing == .off && shot.depthRange == DepthRange(near: 0.9, far: 8.1))
        #expect(shot.focus == [FocusKey(frame: 1001, .distance(Length(1.2))), FocusKey(frame: 1024, .distance(Length(8, unit: .m)), easing: .easeInOut)])
        try shot.validate()
    }

    /// Every form a value may take in the file, and relative paths anchored at the file's folder.
    @Test func everyFormOfEveryKind() throws {
        let shot = try Self.decode("""
            {"rgb": "in/rgb.%04d.exr", "depth": "/abs/z.%04d.exr", "output": "../out/o.%04d.exr", "frames": "1-9x2",
             "plate": ["fg.png@1.5m", {"image": "mid.png", "depth": [{"frame": 1, "value": 2}, "9:3:ease-in"]}, {"image": "bg.png", "depth-map": "bgz.png"}],
             "math": "neg-depth", "depth-range": [1, 9], "near-white": true, "depth-unit": "cm",
             "focal-length": 50, "fstop": ["1:2.8", {"frame": 9, "value": 4, "ease": "smoothstep"}], "sensor-width": 24.89, "breathing": "off",
             "filter": "bladed", "blades": 7, "rotation": -15, "roundness": 0.3, "bloom": true, "bloom-threshold": 0.7, "bloom-gain": 4,
             "focus": [{"frame": 1, "distance": 120}, "5:@10,20:hold", {"frame": 9, "distance": "3ft"}], "ease": "cubic-bezier(0.2,0,0.2,1)", "interpolation": "distance",
             "pick-radius": 2, "layers": 8, "threads": 1, "quiet": true, "skip-existing": true, "bit-depth": 16, "quality": 80,
             "view": "focal-plane", "png-smallest": true, "exr-type": "float", "exr-compression": "dwab", "memory-limit": 900,
             "resize-depth": true, "rgb-layer": "beauty", "rgb-part": "p", "depth-channel": "Z", "depth-part": "q"}
            """)
        #expect(shot.rgb == "dir/in/rgb.%04d.exr" && shot.depth == "/abs/z.%04d.exr" && shot.output == "out/o.%04d.exr")
        #expect(shot.plates == [
            PlateSpec(image: "dir/fg.png", depth: .keys([LengthKey(Length(1.5, unit: .m))])),
            PlateSpec(image: "dir/mid.png", depth: .keys([LengthKey(frame: 1, Length(2)), LengthKey(frame: 9, Length(3), easing: .easeIn)])),
            PlateSpec(image: "dir/bg.png", depth: .map("dir/bgz.png")),
        ])
        #expect(shot.math == .negativeDepth && shot.depthUnit == .cm && shot.nearWhite)
        #expect(shot.fstop == [ValueKey(frame: 1, 2.8), ValueKey(frame: 9, 4, easing: .smoothstep)])
        #expect(shot.filter == .bladed && shot.blades == 7 && shot.rotation == -15)
        #expect(shot.focus == [FocusKey(frame: 1, .distance(Length(120))), FocusKey(frame: 5, .point(PixelPoint(x: 10, y: 20)), easing: .hold),
                               FocusKey(frame: 9, .distance(Length(3, unit: .ft)))])
        #expect(shot.ease == .cubicBezier(0.2, 0, 0.2, 1) && shot.interpolation == .distance && shot.view == .focalPlane)
        #expect(shot.exrType == .float && shot.exrCompression == .dwab && shot.bitDepth == 16 && shot.memoryLimit == 900)
        #expect(shot.rgbLayer == "beauty" && shot.depthPart == "q" && shot.resizeDepth && shot.pngSmallest && shot.skipExisting)
        // Unit-less focus distances are in the depth unit (cm here).
        #expect(try shot.focusTrack().keys.first?.target == .distance(1.2))
        #expect(try Self.decode(#"{"focus": 120}"#).focus == [FocusKey(.distance(Length(120)))])
        #expect(try Self.decode(#"{"focus": "2.5m"}"#).focus == [FocusKey(.distance(Length(2.5, unit: .m)))])
    }

    /// Encoding writes the file's vocabulary back, and decoding that gives the same shot.
    @Test func encodesAndDecodesBackToTheSameShot() throws {
        var shot = try Shot.load(path: Paths.root + "/Fixtures/demo/shot.json")
        shot.plates = [try PlateSpec(parsing: "/p/a.png@1:2+11:4m:ease-in"), PlateSpec(image: "/p/b.png", depth: .map("/p/bz.png"))]
        shot.math = .negativeFarZero
        shot.size = [ValueKey(frame: 3, 12, easing: .cubicBezier(0.1, 0.2, 0.3, 0.4))]
        shot.focus.append(FocusKey(frame: 1030, .point(PixelPoint(x: 3.5, y: 7))))
        shot.exrCompression = .none
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(shot)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""math":"far=-0""#) && text.contains(#""focus":["1001:1.2","1024:8.0m:ease-in-out","1030:@3.5,7.0"]"#), "\(text)")
        #expect(try Shot.decode(json: data, path: "/elsewhere/shot.json") == shot)
        #expect(String(decoding: try encoder.encode(Shot()), as: UTF8.self) == "{}")
    }

    @Test func errorsNameTheFileAndTheKeyPath() {
        #expect(Self.failure(#"{"focus": [1, {"frame": 5, "distance": 3, "ease": "ease-inn"}]}"#)?
            .hasPrefix("dir/shot.json: focus[1].ease: unknown easing \"ease-inn\"; expected one of linear, hold") == true)
        #expect(Self.failure(#"{"fcal-length": 50}"#)?.hasPrefix("dir/shot.json: fcal-length: unknown key; expected one of bit-depth, blades") == true)
        #expect(Self.failure(#"{"focal-length": "fifty"}"#) == "dir/shot.json: focal-length: expected a number")
        #expect(Self.failure(#"{"bloom": 1}"#) == "dir/shot.json: bloom: expected true or false")
        #expect(Self.failure(#"{"blades": true}"#) == "dir/shot.json: blades: expected a whole number")
        #expect(Self.failure(#"{"layers": 2.5}"#) == "dir/shot.json: layers: expected a whole number")
        #expect(Self.failure(#"{"focus": [{"frame": 1, "point": [3]}]}"#) == "dir/shot.json: focus[0].point: expected [X, Y] in pixels")
        #expect(Self.failure(#"{"focus": [{"frame": 1e30, "distance": 2}]}"#) == "dir/shot.json: focus[0].frame: expected a whole frame number")
        #expect(Self.failure(#"{"focus": [{"frame": 1, "distance": 2, "speed": 3}]}"#) == "dir/shot.json: focus[0].speed: unknown key; expected frame, distance, point, ease")
        #expect(Self.failure(#"{"focus": []}"#) == "dir/shot.json: focus: expected at least one key")
        #expect(Self.failure(#"{"view": "focus"}"#) == "dir/shot.json: view: unknown value \"focus\"; expected one of result, focal-plane, coc, depth, layers")
        #expect(Self.failure(#"{"exr-compression": "jpeg"}"#)?.hasPrefix("dir/shot.json: exr-compression: unknown value \"jpeg\"; expected one of none, rle, zips") == true)
        #expect(Self.failure(#"{"depth-range": [1]}"#) == "dir/shot.json: depth-range: expected [NEAR, FAR], two numbers")
        #expect(Self.failure(#"{"plate": [{"image": "a.png"}]}"#) == "dir/shot.json: plate[0].depth: expected a distance or keys")
        #expect(Self.failure(#"{"rgb": ""}"#) == "dir/shot.json: rgb: expected a file name or pattern")
        #expect(Self.failure(#"{"rgb": "a.png","#)?.hasPrefix("dir/shot.json: not valid JSON") == true)
        #expect(Self.failure(#"[1, 2]"#) == "dir/shot.json: the top level must be a JSON object")
    }
}

@Suite struct ShotValidationTests {
    static var demo: Shot {
        var shot = Shot()
        shot.rgb = "rgb.%04d.png"
        shot.depth = "depth.%04d.png"
        shot.focalLength = 50
        shot.fstop = [ValueKey(2)]
        shot.focus = [FocusKey(.distance(Length(2)))]
        return shot
    }

    static func failure(_ change: (inout Shot) -> Void) -> String? {
        var shot = demo
        change(&shot)
        do { try shot.validate() } catch { return error.description }
        return nil
    }

    /// Every value outside its documented range is refused, whatever else is set (`--roundness 5`
    /// and `--bloom-threshold 2` were accepted with the disc filter and without --bloom).
    @Test func valuesOutsideTheirRangeAreRefused() {
        #expect(Self.failure { _ in } == nil)
        #expect(Self.failure { $0.roundness = 5 } == "--roundness must be 0 to 1, got 5.0")
        #expect(Self.failure { $0.bloomThreshold = 2 } == "--bloom-threshold must be 0 to 1 (linear luminance), got 2.0")
        #expect(Self.failure { $0.bloomGain = -1 } == "--bloom-gain must be 0 or more, got -1.0")
        #expect(Self.failure { $0.blades = 2 } == "--blades must be 3 to 16")
        #expect(Self.failure { $0.fstop = [ValueKey(-2)] } == "--fstop must be positive, got -2.0")
        #expect(Self.failure { $0.fstop = [ValueKey(frame: 1, 2), ValueKey(3)] } == "--fstop: with several keys each must be FRAME:VALUE[:EASING]")
        #expect(Self.failure { $0.maximum = 0 } == "--maximum must be above 0 and at most 512 px")
        #expect(Self.failure { $0.layers = 65 } == "--layers must be 1 to 64")
        #expect(Self.failure { $0.threads = -1 } == "--threads must be 0 or more")
        #expect(Self.failure { $0.quality = 0 } == "--quality must be 1 to 100")
        #expect(Self.failure { $0.bitDepth = 12 } == "--bit-depth must be 8 or 16")
        #expect(Self.failure { $0.pickRadius = 65 } == "--pick-radius must be 0 to 64")
        #expect(Self.failure { $0.memoryLimit = 0 } == "--memory-limit must be positive")
        #expect(Self.failure { $0.depthRange = DepthRange(near: 5.9, far: 4.1) }?.hasSuffix("NEAR must be below FAR (use --near-white to flip the map)") == true)
        #expect(Self.failure { $0.frames = "-9223372036854775808-9223372036854775807" }?.hasSuffix("more than 1000000 frames") == true)
        #expect(Self.failure { $0.focus = [] } == "give --focus DIST, or keyframes --focus FRAME:VALUE[:EASING]")
        #expect(Self.failure { $0.focalPoint = PixelPoint(x: 1, y: 2) } == "give either --focal-point or --focus, not both")
        #expect(Self.failure { $0.depth = nil } == "give both --rgb and --depth, or neither (plates only)")
        #expect(Self.failure { $0.focalLength = nil } == "give a physical lens (--focal-length MM --fstop N [--sensor-width MM]) or an artistic one (--size PX)")
    }

    @Test func keyTextIsParsedOnceForEveryKindOfKey() throws {
        #expect(try FocusKey(parsing: "1001:150cm:ease-in", name: "--focus") == FocusKey(frame: 1001, .distance(Length(150, unit: .cm)), easing: .easeIn))
        #expect(try FocusKey(parsing: " 7 : @240,135 ", name: "--focus") == FocusKey(frame: 7, .point(PixelPoint(x: 240, y: 135))))
        #expect(try ValueKey(parsing: "12:2.8:cubic-bezier(0,0,1,1)", name: "--fstop") == ValueKey(frame: 12, 2.8, easing: .cubicBezier(0, 0, 1, 1)))
        #expect(try LengthKey(parsing: "3:5ft", name: "--plate") == LengthKey(frame: 3, Length(5, unit: .ft)))
        for (text, message) in [("x:2", "--focus \"x:2\": \"x\" is not a frame number (expected FRAME:VALUE[:EASING])"),
                                ("1:2:ease-inn", "--focus \"1:2:ease-inn\": unknown easing \"ease-inn\""),
                                ("1:@3", "--focus \"1:@3\": a point is @X,Y in pixels, e.g. @240,135"),
                                ("1:-2m", "--focus \"1:-2m\": \"-2m\" is not a positive distance"),
                                ("99999999999999999999:2", "is not a frame number")] {
            #expect(throws: ShotError.self) { try FocusKey(parsing: text, name: "--focus") }
            do { _ = try FocusKey(parsing: text, name: "--focus") } catch { #expect(error.description.contains(message), "\(error)") }
        }
    }
}

import ArgumentParser
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline

/// `rackfocus render`: refocus a still or a sequence.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Refocus RGB frames with their depth and write the defocused frames.",
        discussion: """
            Depth: --math says what depth values mean (Nuke ZDefocus names): depth (distance), far=0 \
            (1/distance), far=1 (1 - 1/distance), direct (the value is the blur radius in px, times --size), \
            and their negatives. Integer depth maps (8/16-bit PNG) map code v to NEAR + (FAR - NEAR) * v / max \
            with --depth-range NEAR,FAR (without it, v / max); --near-white flips them. Float depth (PFM) is \
            used as stored. Distances are in --depth-unit (m by default).

            Lens: physical with --focal-length, --fstop and --sensor-width (mm), focus breathing on or off; or \
            artistic with --size (blur radius in px at infinity, as Nuke ZDefocus) and --dof.

            Blur is computed in linear light; 8/16-bit inputs are decoded from sRGB and outputs encoded to \
            sRGB (PFM output stays linear float).

            Frames are read, rendered and written at the same time (three stages), using every core. On a \
            terminal a progress bar shows frames, frames/s and ETA; otherwise one line per frame. Exit codes: \
            0 done, 1 the render failed, 2 bad usage or bad input.
            """)

    @Argument(help: ArgumentHelp("A JSON shot file (see README, \"Shot files\"). Options given here override its values.", valueName: "SHOT.json"))
    var shot: String?

    @OptionGroup var inputs: InputOptions
    @OptionGroup var depth: DepthOptions
    @OptionGroup var lens: LensOptions
    @OptionGroup var bokeh: BokehOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("focus"), help: ArgumentHelp(
        "Focus: a distance (2.5 in depth units, or 2.5m, 150cm, 5ft) for the whole shot, or a keyframe FRAME:VALUE[:EASING] (repeat it), where VALUE is a distance or @X,Y (the depth under that pixel, picked on every frame) and EASING shapes the segment ending at this key.",
        valueName: "DIST|FRAME:VALUE[:EASING]"))
    var focus: [String] = []

    @Option(help: ArgumentHelp("Default easing of focus segments: linear, hold, ease-in, ease-out, ease-in-out, smoothstep, cubic-bezier(x1,y1,x2,y2).", valueName: "EASING"))
    var ease: String = "linear"

    @Option(help: ArgumentHelp("Interpolate focus in diopter (1/distance, default: blur changes evenly) or distance.", valueName: "diopter|distance"))
    var interpolation: String = "diopter"

    @Option(name: .customLong("pick-radius"), help: ArgumentHelp("Radius in pixels of the disc whose median depth an @X,Y focus point picks.", valueName: "PX"))
    var pickRadius: Int = 4

    @Option(help: "Most depth layers the frame is cut into (Nuke ZDefocus layers). More: fewer occlusion errors inside a layer, slower.")
    var layers: Int = 16

    @Option(help: "Worker threads (0 = one per core). The output is identical for any value.")
    var threads: Int = 0

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard shot == nil else { return }  // validated once the shot file is merged in
        guard inputs.rgb != nil, inputs.depth != nil, output.output != nil else {
            throw ValidationError("give --rgb, --depth and --output (or a shot file)")
        }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
        guard (1...64).contains(layers) else { throw ValidationError("--layers must be 1 to 64") }
        _ = try focusTrack()
        guard (0...64).contains(pickRadius) else { throw ValidationError("--pick-radius must be 0 to 64") }
        _ = try lens.lens(depth: depth)
        _ = try bokeh.shape()
        _ = try output.writeOptions()
    }

    /// The focus track from `--focus`, `--ease` and `--interpolation`.
    func focusTrack() throws -> FocusTrack {
        guard !focus.isEmpty else { throw ValidationError("give --focus DIST, or keyframes --focus FRAME:VALUE[:EASING]") }
        let unit = try depth.interpretation().metresPerUnit
        let defaultEasing: Easing
        do { defaultEasing = try Easing(parsing: ease) } catch { throw ValidationError("--ease: \(error.description)") }
        guard let space = FocusTrack.Space(rawValue: interpolation) else {
            throw ValidationError("--interpolation \"\(interpolation)\": expected diopter or distance")
        }
        var keys: [FocusTrack.Key] = []
        for text in focus {
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 1 {
                guard focus.count == 1 else {
                    throw ValidationError("--focus \"\(text)\": with several --focus options each must be FRAME:VALUE[:EASING]")
                }
                keys.append(FocusTrack.Key(frame: 0, target: try Self.target(parts[0], unit: unit, option: text)))
                continue
            }
            guard let frame = Int(parts[0].trimmingWhitespace()) else {
                throw ValidationError("--focus \"\(text)\": \"\(parts[0])\" is not a frame number (expected FRAME:VALUE[:EASING])")
            }
            var easing: Easing?
            if parts.count == 3 {
                do { easing = try Easing(parsing: parts[2]) } catch { throw ValidationError("--focus \"\(text)\": \(error.description)") }
            }
            keys.append(FocusTrack.Key(frame: frame, target: try Self.target(parts[1], unit: unit, option: text), easing: easing))
        }
        do {
            return try FocusTrack(keys: keys, defaultEasing: defaultEasing, space: space)
        } catch {
            throw ValidationError("--focus: \(error.description)")
        }
    }

    static func target(_ text: String, unit: Double, option: String) throws -> FocusTrack.Target {
        let value = text.trimmingWhitespace()
        if value.hasPrefix("@") {
            let numbers = value.dropFirst().split(separator: ",").map { Double(String($0).trimmingWhitespace()) }
            guard numbers.count == 2, let x = numbers[0], let y = numbers[1], x.isFinite, y.isFinite else {
                throw ValidationError("--focus \"\(option)\": a point is @X,Y in pixels, e.g. @240,135")
            }
            return .point(x: x, y: y)
        }
        guard let metres = Distance.parse(value, defaultMetresPerUnit: unit), metres > 0 else {
            throw ValidationError("--focus \"\(option)\": \"\(value)\" is not a positive distance (e.g. 2.5, 2.5m, 150cm, 5ft)")
        }
        return .distance(metres)
    }

    func run() throws {
        if let shot {
            // The shot file's settings, then the command line's (which replace the file's option by option).
            let given = CommandLine.arguments.dropFirst()
            let fileArguments: [String]
            do { fileArguments = try ShotFile.arguments(from: shot) } catch let error as ShotFile.Error {
                throw ImageFileError(path: error.path, kind: .corrupt, message: error.message)
            }
            let cli = Array(given.drop { $0 != "render" }.dropFirst()).filter { $0 != shot }
            let overridden = ShotFile.optionsGiven(cli)
            var merged: [String] = []
            var index = 0
            while index < fileArguments.count {
                let option = fileArguments[index]
                let takesValue = index + 1 < fileArguments.count && !fileArguments[index + 1].hasPrefix("--")
                if !overridden.contains(String(option.dropFirst(2))) {
                    merged.append(option)
                    if takesValue { merged.append(fileArguments[index + 1]) }
                }
                index += takesValue ? 2 : 1
            }
            var command = try RenderCommand.parse(merged + cli)
            try command.run()
            return
        }
        Interrupts.install()
        let settings = DefocusSettings(
            lens: try lens.lens(depth: depth).model(at: 0), maximumRadius: lens.maximum, aperture: try bokeh.shape(),
            highlights: bokeh.highlightBoost(), threads: threads, maximumLayers: layers)
        let job = try FrameJob(rgb: inputs.rgb!, depth: inputs.depth!, frames: inputs.frames, output: output.output!)
        let pipeline = RenderPipeline(
            job: job, engine: DefocusEngine(settings: settings), interpretation: try depth.interpretation(),
            focus: try focusTrack(), picker: FocusPicker(radius: pickRadius), lens: try lens.lens(depth: depth),
            writeOptions: try output.writeOptions(), skipExisting: output.skipExisting, quiet: quiet)
        try pipeline.run()
    }
}

/// Parses distances with optional units.
enum Distance {
    /// "2.5" (in the default unit), "2.5m", "150cm", "25mm", "5ft", "60in" -> metres.
    static func parse(_ text: String, defaultMetresPerUnit: Double) -> Double? {
        let trimmed = text.trimmingWhitespace()
        for (suffix, scale) in [("mm", 0.001), ("cm", 0.01), ("ft", 0.3048), ("in", 0.0254), ("m", 1.0)] where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value.isFinite else { return nil }
            return value * scale
        }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value * defaultMetresPerUnit
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

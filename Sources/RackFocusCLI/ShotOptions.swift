import ArgumentParser
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews

/// Everything that describes a shot, shared by `render` and `plan`: inputs, depth, lens, bokeh,
/// focus and output, from flags and/or a JSON shot file.
struct ShotOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A JSON shot file (see README, \"Shot files\"). Options given here override its values.", valueName: "SHOT.json"))
    var shot: String?

    @OptionGroup var inputs: InputOptions
    @OptionGroup var depth: DepthOptions
    @OptionGroup var lens: LensOptions
    @OptionGroup var bokeh: BokehOptions
    @OptionGroup var output: OutputOptions

    @Option(name: [.customLong("focus"), .customLong("center")], help: ArgumentHelp(
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

    @Option(help: ArgumentHelp("A 2D plate at a depth, repeated, composited front to back over the RGB + depth render (or alone): IMAGE@DIST (fg.%04d.png@1.5m), or keyed depth IMAGE@FRAME:DIST[:EASING]+FRAME:DIST... RGBA alpha is the plate's coverage.", valueName: "IMAGE@DEPTH"))
    var plate: [String] = []

    @Option(name: .customLong("focal-point"), help: ArgumentHelp("Nuke's focal_point: focus on the depth under pixel X,Y on every frame (same as --focus @X,Y).", valueName: "X,Y"))
    var focalPoint: String?

    func validate() throws {
        guard shot == nil else { return }  // validated once the shot file is merged in
        guard (inputs.rgb != nil && inputs.depth != nil) || (!plate.isEmpty && inputs.rgb == nil && inputs.depth == nil) else {
            throw ValidationError("give --rgb and --depth, or plates (--plate IMAGE@DEPTH), or a shot file")
        }
        _ = try plates()
        if inputs.depth == nil {
            guard try focusView() == .result else { throw ValidationError("--view needs the depth pass (--rgb and --depth)") }
            guard !(try focusTrack().usesPoints) else { throw ValidationError("an @X,Y focus point needs the depth pass (--depth)") }
        }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
        guard (1...64).contains(layers) else { throw ValidationError("--layers must be 1 to 64") }
        guard inputs.memoryLimit > 0 else { throw ValidationError("--memory-limit must be positive") }
        _ = try focusTrack()
        guard (0...64).contains(pickRadius) else { throw ValidationError("--pick-radius must be 0 to 64") }
        _ = try lens.lens(depth: depth)
        _ = try bokeh.shape()
        _ = try output.writeOptions()
        _ = try focusView()
    }

    func plates() throws -> [Plate] {
        let unit = try depth.interpretation().metresPerUnit
        return try plate.map { try Plate(parsing: $0, metresPerUnit: unit) }
    }

    func focusView() throws -> FocusView {
        guard let view = FocusView(rawValue: output.view) else {
            throw ValidationError("--view \"\(output.view)\": expected one of \(FocusView.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return view
    }

    /// The focus track from `--focus`, `--ease` and `--interpolation`.
    func focusTrack() throws -> FocusTrack {
        if let focalPoint {
            guard focus.isEmpty else { throw ValidationError("give either --focal-point or --focus, not both") }
            return try FocusTrack(keys: [FocusTrack.Key(frame: 0, target: try Self.target("@" + focalPoint, unit: 1, option: "--focal-point " + focalPoint))])
        }
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


    /// These options with the shot file merged in (flags given on the command line win), or
    /// themselves when no shot file is given.
    /// - Parameter ownOptions: the subcommand's own value options (e.g. "plot"), left out here.
    func resolved(subcommand: String, ownOptions: Set<String> = []) throws -> ShotOptions {
        guard let shot else { return self }
        let fileArguments: [String]
        do { fileArguments = try ShotFile.arguments(from: shot) } catch let error as ShotFile.Error {
            throw ImageFileError(path: error.path, kind: .corrupt, message: error.message)
        }
        let cli = Array(CommandLine.arguments.dropFirst().drop { $0 != subcommand }.dropFirst()).filter { $0 != shot }
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
        // Only options this group knows (a subcommand's own flags such as --plot stay with it).
        var shotArguments: [String] = []
        var skip = false
        for argument in cli {
            if skip { skip = false; continue }
            if argument.hasPrefix("--"), ownOptions.contains(String(argument.dropFirst(2).prefix { $0 != "=" })) {
                skip = !argument.contains("=")
                continue
            }
            shotArguments.append(argument)
        }
        // A bad value from the file names the file (not ArgumentParser's usage of the inner option group).
        do { return try ShotOptions.parse(merged + shotArguments) } catch {
            throw ImageFileError(path: shot, kind: .corrupt, message: ShotOptions.message(for: error)
                + (shotArguments.isEmpty ? "" : " (the shot file's options with those given on the command line)"))
        }
    }

    /// Engine settings for this shot (the lens at frame 0; keyed apertures are applied per frame).
    func engineSettings() throws -> DefocusSettings {
        DefocusSettings(lens: try lens.lens(depth: depth).model(at: 0), maximumRadius: lens.maximum, aperture: try bokeh.shape(),
                        highlights: bokeh.highlightBoost(), threads: threads, maximumLayers: layers)
    }
}

import ArgumentParser
import RackFocusCore
import RackFocusEngine
import RackFocusIO

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
            """)

    @OptionGroup var inputs: InputOptions
    @OptionGroup var depth: DepthOptions
    @OptionGroup var lens: LensOptions
    @OptionGroup var bokeh: BokehOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("focus"), help: ArgumentHelp(
        "Focus distance, in depth units or with a unit: 2.5, 2.5m, 150cm, 5ft.", valueName: "DIST"))
    var focus: String

    @Option(help: "Most depth layers the frame is cut into (Nuke ZDefocus layers). More: fewer occlusion errors inside a layer, slower.")
    var layers: Int = 16

    @Option(help: "Worker threads (0 = one per core). The output is identical for any value.")
    var threads: Int = 0

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
        guard (1...64).contains(layers) else { throw ValidationError("--layers must be 1 to 64") }
        _ = try focusMetres()
        _ = try lens.model(depth: depth)
        _ = try bokeh.shape()
    }

    func focusMetres() throws -> Double {
        guard let value = Distance.parse(focus, defaultMetresPerUnit: try depth.interpretation().metresPerUnit), value > 0 else {
            throw ValidationError("--focus \"\(focus)\" is not a positive distance (e.g. 2.5, 2.5m, 150cm, 5ft)")
        }
        return value
    }

    func run() throws {
        Interrupts.install()
        let interpretation = try depth.interpretation()
        let settings = DefocusSettings(
            lens: try lens.model(depth: depth), maximumRadius: lens.maximum, aperture: try bokeh.shape(),
            highlights: bokeh.highlightBoost(), threads: threads, maximumLayers: layers)
        let engine = DefocusEngine(settings: settings)
        let focusDistance = try focusMetres()
        let job = try FrameJob(inputs: inputs, outputPattern: output.output)
        for frame in job.frames {
            let loaded = try job.load(frame: frame, interpretation: interpretation)
            let prepared = engine.prepare(colour: loaded.colour, disparity: loaded.disparity, typicalFocus: focusDistance)
            let result = engine.render(prepared, focusDistance: focusDistance)
            let path = job.output.path(for: frame)
            try job.guardInputs.checkOutput(path)
            try ImageFile.write(result, to: path, options: output.writeOptions())
            if !quiet { print("frame \(frame): wrote \(path) (focus \(focusDistance) m, \(prepared.layerCount) layers)") }
        }
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

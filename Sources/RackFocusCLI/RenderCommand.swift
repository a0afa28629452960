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

    @OptionGroup var options: ShotOptions

    func validate() throws {
        guard options.shot == nil else { return }
        guard options.output.output != nil else { throw ValidationError("give --output (or a shot file with \"output\")") }
    }

    func run() throws {
        let shot = try options.resolved(subcommand: "render")
        guard let outputPath = shot.output.output else { throw ValidationError("give --output (or a shot file with \"output\")") }
        Interrupts.install()
        var job = try FrameJob(rgb: shot.inputs.rgb, depth: shot.inputs.depth, plates: try shot.plates(), frames: shot.inputs.frames, output: outputPath)
        job.configure(shot.inputs)
        let pipeline = RenderPipeline(
            job: job, engine: DefocusEngine(settings: try shot.engineSettings()), interpretation: try shot.depth.interpretation(),
            focus: try shot.focusTrack(), picker: FocusPicker(radius: shot.pickRadius), lens: try shot.lens.lens(depth: shot.depth),
            writeOptions: try shot.output.writeOptions(), skipExisting: shot.output.skipExisting, quiet: shot.quiet,
            view: try shot.focusView())
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

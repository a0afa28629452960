import ArgumentParser
import RackFocusRender

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

            A shot file's settings are overridden by the options given; flags can be turned off with \
            --no-NAME (--no-bloom).

            Frames are read, rendered and written at the same time (three stages), using every core. On a \
            terminal a progress bar shows frames, frames/s and ETA; otherwise one line per frame. Exit codes: \
            0 done, 1 the render failed, 2 bad usage or bad input.
            """)

    @OptionGroup var options: ShotOptions

    func run() throws {
        let shot = try options.shot()
        let job = try FrameJob(shot: shot, writesOutput: true)
        let pipeline = try RenderPipeline(shot: shot, job: job)
        for warning in (job.rgbMovie?.warnings ?? []) + (job.depthMovie?.warnings ?? []) { printError("warning: " + warning) }
        Interrupts.install()
        let report = ProgressReport(quiet: shot.quiet)
        try pipeline.run { report.handle($0) }
    }
}

import ArgumentParser
import RackFocusCore
import RackFocusDraw
import RackFocusEngine
import RackFocusIO
import RackFocusRender
import RackFocusTimeline

/// `rackfocus plan`: the pull, frame by frame, before spending time on a render.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the focus distance, aperture and blur radii of every frame; optionally plot the focus curve.",
        discussion: "Takes the same shot file and options as render (the output is not needed) and reads only the depth.")

    @OptionGroup var options: ShotOptions

    @Option(help: ArgumentHelp("Draw the focus curve over the frames, keyframes marked, as a PNG.", valueName: "FILE.png"))
    var plot: String?

    struct Row {
        var frame: Int
        var focus: Double
        var lens: String
        var nearRadius: Float
        var farRadius: Float
    }

    func run() throws {
        let shot = try options.shot()
        guard shot.depth != nil else { throw ShotError("plan needs the depth pass (--rgb and --depth)") }
        let job = try FrameJob(shot: shot, writesOutput: false)
        let interpretation = try shot.interpretation()
        let track = try shot.focusTrack()
        let lensTrack = try shot.lensTrack()
        let picker = shot.focusPicker
        var rows: [Row] = []
        var depthCache: (path: String, value: (disparity: [Float], width: Int, height: Int))?
        for frame in job.frames {
            let path = job.depth!.path(for: frame)
            let depth = depthCache?.path == path ? depthCache!.value : try job.loadDepth(frame: frame, interpretation: interpretation)
            depthCache = (path, depth)
            let distance = track.focus(at: frame) { x, y in
                picker.distance(x: x, y: y, disparity: depth.disparity, width: depth.width, height: depth.height)
            }
            let coc = lensTrack.model(at: frame).circleOfConfusion(focus: distance, imageWidth: depth.width, maximumRadius: shot.maximum)
            let nearest = depth.disparity.max() ?? 0, farthest = depth.disparity.min() ?? 0
            rows.append(Row(frame: frame, focus: distance, lens: lensTrack.describe(at: frame),
                            nearRadius: coc.radius(disparity: nearest), farRadius: coc.radius(disparity: farthest)))
        }
        print("frame      focus m   aperture        blur radius px (nearest .. farthest; < 0 in front of focus)")
        for row in rows {
            let keyed = track.keys.contains { $0.frame == row.frame } ? " key" : ""
            print("\(String(row.frame).padding(toLength: 9, withPad: " ", startingAt: 0))"
                  + " \(String(format: "%8.3f", row.focus))   \(row.lens.padding(toLength: 14, withPad: " ", startingAt: 0))"
                  + "  \(String(format: "%+7.2f", row.nearRadius)) .. \(String(format: "%+7.2f", row.farRadius))\(keyed)")
        }
        if let plot {
            try FrameJob.prepareFolder(of: plot)
            try ImageFile.write(Self.plot(rows, keys: track.keys.map(\.frame)), to: plot)
            print("plot: \(plot)")
        }
    }

    /// The focus distance over the frames on a diopter (1/distance) axis, so equal heights are equal
    /// blur changes; keyframes marked; axes labelled in frames and metres.
    static func plot(_ rows: [Row], keys: [Int]) -> RasterImage {
        var canvas = Canvas(width: 900, height: 440)
        let left = 80, right = 30, top = 40, bottom = 60
        let plotWidth = canvas.width - left - right, plotHeight = canvas.height - top - bottom
        let first = rows.first!.frame, last = max(rows.last!.frame, first + 1)
        let diopters = rows.map { 1 / $0.focus }
        var low = diopters.min()!, high = diopters.max()!
        if high - low < 1e-6 { low -= 0.1; high += 0.1 }
        let pad = (high - low) * 0.08
        low = max(0, low - pad); high += pad
        func px(_ frame: Int) -> Double { Double(left) + Double(frame - first) / Double(last - first) * Double(plotWidth) }
        func py(_ diopter: Double) -> Double { Double(top) + (high - diopter) / (high - low) * Double(plotHeight) }
        let grid: Canvas.Colour = (225, 225, 225), axis: Canvas.Colour = (60, 60, 60)
        canvas.text("FOCUS DISTANCE (M, DIOPTER SCALE) BY FRAME", x: left, y: 12, scale: 2)
        // Distance ticks, skipping any that would crowd the previous label.
        var lastLabel = -100.0
        for metres in [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100] {
            let d = 1 / metres
            guard d >= low && d <= high else { continue }
            let y = py(d)
            guard abs(y - lastLabel) >= 20 else { continue }
            lastLabel = y
            canvas.line(Double(left), y, Double(left + plotWidth), y, colour: grid)
            let label = metres == metres.rounded() ? "\(Int(metres))M" : "\(metres)M"
            canvas.text(label, x: left - 8 - BitmapFont.width(of: label, scale: 2), y: Int(y) - 7, scale: 2, colour: axis)
        }
        // Frame ticks at the keys, the first and the last frame.
        for frame in Set(keys.filter { $0 >= first && $0 <= last } + [first, rows.last!.frame]).sorted() {
            let x = px(frame)
            canvas.line(x, Double(top), x, Double(top + plotHeight), colour: grid)
            let label = "\(frame)"
            canvas.text(label, x: Int(x) - BitmapFont.width(of: label, scale: 2) / 2, y: top + plotHeight + 10, scale: 2, colour: axis)
        }
        canvas.text("FRAME", x: left + plotWidth / 2 - 30, y: top + plotHeight + 34, scale: 2, colour: axis)
        canvas.line(Double(left), Double(top), Double(left), Double(top + plotHeight), colour: axis, thickness: 2)
        canvas.line(Double(left), Double(top + plotHeight), Double(left + plotWidth), Double(top + plotHeight), colour: axis, thickness: 2)
        // The curve, then the keyframes.
        for i in 1..<max(1, rows.count) {
            canvas.line(px(rows[i - 1].frame), py(diopters[i - 1]), px(rows[i].frame), py(diopters[i]), colour: (30, 100, 200), thickness: 3)
        }
        for (row, d) in zip(rows, diopters) where keys.contains(row.frame) {
            canvas.disc(px(row.frame), py(d), radius: 7, colour: (220, 60, 40))
        }
        return canvas.raster
    }
}

import ArgumentParser
import RackFocusCore
import RackFocusDraw
import RackFocusEngine
import RackFocusIO
import RackFocusRender
import RackFocusTimeline
import RackFocusViews

/// `rackfocus contact-sheet`: every Nth frame of a shot on one labelled PNG.
struct ContactSheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sheet",
        abstract: "Render every Nth frame of a shot into one PNG grid, each labelled with its frame number and focus distance.",
        discussion: "Takes the same shot file and options as render (including --view); the frames are rendered, not read back.")

    @OptionGroup var options: ShotOptions

    @Option(help: "Take every Nth frame of the range.")
    var every: Int = 4

    @Option(help: "Thumbnails per row.")
    var columns: Int = 4

    @Option(name: .customLong("thumbnail-width"), help: ArgumentHelp("Width of each thumbnail in pixels.", valueName: "PX"))
    var thumbnailWidth: Int = 240

    @Option(help: ArgumentHelp("The PNG to write.", valueName: "FILE.png"))
    var sheet: String

    func validate() throws {
        guard every >= 1, columns >= 1, (16...4096).contains(thumbnailWidth) else {
            throw ValidationError("--every and --columns must be at least 1, --thumbnail-width 16 to 4096")
        }
    }

    func run() throws {
        let shot = try options.shot()
        let job = try FrameJob(shot: shot, writesOutput: false)
        try job.guardInputs.checkOutput(sheet)
        try FrameJob.prepareFolder(of: sheet)
        let frames = stride(from: 0, to: job.frames.count, by: every).map { job.frames[$0] }
        let pipeline = try RenderPipeline(shot: shot, job: job)
        var cells: [(frame: Int, focus: Double, image: RasterImage)] = []
        for frame in frames {
            let loaded = try job.load(frame: frame, interpretation: pipeline.interpretation)
            let (result, distance, _) = pipeline.render(frame: frame, loaded)
            let picture: RasterImage
            switch result {
            case .linear(let image): picture = Self.thumbnail(image, width: thumbnailWidth).raster(format: .uint8, transfer: .sRGB)
            case .premultiplied(let image):  // the picture over black
                let rgb = PlanarImage(width: image.width, height: image.height, channels: 3, samples: Array(image.samples[0..<3 * image.pixelCount]))
                picture = Self.thumbnail(rgb, width: thumbnailWidth).raster(format: .uint8, transfer: .sRGB)
            case .raster(let image): picture = Self.thumbnail(image.planar(transfer: .linear), width: thumbnailWidth).raster(format: .uint8, transfer: .linear)
            }
            cells.append((frame, distance, picture))
            if !shot.quiet { print("frame \(frame): focus \((distance * 1000).rounded() / 1000) m") }
        }
        try ImageFile.write(Self.layout(cells, columns: columns), to: sheet)
        if !shot.quiet { print("contact sheet of \(cells.count) frames: \(sheet)") }
    }

    /// Box-filtered downscale to `width` (the image's own values, so in linear light for renders).
    static func thumbnail(_ image: PlanarImage, width: Int) -> PlanarImage {
        guard width < image.width else { return image }
        let height = max(1, image.height * width / image.width)
        var out = PlanarImage(width: width, height: height, channels: image.channels)
        for c in 0..<image.channels {
            for y in 0..<height {
                let y0 = y * image.height / height, y1 = max(y0 + 1, (y + 1) * image.height / height)
                for x in 0..<width {
                    let x0 = x * image.width / width, x1 = max(x0 + 1, (x + 1) * image.width / width)
                    var sum: Float = 0
                    for sy in y0..<y1 { for sx in x0..<x1 { sum += image[sx, sy, c] } }
                    out[x, y, c] = sum / Float((y1 - y0) * (x1 - x0))
                }
            }
        }
        return out
    }

    /// The grid: thumbnails with "FRAME  FOCUS" under each, on dark grey.
    static func layout(_ cells: [(frame: Int, focus: Double, image: RasterImage)], columns: Int) -> RasterImage {
        let w = cells.map(\.image.width).max() ?? 1, h = cells.map(\.image.height).max() ?? 1
        let gap = 8, label = 22
        let cols = min(columns, max(1, cells.count))
        let rows = (cells.count + cols - 1) / cols
        var canvas = Canvas(width: gap + cols * (w + gap), height: gap + rows * (h + label + gap), background: (40, 40, 40))
        for (i, cell) in cells.enumerated() {
            let x = gap + (i % cols) * (w + gap), y = gap + (i / cols) * (h + label + gap)
            canvas.draw(cell.image, x: x, y: y)
            let focus = (cell.focus * 100).rounded() / 100
            canvas.text("\(cell.frame)  \(focus) M", x: x + 2, y: y + h + 5, scale: 2, colour: (235, 235, 235))
        }
        return canvas.raster
    }
}

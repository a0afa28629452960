import Dispatch
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a shot as a three-stage stream: frame n + 1 is read and decoded while frame n renders
/// (on every core) and frame n − 1 is encoded and written. At most one frame is being read, one
/// rendered and two written at a time, so memory does not grow with the sequence length.
final class RenderPipeline {
    let job: FrameJob
    let engine: DefocusEngine
    let interpretation: DepthInterpretation
    let focus: FocusTrack
    let picker: FocusPicker
    let lens: LensTrack
    let writeOptions: WriteOptions
    let skipExisting: Bool
    let quiet: Bool
    let view: FocusView
    /// A shot whose inputs are all stills is decoded once and, while the lens stays the same, prepared
    /// once: every frame only renders (the focus changes, the picture does not).
    private var stillPrepared: (lens: LensModel, frame: PreparedFrame)?

    init(job: FrameJob, engine: DefocusEngine, interpretation: DepthInterpretation, focus: FocusTrack,
         picker: FocusPicker, lens: LensTrack, writeOptions: WriteOptions, skipExisting: Bool, quiet: Bool,
         view: FocusView = .result) {
        self.view = view
        self.job = job
        self.engine = engine
        self.interpretation = interpretation
        self.focus = focus
        self.picker = picker
        self.lens = lens
        self.writeOptions = writeOptions
        self.skipExisting = skipExisting
        self.quiet = quiet
    }

    /// The focus distance (metres) and lens of `frame`, given that frame's depth (point keys need one;
    /// validation refuses them for plate-only shots).
    func resolve(frame: Int, disparity: [Float]?, width: Int, height: Int) -> (focus: Double, lens: LensModel) {
        let distance = focus.focus(at: frame) { x, y in
            guard let disparity else { return 1 }
            return picker.distance(x: x, y: y, disparity: disparity, width: width, height: height)
        }
        return (distance, lens.model(at: frame))
    }

    func run() throws {
        let job = self.job
        let frames = skipExisting ? job.frames.filter { !FileSystem.exists(job.output.path(for: $0)) } : job.frames
        let skipped = job.frames.count - frames.count
        let progress = Progress(total: frames.count, quiet: quiet)
        let reader = DispatchQueue(label: "rackfocus.read")
        let writer = DispatchQueue(label: "rackfocus.write")
        let writeSlots = DispatchSemaphore(value: 2)
        let failure = Failure()
        let interpretation = self.interpretation
        let engine = self.engine

        var stillLoaded: Pending<FrameJob.Loaded>?
        func load(_ frame: Int) -> Pending<FrameJob.Loaded> {
            if let stillLoaded { return stillLoaded }
            let pending = Pending<FrameJob.Loaded>()
            if job.allInputsStill { stillLoaded = pending }
            reader.async {
                // Stills are kept for the whole shot: their memory is not lent (it would never come back).
                pending.finish(Result { try job.load(frame: frame, interpretation: interpretation,
                                                     pool: job.allInputsStill ? nil : engine.pool) })
            }
            return pending
        }

        let typicalFocus = focus.focus(at: job.frames[0]) { _, _ in 2 }
        var next = frames.first.map(load)
        defer { writer.sync {} }  // whatever happens, frames already rendered are written completely
        for (index, frame) in frames.enumerated() {
            let current = next!
            next = index + 1 < frames.count ? load(frames[index + 1]) : nil
            let loaded = try current.wait()
            let (distance, frameLens) = resolve(frame: frame, disparity: loaded.disparity, width: loaded.width, height: loaded.height)
            let result = frameResult(frame: frame, loaded, focus: distance, lens: frameLens, typicalFocus: typicalFocus)
            let path = job.output.path(for: frame)
            try job.guardInputs.checkOutput(path)
            writeSlots.wait()
            if let error = failure.error { throw error }
            let description = "focus \((distance * 1000).rounded() / 1000) m, \(lens.describe(at: frame))"
            var frameOptions = writeOptions
            frameOptions.exr.attributes = Self.exrAttributes(frame: frame, focus: distance, lens: frameLens, description: description)
            let options = frameOptions
            writer.async {
                do {
                    switch result {
                    case .linear(let image):
                        try ImageFile.write(image, to: path, options: options, pool: engine.pool)
                        engine.recycle(image)  // its memory serves a later frame's output
                    case .raster(let image): try ImageFile.write(image, to: path, options: options)
                    }
                    progress.frameWritten(frame: frame, path: path, detail: description)
                } catch {
                    failure.record(RenderFailure(description: "frame \(frame): \(error)"))
                }
                writeSlots.signal()
            }
        }
        writer.sync {}
        if let error = failure.error { throw error }
        progress.finish(skipped: skipped, pattern: job.output.text)
    }
}

extension RenderPipeline {
    /// Header attributes of an OpenEXR frame: the standard `focus` (metres) and `aperture` (f-number),
    /// and RackFocus's own lens settings.
    static func exrAttributes(frame: Int, focus: Double, lens: LensModel, description: String) -> [EXRCodec.Attribute] {
        var attributes: [EXRCodec.Attribute] = [.init("focus", .float(Float(focus)))]
        switch lens {
        case let .thinLens(focalLength, fNumber, sensorWidth, breathing):
            attributes += [.init("aperture", .float(Float(fNumber))),
                           .init("rackfocus/focalLength", .float(Float(focalLength))),
                           .init("rackfocus/sensorWidth", .float(Float(sensorWidth))),
                           .init("rackfocus/breathing", .string(breathing ? "on" : "off"))]
        case let .artistic(size, dof):
            attributes += [.init("rackfocus/size", .float(Float(size))), .init("rackfocus/dof", .float(Float(dof)))]
        case let .direct(size):
            attributes += [.init("rackfocus/size", .float(Float(size)))]
        }
        attributes += [.init("rackfocus/frame", .string(String(frame))), .init("rackfocus/render", .string(description))]
        return attributes
    }
}

/// What a frame becomes: the render, or one of the views.
enum FramePicture: @unchecked Sendable {
    case linear(PlanarImage)
    case raster(RasterImage)
}

extension RenderPipeline {
    /// A frame's output: the RGB + depth render (or view), with the plates composited over it.
    func frameResult(frame: Int, _ loaded: FrameJob.Loaded, focus distance: Double, lens frameLens: LensModel,
                     typicalFocus: Double) -> FramePicture {
        var background: FramePicture?
        if job.hasDepthPass {
            let prepared: PreparedFrame
            if job.allInputsStill, let cached = stillPrepared, cached.lens == frameLens {
                prepared = cached.frame
            } else {
                prepared = engine.prepare(colour: loaded.colour, disparity: loaded.disparity, typicalFocus: typicalFocus, lens: frameLens)
                if job.allInputsStill { stillPrepared = (frameLens, prepared) }
            }
            background = picture(prepared, colour: loaded.colour, focus: distance, lens: frameLens)
            if !job.allInputsStill {  // its memory, and the decoded colour and disparity, serve the next frame
                engine.recycle(prepared)
                engine.pool.give(loaded.colour.samples)
                engine.pool.give(loaded.disparity)
            }
        }
        guard !job.plates.isEmpty else { return background! }
        var backdrop: PlanarImage?
        if case .linear(let image)? = background { backdrop = image }
        let plates = job.plates.indices.map { i -> (plate: PlanarImage, distance: Double, disparity: [Float]?) in
            if let map = loaded.plateDisparity[i] {
                let sorted = map.sorted()
                return (loaded.plates[i], 1 / Double(max(sorted[sorted.count / 2], 1e-6)), map)
            }
            return (loaded.plates[i], job.plates[i].depth.value(at: frame), nil)
        }
        return .linear(PlateComposite.composite(plates: plates, background: backdrop, engine: engine, focus: distance,
                                                lens: frameLens, width: loaded.width, height: loaded.height))
    }

    func picture(_ prepared: PreparedFrame, colour: PlanarImage, focus distance: Double, lens frameLens: LensModel) -> FramePicture {
        switch view {
        case .result:
            return .linear(engine.render(prepared, focusDistance: distance, lens: frameLens))
        case .focalPlane:
            return .linear(FocusViews.focalPlane(colour: colour, radii: engine.radii(prepared, focusDistance: distance, lens: frameLens)))
        case .coc:
            return .raster(FocusViews.coc(radii: engine.radii(prepared, focusDistance: distance, lens: frameLens),
                                          width: prepared.width, height: prepared.height, maximum: Float(engine.settings.maximumRadius)))
        case .depth:
            return .linear(FocusViews.depth(disparity: prepared.disparity, width: prepared.width, height: prepared.height))
        case .layers:
            return .linear(FocusViews.layers(colour: colour, layerIndex: prepared.layerIndex))
        }
    }
}

/// A value produced on another queue.
final class Pending<T>: @unchecked Sendable {
    private var result: Result<T, Error>?
    private let done = DispatchSemaphore(value: 0)

    func finish(_ value: Result<T, Error>) {
        result = value
        done.signal()
    }

    /// Blocks until the result is there; may be called again (a still's frame is waited for once per frame).
    func wait() throws -> T {
        done.wait()
        done.signal()
        return try result!.get()
    }
}

/// The first error of a background stage.
final class Failure: @unchecked Sendable {
    private var first: Error?
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }

    func record(_ error: Error) {
        pthread_mutex_lock(&lock)
        if first == nil { first = error }
        pthread_mutex_unlock(&lock)
    }

    var error: Error? {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return first
    }
}

/// Progress: a bar on a terminal (standard error), one line per frame otherwise, a summary at the end.
final class Progress: @unchecked Sendable {
    let total: Int
    let quiet: Bool
    let bar: Bool
    let start = DispatchTime.now()
    private var done = 0

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
        bar = !quiet && standardErrorIsTerminal
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Called on the writer queue, in frame order.
    func frameWritten(frame: Int, path: String, detail: String) {
        done += 1
        guard !quiet else { return }
        if bar {
            let rate = Double(done) / max(elapsed, 1e-9)
            let remaining = Double(total - done) / max(rate, 1e-9)
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                + "] \(done)/\(total) frames  \(String(format: "%.2f", rate)) fps  ETA \(Self.clock(remaining))  frame \(frame) (\(detail))   "
            _ = line.withCString { write(2, $0, strlen($0)) }
        } else {
            print("frame \(frame): wrote \(path) (\(detail))")
        }
    }

    func finish(skipped: Int, pattern: String) {
        if bar { _ = "\n".withCString { write(2, $0, 1) } }
        guard !quiet else { return }
        let seconds = elapsed
        var line = "rendered \(done) frame\(done == 1 ? "" : "s") in \(String(format: "%.2f", seconds)) s"
        line += " (\(String(format: "%.2f", Double(done) / max(seconds, 1e-9))) frames/s) to \(pattern)"
        if skipped > 0 { line += "; skipped \(skipped) existing" }
        print(line)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

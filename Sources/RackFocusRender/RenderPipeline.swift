import Dispatch
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews
import RackFocusVideo

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a shot as a three-stage stream: frame n + 1 is read and decoded while frame n renders
/// (on every core) and frame n − 1 is encoded and written. At most one frame is being read, one
/// rendered and two written at a time, so memory does not grow with the sequence length.
public final class RenderPipeline: @unchecked Sendable {
    public let job: FrameJob
    public let engine: DefocusEngine
    /// Defocuses the alpha of RGBA input: the engine's settings without the (non-linear) highlight boost.
    let alphaEngine: DefocusEngine
    public let interpretation: DepthInterpretation
    public let focus: FocusTrack
    public let picker: FocusPicker
    public let lens: LensTrack
    public let writeOptions: WriteOptions
    public let skipExisting: Bool
    public let view: FocusView
    /// Render with the scalar reference renderer instead of the fast engine.
    let reference: Bool
    /// Movie output: the codec (nil: by the extension), H.264's CRF, and the frame rate when the
    /// input is not a movie.
    let codec: VideoCodec?
    let crf: Int
    let movieRate: String
    /// A shot whose inputs are all stills is decoded once and, while the lens stays the same, prepared
    /// once: every frame only renders (the focus changes, the picture does not).
    private var stillPrepared: (lens: LensModel, frame: PreparedFrame)?
    /// A focus distance that stands for the whole shot, which sizes the artistic lens's layers.
    let typicalFocus: Double

    /// The pipeline of a validated shot over `job`'s files.
    public init(shot: Shot, job: FrameJob) throws(ShotError) {
        try shot.validate()
        self.job = job
        let settings = try shot.engineSettings()
        engine = DefocusEngine(settings: settings)
        var alphaSettings = settings
        alphaSettings.highlights = nil
        alphaEngine = DefocusEngine(settings: alphaSettings, pool: engine.pool)
        interpretation = try shot.interpretation()
        focus = try shot.focusTrack()
        picker = shot.focusPicker
        lens = try shot.lensTrack()
        writeOptions = try shot.writeOptions()
        skipExisting = shot.skipExisting
        view = shot.view
        reference = shot.reference
        codec = shot.codec
        crf = shot.crf
        movieRate = shot.frameRate
        typicalFocus = Self.typicalFocus(of: focus)
    }

    /// The artistic lens's blur scale grows with the focus distance, so its layers are sized for
    /// one distance: the diopter mean of the track's distance keys (2 m when every key is a point).
    /// It depends on the track alone, never on which frames are rendered: a chunk renders bit for
    /// bit as the same frames of the whole shot.
    static func typicalFocus(of track: FocusTrack) -> Double {
        let distances = track.keys.compactMap { key -> Double? in
            if case .distance(let d) = key.target { d } else { nil }
        }
        guard !distances.isEmpty else { return 2 }
        return Double(distances.count) / distances.reduce(0) { $0 + 1 / $1 }
    }

    /// The focus distance (metres) and lens of `frame`, given that frame's depth (point keys need one;
    /// validation refuses them for plate-only shots).
    public func resolve(frame: Int, disparity: [Float]?, width: Int, height: Int) -> (focus: Double, lens: LensModel) {
        let distance = focus.focus(at: frame) { x, y in
            guard let disparity else { return 1 }
            return picker.distance(x: x, y: y, disparity: disparity, width: width, height: height)
        }
        return (distance, lens.model(at: frame))
    }

    /// One frame, loaded: its picture, focus and lens.
    public func render(frame: Int, _ loaded: FrameJob.Loaded) -> (picture: FramePicture, focus: Double, lens: LensModel) {
        let (distance, frameLens) = resolve(frame: frame, disparity: loaded.disparity, width: loaded.width, height: loaded.height)
        return (frameResult(frame: frame, loaded, focus: distance, lens: frameLens), distance, frameLens)
    }

    /// Renders and writes every frame of the job (but those already on disk with `skipExisting`).
    /// - Parameter events: called in frame order from one queue at a time, for progress reports.
    /// - Throws: `ImageFileError` for bad input (exit 2), `RenderFailure` when a write fails (exit 1).
    public func run(events: @escaping @Sendable (RenderEvent) -> Void = { _ in }) throws {
        let job = self.job
        guard let output = job.output else { throw ShotError("give --output (or a shot file with \"output\")") }
        try FrameJob.prepareFolder(of: output.path(for: job.frames[0]))
        let frames = skipExisting ? job.frames.filter { !FileSystem.exists(output.path(for: $0)) } : job.frames
        let skipped = job.frames.count - frames.count
        events(.started(frames: frames.count, skipped: skipped))
        let start = DispatchTime.now()
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

        var next = frames.first.map(load)
        let written = Counter()
        let movie = MovieOutput()
        defer {
            writer.sync {}  // whatever happens, frames already rendered are written completely
            movie.writer?.abort()  // (a movie is kept only once finished below)
        }
        for (index, frame) in frames.enumerated() {
            let current = next!
            next = index + 1 < frames.count ? load(frames[index + 1]) : nil
            let loaded = try current.wait()
            let (result, distance, frameLens) = render(frame: frame, loaded)
            let path = output.path(for: frame)
            if job.writesMovie && movie.writer == nil {
                movie.writer = try startMovie(output.text, loaded, firstFrame: frame, frames: frames.count)
            }
            try job.guardInputs.checkOutput(path)
            writeSlots.wait()
            if let error = failure.error { throw error }
            let description = "focus \((distance * 1000).rounded() / 1000) m, \(lens.describe(at: frame))"
            var frameOptions = writeOptions
            frameOptions.exr.attributes = Self.exrAttributes(frame: frame, focus: distance, lens: frameLens, description: description)
            let options = frameOptions
            let total = frames.count
            writer.async {
                do {
                    if let writer = movie.writer {
                        try writer.append(Self.moviePicture(result))
                    } else {
                        try self.write(result, to: path, options: options)
                    }
                    events(.frameWritten(FrameWritten(frame: frame, path: path, detail: description, written: written.next(), total: total)))
                } catch let error as RenderFailureError {
                    failure.record(RenderFailure(description: error.description))
                } catch {
                    failure.record(RenderFailure(description: "frame \(frame): \(error)"))
                }
                writeSlots.signal()
            }
        }
        writer.sync {}
        if let error = failure.error { throw error }
        if let finishing = movie.writer {
            movie.writer = nil
            do { try finishing.finish() } catch { throw RenderFailure(description: "\(error)") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        events(.finished(RenderSummary(rendered: frames.count, skipped: skipped, seconds: seconds, output: output.text)))
    }
}

/// What a render reports while it runs (the CLI draws a progress bar or prints lines from these).
public enum RenderEvent: Sendable {
    /// Before the first frame: how many will be rendered and how many exist already.
    case started(frames: Int, skipped: Int)
    case frameWritten(FrameWritten)
    case finished(RenderSummary)
}

public struct FrameWritten: Sendable {
    public let frame: Int
    public let path: String
    /// "focus 1.2 m, f/0.824".
    public let detail: String
    /// Frames written so far, this one included, of `total`.
    public let written: Int
    public let total: Int
}

public struct RenderSummary: Sendable {
    public let rendered: Int
    public let skipped: Int
    public let seconds: Double
    /// The output pattern.
    public let output: String
}

/// The movie being written, once its first frame is rendered.
final class MovieOutput: @unchecked Sendable {
    var writer: VideoWriter?
}

/// Counts from 1, on one queue at a time.
final class Counter: @unchecked Sendable {
    private var value = 0
    func next() -> Int {
        value += 1
        return value
    }
}

extension RenderPipeline {
    /// Header attributes of an OpenEXR frame: the standard `focus` (metres) and `aperture` (f-number),
    /// and RackFocus's own lens settings.
    public static func exrAttributes(frame: Int, focus: Double, lens: LensModel, description: String) -> [EXRCodec.Attribute] {
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

extension RenderPipeline {
    /// Writes one frame's picture as its file stores it (alpha straight for PNG, premultiplied for EXR).
    func write(_ picture: FramePicture, to path: String, options: WriteOptions) throws {
        switch picture {
        case .linear(let image) where image.channels == 4:
            try ImageFile.write(Alpha.forOutput(image, premultiplied: false, path: path), to: path, options: options)
        case .premultiplied(let image):
            try ImageFile.write(Alpha.forOutput(image, premultiplied: true, path: path), to: path, options: options)
        case .linear(let image):
            try ImageFile.write(image, to: path, options: options, pool: engine.pool)
            engine.recycle(image)  // its memory serves a later frame's output
        case .raster(let image):
            try ImageFile.write(image, to: path, options: options)
        }
    }

    /// A frame as a movie takes it: linear RGB (a premultiplied picture over black).
    static func moviePicture(_ picture: FramePicture) -> PlanarImage {
        switch picture {
        case .linear(let image), .premultiplied(let image): image
        case .raster(let image): image.planar(transfer: .sRGB)
        }
    }

    /// Starts the encoder of a movie output at its first frame: the size is the frame's; the rate,
    /// timecode and audio come from an input movie (from `firstFrame` on), else `--frame-rate`.
    func startMovie(_ path: String, _ loaded: FrameJob.Loaded, firstFrame: Int, frames: Int) throws -> VideoWriter {
        let source = job.rgbMovie.map { VideoWriter.Source(path: $0.path, info: $0.info, startIndex: firstFrame - $0.firstFrame) }
        return try VideoWriter(path: path, width: loaded.width, height: loaded.height, rate: job.rgbMovie?.info.rate ?? movieRate,
                               codec: codec ?? VideoCodec.forPath(path), crf: crf, frames: frames, source: source)
    }
}

/// What a frame becomes: the render, or one of the views.
public enum FramePicture: @unchecked Sendable {
    /// Linear RGB, or RGBA with straight alpha (plates alone).
    case linear(PlanarImage)
    /// Linear RGBA with premultiplied alpha (the render of RGBA input).
    case premultiplied(PlanarImage)
    case raster(RasterImage)
}

extension RenderPipeline {
    /// A frame's output: the RGB + depth render (or view), with the plates composited over it.
    func frameResult(frame: Int, _ loaded: FrameJob.Loaded, focus distance: Double, lens frameLens: LensModel) -> FramePicture {
        var background: FramePicture?
        if job.hasDepthPass {
            if loaded.colour.channels == 4 && view == .result {
                background = .premultiplied(renderWithAlpha(loaded, focus: distance, lens: frameLens))
            } else {
                let prepared: PreparedFrame
                if job.allInputsStill, let cached = stillPrepared, cached.lens == frameLens {
                    prepared = cached.frame
                } else {
                    prepared = engine.prepare(colour: loaded.colour, disparity: loaded.disparity, typicalFocus: typicalFocus, lens: frameLens)
                    if job.allInputsStill { stillPrepared = (frameLens, prepared) }
                }
                background = picture(prepared, colour: loaded.colour, focus: distance, lens: frameLens)
                if !job.allInputsStill { engine.recycle(prepared) }  // its memory serves the next frame
            }
            if !job.allInputsStill {  // the decoded colour and disparity too
                engine.pool.give(loaded.colour.samples)
                engine.pool.give(loaded.disparity)
            }
        }
        guard !job.plates.isEmpty else { return background! }
        var backdrop: PlanarImage?
        if case .linear(let image)? = background { backdrop = image }
        if case .premultiplied(let image)? = background {  // plates go over its colour (over black)
            backdrop = PlanarImage(width: image.width, height: image.height, channels: 3, samples: Array(image.samples[0..<3 * image.pixelCount]))
        }
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

    /// RGBA input: premultiplied colour and alpha are defocused over the same depth by two renders.
    /// Each is linear in what it carries (same layers, weights and fill), so the alpha is blurred
    /// exactly as the colour; the alpha's engine has no highlight boost, which is not linear.
    func renderWithAlpha(_ loaded: FrameJob.Loaded, focus distance: Double, lens frameLens: LensModel) -> PlanarImage {
        let (colour, alpha) = Alpha.split(loaded.colour, premultiplied: loaded.alphaIsPremultiplied)
        let prepared = engine.prepare(colour: colour, disparity: loaded.disparity, typicalFocus: typicalFocus, lens: frameLens)
        let preparedAlpha = alphaEngine.prepare(colour: alpha, disparity: loaded.disparity, typicalFocus: typicalFocus, lens: frameLens)
        let result = Alpha.join(colour: engine.render(prepared, focusDistance: distance, lens: frameLens),
                                alpha: alphaEngine.render(preparedAlpha, focusDistance: distance, lens: frameLens))
        engine.recycle(prepared)
        alphaEngine.recycle(preparedAlpha)
        return result
    }

    func picture(_ prepared: PreparedFrame, colour: PlanarImage, focus distance: Double, lens frameLens: LensModel) -> FramePicture {
        switch view {
        case .result where reference:
            return .linear(engine.renderReference(colour: colour, disparity: prepared.disparity, focusDistance: distance,
                                                  typicalFocus: typicalFocus, lens: frameLens, hiddenFill: true))
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

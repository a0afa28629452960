#if canImport(Glibc)
import Glibc
#endif
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusVideo

/// The files of a render: input and output patterns, the frame list, and loading of one frame.
public struct FrameJob: Sendable {
    /// The RGB + depth pass (optional when the shot is made of plates only).
    public let rgb: SequencePattern?
    public let depth: SequencePattern?
    public var hasDepthPass: Bool { rgb != nil }
    /// Every input is one file for all frames (a still RGB + depth and/or still plates).
    public var allInputsStill: Bool {
        rgbMovie == nil && depthMovie == nil && (rgb?.isStill ?? true) && (depth?.isStill ?? true) && plates.allSatisfy { $0.image.isStill && ($0.depthMap?.isStill ?? true) }
    }
    /// The RGB and/or depth pass when it is a movie (then `rgb`/`depth` name the file).
    public let rgbMovie: MovieInput?
    public let depthMovie: MovieInput?
    /// The output is a movie (`.mov`, `.mp4`, `.mkv`...), written whole by ffmpeg.
    public var writesMovie: Bool { output.map { FFmpeg.isMovie($0.text) } ?? false }
    /// 2D plates composited in depth order over the RGB + depth render.
    public let plates: [Plate]
    /// nil when nothing is written (`plan`, `contact-sheet`).
    public let output: SequencePattern?
    public let frames: [Int]
    public private(set) var guardInputs = InputGuard()
    /// Scale a depth pass of another size to the RGB size (nearest neighbour: no invented depths at edges).
    public var resizeDepth = false
    public var memoryBudget = MemoryBudget()
    /// Which channels of OpenEXR inputs are the picture and the depth.
    public var rgbSelection = EXRSelection.colour
    public var depthSelection = EXRSelection.depth

    /// A frame's inputs ready for the engine.
    public struct Loaded: @unchecked Sendable {
        /// The RGB + depth pass, when the shot has one.
        public var colour: PlanarImage!
        public var disparity: [Float]!
        /// Each plate's pixels (linear, straight alpha), in `plates` order, and its depth map's disparity.
        public var plates: [PlanarImage] = []
        public var plateDisparity: [[Float]?] = []
        public var width: Int
        public var height: Int
        /// The colour's alpha (a fourth channel) is premultiplied, as OpenEXR stores it; PNG's is straight.
        public var alphaIsPremultiplied = false
    }

    /// The shot's files, checked: patterns parse, every input frame exists, no output replaces an
    /// input. With `writesOutput`, the output folder is created when missing and must be writable.
    /// - Throws: `ShotError` for settings, `ImageFileError` for files.
    public init(shot: Shot, writesOutput: Bool) throws {
        guard (shot.rgb == nil) == (shot.depth == nil) else { throw ShotError("give both --rgb and --depth, or neither (plates only)") }
        guard shot.rgb != nil || !shot.plates.isEmpty else { throw ShotError("give --rgb and --depth, or at least one --plate") }
        func pattern(_ text: String, _ option: String) throws(ShotError) -> SequencePattern {
            do { return try SequencePattern(text) } catch { throw ShotError("\(option): \(error.description)") }
        }
        rgb = try shot.rgb.map { (text) throws(ShotError) in try pattern(text, "--rgb") }
        depth = try shot.depth.map { (text) throws(ShotError) in try pattern(text, "--depth") }
        plates = try shot.plates.map { (spec) throws(ShotError) in try Plate(spec, depthUnit: shot.depthUnit) }
        rgbMovie = try shot.rgb.flatMap { FFmpeg.isMovie($0) ? try MovieInput(path: $0, firstFrame: shot.firstFrame, grey: false) : nil }
        depthMovie = try shot.depth.flatMap { FFmpeg.isMovie($0) ? try MovieInput(path: $0, firstFrame: shot.firstFrame, grey: true) : nil }
        if let rgbMovie, let depthMovie, rgbMovie.info.frameCount != depthMovie.info.frameCount
            || rgbMovie.info.width != depthMovie.info.width || rgbMovie.info.height != depthMovie.info.height {
            throw ImageFileError(path: depthMovie.path, kind: .mismatch, message:
                "the depth movie has \(depthMovie.info.frameCount) frames of \(depthMovie.info.width)x\(depthMovie.info.height), the RGB movie \(rgbMovie.info.frameCount) of \(rgbMovie.info.width)x\(rgbMovie.info.height)")
        }
        if writesOutput {
            guard let text = shot.output else { throw ShotError("give --output (or a shot file with \"output\")") }
            output = try pattern(text, "--output")
        } else {
            output = nil
        }
        let sequences = [rgb, depth].compactMap { $0 } + plates.map(\.image) + plates.compactMap(\.depthMap)
        let movie = rgbMovie ?? depthMovie
        if let text = shot.frames {
            do { frames = try FrameRange(parsing: text).frames } catch { throw ShotError("--frames: \(error.description)") }
        } else if let movie {
            frames = Array(movie.frames)
        } else if let first = sequences.first(where: { !$0.isStill }) {
            frames = first.framesOnDisk()
            if frames.isEmpty {
                throw ImageFileError(path: first.text, kind: .notFound, message: "no frames of this sequence found on disk")
            }
        } else {
            frames = [1]
        }
        for movie in [rgbMovie, depthMovie].compactMap({ $0 }) {
            let outside = frames.filter { !movie.frames.contains($0) }
            if !outside.isEmpty {
                throw ImageFileError(path: movie.path, kind: .missingFrames, message:
                    "\(outside.count) of \(frames.count) frames are not in the movie (frames \(movie.frames.lowerBound)-\(movie.frames.upperBound - 1) with --first-frame \(movie.firstFrame)): \(FrameRange.compact(outside))")
            }
        }
        if let output, output.isStill && frames.count > 1 && !FFmpeg.isMovie(output.text) {
            throw ShotError("--output \"\(output.text)\" names one file but \(frames.count) frames are rendered; use a pattern such as out.%04d.png")
        }
        for sequence in sequences {
            try sequence.checkFramesExist(frames)
            for frame in frames { guardInputs.addInput(sequence.path(for: frame)) }
        }
        if let output {
            for frame in frames { try guardInputs.checkOutput(output.path(for: frame)) }
        }
        resizeDepth = shot.resizeDepth
        memoryBudget.limitMB = shot.memoryLimit
        (rgbSelection, depthSelection) = shot.exrSelections
    }

    /// Creates the folder that `path` will be written into when it is missing (Blender and Nuke's
    /// Write node do), and refuses one that cannot be written, before anything is rendered.
    public static func prepareFolder(of path: String) throws {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let shown = folder.isEmpty ? "/" : folder
        try FileSystem.makeFolders(shown)
        guard access(shown, W_OK) == 0 else {
            throw ImageFileError(path: path, kind: .writeFailed, message: "output folder \(shown) is not writable")
        }
    }

    /// Only the depth of a frame, as disparity, with its size.
    public func loadDepth(frame: Int, interpretation: DepthInterpretation) throws -> (disparity: [Float], width: Int, height: Int) {
        let path = depth!.path(for: frame)
        let raster = try depthMovie?.frame(frame) ?? ImageFile.read(path, selection: depthSelection)
        return (try disparity(of: raster, path: path, frame: frame, interpretation: interpretation), raster.width, raster.height)
    }

    /// - Parameter pool: lends the depth pass's decoded pixels, colour planes and disparity their memory.
    public func load(frame: Int, interpretation: DepthInterpretation, pool: ArrayPool? = nil) throws -> Loaded {
        var loaded: Loaded
        if hasDepthPass {
            let pass = try loadPass(frame: frame, interpretation: interpretation, pool: pool)
            loaded = Loaded(colour: pass.colour, disparity: pass.disparity, width: pass.colour.width, height: pass.colour.height,
                            alphaIsPremultiplied: ImageFormat.fromExtension(rgb!.path(for: frame)) == .exr)
        } else {
            let first = try plates[0].load(frame: frame)
            loaded = Loaded(width: first.width, height: first.height)
        }
        for plate in plates {
            let image = try plate.load(frame: frame)
            guard image.width == loaded.width && image.height == loaded.height else {
                throw ImageFileError(path: plate.image.path(for: frame), kind: .mismatch, message:
                    "frame \(frame): plate is \(image.width)x\(image.height) but the shot is \(loaded.width)x\(loaded.height)")
            }
            loaded.plates.append(image)
            var disparity: [Float]?
            if let map = plate.depthMap {
                let path = map.path(for: frame)
                let raster = try ImageFile.read(path, selection: depthSelection)
                guard raster.width == image.width && raster.height == image.height else {
                    throw ImageFileError(path: path, kind: .mismatch, message: "frame \(frame): plate depth is \(raster.width)x\(raster.height) but its plate is \(image.width)x\(image.height)")
                }
                disparity = try self.disparity(of: raster, path: path, frame: frame, interpretation: interpretation)
            }
            loaded.plateDisparity.append(disparity)
        }
        return loaded
    }

    func loadPass(frame: Int, interpretation: DepthInterpretation, pool: ArrayPool? = nil) throws -> (colour: PlanarImage, disparity: [Float]) {
        let rgbPath = rgb!.path(for: frame)
        let depthPath = depth!.path(for: frame)
        let colourRaster: RasterImage
        var depthRaster: RasterImage
        if rgbMovie != nil || depthMovie != nil {
            colourRaster = try rgbMovie?.frame(frame) ?? ImageFile.read(rgbPath, selection: rgbSelection, pool: pool)
            depthRaster = try depthMovie?.frame(frame) ?? ImageFile.read(depthPath, selection: depthSelection, pool: pool)
        } else if rgbPath == depthPath {  // one file with both (OpenEXR RGBA + Z): read and decompress once
            (colourRaster, depthRaster) = try ImageFile.readColourAndDepth(rgbPath, colour: rgbSelection, depth: depthSelection, pool: pool)
        } else {
            colourRaster = try ImageFile.read(rgbPath, selection: rgbSelection, pool: pool)
            depthRaster = try ImageFile.read(depthPath, selection: depthSelection, pool: pool)
        }
        if resizeDepth && (colourRaster.width != depthRaster.width || colourRaster.height != depthRaster.height) {
            depthRaster = depthRaster.resizedNearest(width: colourRaster.width, height: colourRaster.height)
        }
        try memoryBudget.check(width: colourRaster.width, height: colourRaster.height, frame: frame, path: rgbPath)
        guard colourRaster.width == depthRaster.width && colourRaster.height == depthRaster.height else {
            throw ImageFileError(path: depthPath, kind: .mismatch, message:
                "frame \(frame): depth is \(depthRaster.width)x\(depthRaster.height) but \(rgbPath) is \(colourRaster.width)x\(colourRaster.height) (--resize-depth scales it)")
        }
        var colour = colourRaster.planar(transfer: colourRaster.isFloat ? .linear : .sRGB, pool: pool)
        if colour.channels < 3 { colour = colour.expandedToRGB() }
        let disparity = try disparity(of: depthRaster, path: depthPath, frame: frame, interpretation: interpretation, pool: pool)
        // The decoded files are converted: their memory serves the next frame's (once: one file may be both).
        pool?.give(colourRaster)
        if rgbPath != depthPath { pool?.give(depthRaster) }
        return (colour, disparity)
    }

    /// Disparity of a depth raster; refuses a pass in which no value is usable (all zero, negative
    /// or not finite under this convention), which almost always means the wrong --math.
    func disparity(of raster: RasterImage, path: String, frame: Int, interpretation: DepthInterpretation,
                   pool: ArrayPool? = nil) throws -> [Float] {
        var usable = 0
        let disparity = interpretation.disparity(of: raster, usable: &usable, pool: pool)
        if usable == 0 {
            throw ImageFileError(path: path, kind: .corrupt, message:
                "frame \(frame): no usable depth value under --math \(interpretation.math.rawValue) (all zero, negative or not finite); check --math, --depth-range and --near-white")
        }
        return disparity
    }
}

/// Refuses frames larger than a memory budget up front, with the size they would need.
public struct MemoryBudget: Sendable {
    /// Megabytes one render may use (`--memory-limit`).
    public var limitMB: Int = 16384

    public init() {}
    /// About 120 bytes per pixel at peak (decoded planes, layer sources, resolution levels, the
    /// output and the frames queued in the pipeline; a margin over what docs/PERFORMANCE.md
    /// measured) plus ~40 MB of program.
    static let bytesPerPixel = 120
    static let baseMB = 40

    func neededMB(width: Int, height: Int) -> Int {
        Self.baseMB + width * height * Self.bytesPerPixel / (1 << 20)
    }

    func check(width: Int, height: Int, frame: Int, path: String) throws {
        let needed = neededMB(width: width, height: height)
        if needed > limitMB {
            throw ImageFileError(path: path, kind: .tooLarge, message:
                "frame \(frame): \(width)x\(height) needs about \(needed) MB, over --memory-limit \(limitMB) MB")
        }
    }
}

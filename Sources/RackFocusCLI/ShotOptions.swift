import ArgumentParser
import RackFocusEngine
import RackFocusIO
import RackFocusRender
import RackFocusTimeline
import RackFocusViews
import RackFocusVideo

/// Everything that describes a shot, shared by `render`, `plan` and `contact-sheet`: an optional
/// JSON shot file, and options that override its fields. Every option is optional here, so that
/// only what was given on the command line replaces the file's value; defaults live in `Shot`.
/// Options that take numbers or keys read their value unconditionally, so that `--fstop -2` is
/// refused as not positive (instead of "missing value") and `--math -depth` needs no `=`.
struct ShotOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A JSON shot file (see README, \"Shot files\"). Options given here override its values.", valueName: "SHOT.json"))
    var shotFile: String?

    @OptionGroup(title: "Inputs") var inputs: InputOptions
    @OptionGroup(title: "Depth") var depth: DepthOptions
    @OptionGroup(title: "Lens") var lens: LensOptions
    @OptionGroup(title: "Bokeh") var bokeh: BokehOptions
    @OptionGroup(title: "Focus") var focus: FocusOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    /// The shot: the file's (when given) with these options applied, validated. A bad value names
    /// the shot file when there is one.
    func shot() throws -> Shot {
        let fromFile = try shotFile.map { (path) throws(ShotError) in try Shot.load(path: path) }
        var shot = fromFile ?? Shot()
        try inputs.apply(to: &shot)
        try depth.apply(to: &shot)
        try lens.apply(to: &shot)
        bokeh.apply(to: &shot)
        try focus.apply(to: &shot)
        output.apply(to: &shot)
        do { try shot.validate() } catch {
            // The file is named when the bad value is its own (the file alone fails the same way).
            guard let shotFile, let fromFile, Self.failure(of: fromFile) == error.description else { throw error }
            throw ShotError("\(shotFile): \(error.description)")
        }
        return shot
    }

    static func failure(of shot: Shot) -> String? {
        do { try shot.validate() } catch { return error.description }
        return nil
    }
}

struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("RGB image or sequence pattern (name.%04d.png or name.####.png): PNG, JPEG, PFM or OpenEXR (linear HDR).", valueName: "PATH"))
    var rgb: String?

    @Option(help: ArgumentHelp("Depth image or sequence pattern (PNG 8/16-bit, PFM or OpenEXR float; may be the RGB file itself when it is an EXR with a Z channel).", valueName: "PATH"))
    var depth: String?

    @Option(help: ArgumentHelp("A 2D plate at a depth, repeated, composited front to back over the RGB + depth render (or alone): IMAGE@DIST (fg.%04d.png@1.5m), keyed depth IMAGE@FRAME:DIST[:EASING]+FRAME:DIST..., or IMAGE@map:DEPTHFILE. RGBA alpha is the plate's coverage.", valueName: "IMAGE@DEPTH"))
    var plate: [String] = []

    @Option(help: ArgumentHelp("Frames to render: 1001-1048, 1-100x2, 1,5,9. Default: the frames of the RGB sequence on disk, or frame 1 for a still.", valueName: "RANGE"))
    var frames: String?

    @Option(name: .customLong("rgb-layer"), help: ArgumentHelp("OpenEXR: the layer whose .R .G .B (.A) channels are the picture (beauty, ViewLayer.Combined). Default: R,G,B(,A), else the only colour layer or the one named combined/beauty/rgba.", valueName: "NAME"))
    var rgbLayer: String?

    @Option(name: .customLong("rgb-part"), help: ArgumentHelp("OpenEXR multi-part: read the picture from the part with this name.", valueName: "NAME"))
    var rgbPart: String?

    @Option(name: .customLong("depth-channel"), help: ArgumentHelp("OpenEXR: the depth channel. Default: Z, else a depth layer's Z (depth.Z, ViewLayer.Depth.Z), a channel named depth, any layer's Z, or the only channel.", valueName: "NAME"))
    var depthChannel: String?

    @Option(name: .customLong("depth-part"), help: ArgumentHelp("OpenEXR multi-part: read depth from the part with this name.", valueName: "NAME"))
    var depthPart: String?

    @Flag(name: .customLong("resize-depth"), inversion: .prefixedNo, help: "Scale a depth pass whose size differs from the RGB to the RGB size (nearest neighbour). Without it, a size mismatch is an error.")
    var resizeDepth: Bool?

    @Option(name: .customLong("first-frame"), parsing: .unconditional, help: ArgumentHelp("The frame number of a movie's first frame (default 1): its frame i is N + i, for --frames, keys and a depth sequence.", valueName: "N"))
    var firstFrame: Int?

    @Option(name: .customLong("memory-limit"), parsing: .unconditional, help: ArgumentHelp("Refuse frames whose render would need more than this many megabytes (about 120 bytes per pixel + 40 MB).", valueName: "MB"))
    var memoryLimit: Int?

    func apply(to shot: inout Shot) throws {
        if let rgb { shot.rgb = rgb }
        if let depth { shot.depth = depth }
        if !plate.isEmpty { shot.plates = try plate.map { (text) throws(ShotError) in try PlateSpec(parsing: text) } }
        if let frames { shot.frames = frames }
        if let rgbLayer { shot.rgbLayer = rgbLayer }
        if let rgbPart { shot.rgbPart = rgbPart }
        if let depthChannel { shot.depthChannel = depthChannel }
        if let depthPart { shot.depthPart = depthPart }
        if let resizeDepth { shot.resizeDepth = resizeDepth }
        if let memoryLimit { shot.memoryLimit = memoryLimit }
        if let firstFrame { shot.firstFrame = firstFrame }
    }
}

struct DepthOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("What depth values mean (Nuke names): \(DepthInterpretation.Math.words.joined(separator: ", ")) (also neg-depth, neg-direct).", valueName: "MATH"))
    var math: DepthInterpretation.Math?

    @Option(name: .customLong("depth-range"), parsing: .unconditional, help: ArgumentHelp("Distances of code 0 and of the largest code of an integer depth map.", valueName: "NEAR,FAR"))
    var depthRange: String?

    @Flag(name: .customLong("near-white"), inversion: .prefixedNo, help: "Integer depth maps: white is near (flip before mapping).")
    var nearWhite: Bool?

    @Option(name: .customLong("depth-unit"), help: ArgumentHelp("Unit of depth values and of unit-less focus distances.", valueName: "UNIT"))
    var depthUnit: DepthUnit?

    func apply(to shot: inout Shot) throws {
        if let math { shot.math = math }
        if let depthRange { shot.depthRange = try DepthRange(parsing: depthRange) }
        if let nearWhite { shot.nearWhite = nearWhite }
        if let depthUnit { shot.depthUnit = depthUnit }
    }
}

struct LensOptions: ParsableArguments {
    @Option(name: .customLong("focal-length"), parsing: .unconditional, help: ArgumentHelp("Focal length in mm (physical lens).", valueName: "MM"))
    var focalLength: Double?

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Aperture f-number (physical lens), e.g. 2.8; or keys FRAME:N[:EASING], repeated, to pull the aperture too.", valueName: "N"))
    var fstop: [String] = []

    @Option(name: .customLong("sensor-width"), parsing: .unconditional, help: ArgumentHelp("Sensor (film back) width in mm (default 36).", valueName: "MM"))
    var sensorWidth: Double?

    @Option(help: ArgumentHelp("Focus breathing: on (Potmesil-Chakravarty, as Blender; the default) or off (fixed field of view, an ideal thin lens)."))
    var breathing: Breathing?

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Artistic lens (Nuke ZDefocus size): blur radius in px of a point at infinity; or keys FRAME:PX[:EASING]. Replaces the physical lens.", valueName: "PX"))
    var size: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Artistic lens: depth of the in-focus band around the focal plane, in depth units.", valueName: "DIST"))
    var dof: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Largest blur radius in px (Nuke maximum, Blender blur_max; default 32).", valueName: "PX"))
    var maximum: Double?

    func apply(to shot: inout Shot) throws {
        if let focalLength { shot.focalLength = focalLength }
        if !fstop.isEmpty { shot.fstop = try fstop.map { (text) throws(ShotError) in try ValueKey(parsing: text, name: "--fstop") } }
        if let sensorWidth { shot.sensorWidth = sensorWidth }
        if let breathing { shot.breathing = breathing }
        if !size.isEmpty { shot.size = try size.map { (text) throws(ShotError) in try ValueKey(parsing: text, name: "--size") } }
        if let dof { shot.dof = dof }
        if let maximum { shot.maximum = maximum }
    }
}

struct BokehOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Aperture shape (default disc)."))
    var filter: ApertureFilter?

    @Option(parsing: .unconditional, help: "Number of aperture blades (3-16, default 6) for --filter bladed.")
    var blades: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Rotation of the blades in degrees.", valueName: "DEG"))
    var rotation: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Curvature of the blades: 0 straight (default), 1 round.", valueName: "0-1"))
    var roundness: Double?

    @Flag(inversion: .prefixedNo, help: "Recover clipped highlights so lamps bloom into bright bokeh (Nuke bloom). Default: on for 8/16-bit input (PNG, JPEG, movies), off for OpenEXR and PFM.")
    var bloom: Bool?

    @Option(name: .customLong("bloom-threshold"), parsing: .unconditional, help: ArgumentHelp("Linear luminance where the boost starts (default 0.9).", valueName: "0-1"))
    var bloomThreshold: Float?

    @Option(name: .customLong("bloom-gain"), parsing: .unconditional, help: "Strength of the soft knee on bright pixels (default 16).")
    var bloomGain: Float?

    @Option(name: .customLong("bloom-size"), parsing: .unconditional, help: ArgumentHelp("Radius of the disc a small clipped light fills at full white (default 1/40 of the width: 24 px at 960, 48 at 1920; 0: the knee alone).", valueName: "PX"))
    var bloomSize: Float?

    func apply(to shot: inout Shot) {
        if let filter { shot.filter = filter }
        if let blades { shot.blades = blades }
        if let rotation { shot.rotation = rotation }
        if let roundness { shot.roundness = roundness }
        if let bloom { shot.bloom = bloom }
        if let bloomThreshold { shot.bloomThreshold = bloomThreshold }
        if let bloomGain { shot.bloomGain = bloomGain }
        if let bloomSize { shot.bloomSize = bloomSize }
    }
}

struct FocusOptions: ParsableArguments {
    @Option(name: [.customLong("focus"), .customLong("center")], parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Focus: a distance (2.5 in depth units, or 2.5m, 150cm, 5ft) for the whole shot, or a keyframe FRAME:VALUE[:EASING] (repeat it), where VALUE is a distance or @X,Y (the depth under that pixel, picked on every frame) and EASING shapes the segment ending at this key.",
        valueName: "DIST|FRAME:VALUE[:EASING]"))
    var focus: [String] = []

    @Option(name: .customLong("focal-point"), help: ArgumentHelp("Nuke's focal_point: focus on the depth under pixel X,Y on every frame (same as --focus @X,Y).", valueName: "X,Y"))
    var focalPoint: String?

    @Option(help: ArgumentHelp("Default easing of focus segments: \(Easing.names.joined(separator: ", ")).", valueName: "EASING"))
    var ease: String?

    @Option(help: ArgumentHelp("Interpolate focus in diopter (1/distance, the default: blur changes evenly) or distance."))
    var interpolation: FocusTrack.Space?

    @Option(name: .customLong("pick-radius"), parsing: .unconditional, help: ArgumentHelp("Radius in pixels of the disc whose median depth an @X,Y focus point picks (default 4).", valueName: "PX"))
    var pickRadius: Int?

    @Option(parsing: .unconditional, help: "Most depth layers the frame is cut into (Nuke ZDefocus layers; default 16). More: fewer occlusion errors inside a layer, slower.")
    var layers: Int?

    @Option(parsing: .unconditional, help: "Worker threads (0 = one per core, the default). The output is identical for any value.")
    var threads: Int?

    func apply(to shot: inout Shot) throws {
        if !focus.isEmpty {
            shot.focus = try focus.map { (text) throws(ShotError) in try FocusKey(parsing: text, name: "--focus") }
            shot.focalPoint = nil
        }
        if let focalPoint {
            shot.focalPoint = try PixelPoint(parsing: focalPoint, name: "--focal-point")
            if focus.isEmpty { shot.focus = [] }
        }
        if let ease {
            do { shot.ease = try Easing(parsing: ease) } catch { throw ShotError("--ease: \(error.description)") }
        }
        if let interpolation { shot.interpolation = interpolation }
        if let pickRadius { shot.pickRadius = pickRadius }
        if let layers { shot.layers = layers }
        if let threads { shot.threads = threads }
    }
}

struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output file or pattern (.png, .jpg, .pfm, .exr). Missing folders are created; written atomically; never over an input.", valueName: "PATH"))
    var output: String?

    @Flag(name: .customLong("skip-existing"), inversion: .prefixedNo, help: "Skip frames whose output file exists (resume an interrupted render; a file exists only once fully written).")
    var skipExisting: Bool?

    @Option(name: .customLong("bit-depth"), parsing: .unconditional, help: "PNG output bit depth: 8 (default) or 16.")
    var bitDepth: Int?

    @Option(parsing: .unconditional, help: "JPEG quality 1-100 (default 92).")
    var quality: Int?

    @Option(help: ArgumentHelp("What to write: result (the render), or a view that shows focus: focal-plane (red in front, green in focus, blue behind), coc (blur radius map with legend), depth (as interpreted, near white), layers."))
    var view: FocusView?

    @Flag(inversion: .prefixedNo, help: "Render with the scalar reference renderer: every pixel scattered over its own aperture at full resolution, no speed-ups (slow; to check a picture of the fast engine).")
    var reference: Bool?

    @Flag(name: .customLong("png-smallest"), inversion: .prefixedNo, help: "Compress PNG as small as possible (much slower to write).")
    var pngSmallest: Bool?

    @Option(name: .customLong("exr-type"), help: ArgumentHelp("OpenEXR output samples: half (16-bit float, the default) or float (32-bit). Output is linear and keeps values above 1."))
    var exrType: EXRSampleType?

    @Option(name: .customLong("exr-compression"), help: ArgumentHelp("OpenEXR output compression (default zip)."))
    var exrCompression: EXRCodec.Compression?

    @Option(name: .customLong("png-compression"), parsing: .unconditional, help: ArgumentHelp("PNG zlib level (FFmpeg's -compression_level): 0 stores (fast intermediates), 9 smallest; default 2.", valueName: "0-9"))
    var pngCompression: Int?

    @Option(help: ArgumentHelp("Movie output codec; default by the extension: .mov prores (422 HQ), .mp4 h264, .mkv ffv1 (lossless 16-bit)."))
    var codec: VideoCodec?

    @Option(parsing: .unconditional, help: ArgumentHelp("H.264 quality, constant rate factor (default 16; lower is better).", valueName: "0-51"))
    var crf: Int?

    @Option(name: .customLong("frame-rate"), help: ArgumentHelp("Frames per second of a movie made from images (default 24; a movie input keeps its own).", valueName: "N|N/D"))
    var frameRate: String?

    @Flag(inversion: .prefixedNo, help: "Print nothing but errors.")
    var quiet: Bool?

    func apply(to shot: inout Shot) {
        if let output { shot.output = output }
        if let skipExisting { shot.skipExisting = skipExisting }
        if let reference { shot.reference = reference }
        if let bitDepth { shot.bitDepth = bitDepth }
        if let quality { shot.quality = quality }
        if let view { shot.view = view }
        if let pngSmallest { shot.pngSmallest = pngSmallest }
        if let exrType { shot.exrType = exrType }
        if let exrCompression { shot.exrCompression = exrCompression }
        if let quiet { shot.quiet = quiet }
        if let pngCompression { shot.pngCompression = pngCompression }
        if let codec { shot.codec = codec }
        if let crf { shot.crf = crf }
        if let frameRate { shot.frameRate = frameRate }
    }
}

// One list of words per setting: ArgumentParser reads, validates and lists them in --help from it.
// (Constrained as ArgumentParser's own RawRepresentable default is, plus ShotWord, so this one wins.)
extension ExpressibleByArgument where Self: ShotWord, Self: RawRepresentable, Self.RawValue: ExpressibleByArgument {
    public init?(argument: String) { self.init(word: argument) }
    public static var allValueStrings: [String] { words }
    public var defaultValueDescription: String { word }
}

extension DepthInterpretation.Math: ExpressibleByArgument {}
extension DepthUnit: ExpressibleByArgument {}
extension Breathing: ExpressibleByArgument {}
extension ApertureFilter: ExpressibleByArgument {}
extension FocusTrack.Space: ExpressibleByArgument {}
extension FocusView: ExpressibleByArgument {}
extension EXRSampleType: ExpressibleByArgument {}
extension EXRCodec.Compression: ExpressibleByArgument {}
extension VideoCodec: ExpressibleByArgument {}

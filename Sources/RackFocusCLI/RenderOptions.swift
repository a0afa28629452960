import ArgumentParser
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline

struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("RGB image or sequence pattern (name.%04d.png or name.####.png): PNG, JPEG, PFM or OpenEXR (linear HDR).", valueName: "PATH"))
    var rgb: String?

    @Option(help: ArgumentHelp("Depth image or sequence pattern (PNG 8/16-bit, PFM or OpenEXR float; may be the RGB file itself when it is an EXR with a Z channel).", valueName: "PATH"))
    var depth: String?

    @Option(name: .customLong("rgb-layer"), help: ArgumentHelp("OpenEXR: the layer whose .R .G .B (.A) channels are the picture (beauty, ViewLayer.Combined). Default: R,G,B(,A), else the only colour layer or the one named combined/beauty/rgba.", valueName: "NAME"))
    var rgbLayer: String?

    @Option(name: .customLong("rgb-part"), help: ArgumentHelp("OpenEXR multi-part: read the picture from the part with this name.", valueName: "NAME"))
    var rgbPart: String?

    @Option(name: .customLong("depth-channel"), help: ArgumentHelp("OpenEXR: the depth channel. Default: Z, else a depth layer's Z (depth.Z, ViewLayer.Depth.Z), a channel named depth, any layer's Z, or the only channel.", valueName: "NAME"))
    var depthChannel: String?

    @Option(name: .customLong("depth-part"), help: ArgumentHelp("OpenEXR multi-part: read depth from the part with this name.", valueName: "NAME"))
    var depthPart: String?

    /// Which OpenEXR channels are the picture and which the depth.
    var exrSelections: (rgb: EXRSelection, depth: EXRSelection) {
        (EXRSelection(role: .colour, part: rgbPart, layer: rgbLayer), EXRSelection(role: .depth, part: depthPart, channel: depthChannel))
    }

    @Flag(name: .customLong("resize-depth"), help: "Scale a depth pass whose size differs from the RGB to the RGB size (nearest neighbour). Without it, a size mismatch is an error.")
    var resizeDepth = false

    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Refuse frames whose render would need more than this many megabytes (about 120 bytes per pixel + 40 MB).", valueName: "MB"))
    var memoryLimit: Int = 16384

    @Option(help: ArgumentHelp("Frames to render: 1001-1048, 1-100x2, 1,5,9. Default: the frames of the RGB sequence on disk, or frame 1 for a still.", valueName: "RANGE"))
    var frames: String?
}

struct DepthOptions: ParsableArguments {
    @Option(help: ArgumentHelp("What depth values mean (Nuke names): depth, far=0, far=1, direct, -depth, far=-0, far=-1, -direct (write --math=-depth, or neg-depth, neg-direct).", valueName: "MATH"))
    var math: String = "depth"

    @Option(name: .customLong("depth-range"), help: ArgumentHelp("Distances of code 0 and of the largest code of an integer depth map.", valueName: "NEAR,FAR"))
    var depthRange: String?

    @Flag(name: .customLong("near-white"), help: "Integer depth maps: white is near (flip before mapping).")
    var nearWhite = false

    @Option(name: .customLong("depth-unit"), help: ArgumentHelp("Unit of depth and focus distances: m, cm, mm, ft, in.", valueName: "UNIT"))
    var depthUnit: String = "m"

    func interpretation() throws -> DepthInterpretation {
        guard let math = DepthInterpretation.Math(name: math) else {
            throw ValidationError("--math \"\(math)\": expected one of \(DepthInterpretation.Math.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let unit = DepthInterpretation.units[depthUnit] else {
            throw ValidationError("--depth-unit \"\(depthUnit)\": expected one of m, cm, mm, ft, in")
        }
        var range: ClosedRange<Double>?
        if let text = depthRange {
            let parts = text.split(separator: ",").map { Double(String($0).trimmingWhitespace()) }
            guard parts.count == 2, let near = parts[0], let far = parts[1], near.isFinite, far.isFinite, near != far else {
                throw ValidationError("--depth-range \"\(text)\": expected NEAR,FAR, two different numbers")
            }
            guard near < far else {  // (before the range is formed: a reversed ClosedRange traps)
                throw ValidationError("--depth-range \"\(text)\": NEAR must be below FAR (use --near-white to flip the map)")
            }
            range = near...far
        }
        return DepthInterpretation(math: math, range: range, nearWhite: nearWhite, metresPerUnit: unit)
    }
}

struct LensOptions: ParsableArguments {
    @Option(name: .customLong("focal-length"), help: ArgumentHelp("Focal length in mm (physical lens).", valueName: "MM"))
    var focalLength: Double?

    @Option(help: ArgumentHelp("Aperture f-number (physical lens), e.g. 2.8; or keys FRAME:N[:EASING], repeated, to pull the aperture too.", valueName: "N"))
    var fstop: [String] = []

    @Option(name: .customLong("sensor-width"), help: ArgumentHelp("Sensor (film back) width in mm.", valueName: "MM"))
    var sensorWidth: Double = 36

    @Option(help: ArgumentHelp("Focus breathing: on (Potmesil-Chakravarty, as Blender) or off (fixed field of view, an ideal thin lens).", valueName: "on|off"))
    var breathing: String = "on"

    @Option(help: ArgumentHelp("Artistic lens (Nuke ZDefocus size): blur radius in px of a point at infinity; or keys FRAME:PX[:EASING]. Replaces the physical lens.", valueName: "PX"))
    var size: [String] = []

    @Option(help: ArgumentHelp("Artistic lens: depth of the in-focus band around the focal plane, in depth units.", valueName: "DIST"))
    var dof: Double = 0

    @Option(help: ArgumentHelp("Largest blur radius in px (Nuke maximum, Blender blur_max).", valueName: "PX"))
    var maximum: Double = 32

    /// The lens at each frame (the f-number or artistic size may be keyframed).
    func lens(depth: DepthOptions) throws -> LensTrack {
        guard maximum > 0 && maximum <= 512 else { throw ValidationError("--maximum must be above 0 and at most 512 px") }
        let interpretation = try depth.interpretation()
        func track(_ texts: [String], _ name: String, positive: Bool) throws -> ValueTrack {
            let t: ValueTrack
            do { t = try ValueTrack(parsing: texts, name: name) } catch { throw ValidationError(error.description) }
            for key in t.keys where positive ? !(key.value > 0) : !(key.value >= 0) {
                throw ValidationError("\(name) must be \(positive ? "positive" : "0 or more"), got \(key.value)")
            }
            return t
        }
        if interpretation.math == .direct || interpretation.math == .negativeDirect {
            return LensTrack(kind: .direct, values: size.isEmpty ? ValueTrack(constant: 1) : try track(size, "--size", positive: false))
        }
        if !size.isEmpty {
            guard dof >= 0 else { throw ValidationError("--dof must be 0 or more") }
            return LensTrack(kind: .artistic(dof: dof * interpretation.metresPerUnit), values: try track(size, "--size", positive: false))
        }
        guard let focalLength, !fstop.isEmpty else {
            throw ValidationError("give a physical lens (--focal-length MM --fstop N [--sensor-width MM]) or an artistic one (--size PX)")
        }
        guard focalLength > 0, sensorWidth > 0 else {
            throw ValidationError("--focal-length and --sensor-width must be positive")
        }
        guard breathing == "on" || breathing == "off" else { throw ValidationError("--breathing takes on or off") }
        return LensTrack(kind: .thinLens(focalLength: focalLength, sensorWidth: sensorWidth, breathing: breathing == "on"),
                         values: try track(fstop, "--fstop", positive: true))
    }
}

/// A lens whose f-number (or artistic size) may change over the shot.
struct LensTrack {
    enum Kind {
        case thinLens(focalLength: Double, sensorWidth: Double, breathing: Bool)
        case artistic(dof: Double)
        case direct
    }
    let kind: Kind
    /// f-number, or size in px.
    let values: ValueTrack

    func model(at frame: Int) -> LensModel {
        let v = values.value(at: frame)
        switch kind {
        case let .thinLens(f, sensor, breathing): return .thinLens(focalLength: f, fNumber: v, sensorWidth: sensor, breathing: breathing)
        case let .artistic(dof): return .artistic(size: v, dof: dof)
        case .direct: return .direct(size: v)
        }
    }

    /// "f/2.8" or "size 20 px", for logs.
    func describe(at frame: Int) -> String {
        let v = (values.value(at: frame) * 1000).rounded() / 1000
        if case .thinLens = kind { return "f/\(v)" }
        return "size \(v) px"
    }
}

struct BokehOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Aperture shape: disc or bladed.", valueName: "disc|bladed"))
    var filter: String = "disc"

    @Option(help: "Number of aperture blades (3-16) for --filter bladed.")
    var blades: Int = 6

    @Option(help: ArgumentHelp("Rotation of the blades in degrees.", valueName: "DEG"))
    var rotation: Double = 0

    @Option(help: ArgumentHelp("Curvature of the blades: 0 straight, 1 round.", valueName: "0-1"))
    var roundness: Double = 0

    @Flag(help: "Boost clipped highlights so they bloom into bright bokeh (8/16-bit input; Nuke bloom).")
    var bloom = false

    @Option(name: .customLong("bloom-threshold"), help: ArgumentHelp("Linear luminance where the boost starts.", valueName: "0-1"))
    var bloomThreshold: Float = 0.8

    @Option(name: .customLong("bloom-gain"), help: "Strength of the boost.")
    var bloomGain: Float = 8

    func shape() throws -> ApertureShape {
        switch filter {
        case "disc": return .disc
        case "bladed":
            guard (3...16).contains(blades) else { throw ValidationError("--blades must be 3 to 16") }
            guard (0...1).contains(roundness) else { throw ValidationError("--roundness must be 0 to 1") }
            return .bladed(blades: blades, rotation: rotation, roundness: roundness)
        default:
            throw ValidationError("--filter \"\(filter)\": expected disc or bladed")
        }
    }

    func highlightBoost() -> HighlightBoost? {
        bloom ? HighlightBoost(threshold: bloomThreshold, gain: bloomGain) : nil
    }
}

struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output file or pattern (.png, .jpg, .pfm, .exr). Written atomically; never over an input.", valueName: "PATH"))
    var output: String?

    @Flag(name: .customLong("skip-existing"), help: "Skip frames whose output file exists (resume an interrupted render; a file exists only once fully written).")
    var skipExisting = false

    @Option(name: .customLong("bit-depth"), help: "PNG output bit depth: 8 or 16.")
    var bitDepth: Int = 8

    @Option(help: "JPEG quality 1-100.")
    var quality: Int = 92

    @Option(help: ArgumentHelp("What to write: result (the render), or a view that shows focus: focal-plane (red in front, green in focus, blue behind), coc (blur radius map with legend), depth (as interpreted, near white), layers.", valueName: "VIEW"))
    var view: String = "result"

    @Flag(name: .customLong("png-smallest"), help: "Compress PNG as small as possible (much slower to write).")
    var pngSmallest = false

    @Option(name: .customLong("exr-type"), help: ArgumentHelp("OpenEXR output samples: half (16-bit float) or float (32-bit). Output is linear and keeps values above 1.", valueName: "half|float"))
    var exrType: String = "half"

    @Option(name: .customLong("exr-compression"), help: ArgumentHelp("OpenEXR output compression: none, rle, zips, zip, piz, pxr24, b44, b44a, dwaa, dwab.", valueName: "NAME"))
    var exrCompression: String = "zip"

    func writeOptions() throws -> WriteOptions {
        guard bitDepth == 8 || bitDepth == 16 else { throw ValidationError("--bit-depth must be 8 or 16") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1 to 100") }
        guard exrType == "half" || exrType == "float" else { throw ValidationError("--exr-type must be half or float") }
        guard let compression = EXRCodec.Compression(name: exrCompression) else {
            throw ValidationError("--exr-compression \"\(exrCompression)\": expected one of \(EXRCodec.Compression.allCases.map(\.name).joined(separator: ", "))")
        }
        return WriteOptions(bitDepth: bitDepth, png: pngSmallest ? .smallest : .fast, jpeg: .init(quality: quality),
                            exr: .init(pixelType: exrType == "float" ? .float : .half, compression: compression))
    }
}

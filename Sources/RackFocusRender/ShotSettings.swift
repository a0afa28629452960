import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews
import RackFocusVideo

/// What a shot's settings mean for the engine, the timeline and the writers, and the checks that
/// need no file. Messages name the option (`--roundness`), which is also the shot file's key.
extension Shot {
    /// Refuses settings out of their documented range, before any file is read.
    public func validate() throws(ShotError) {
        guard (rgb == nil) == (depth == nil) else { throw ShotError("give both --rgb and --depth, or neither (plates only)") }
        guard rgb != nil || !plates.isEmpty else { throw ShotError("give --rgb and --depth, or plates (--plate IMAGE@DEPTH), or a shot file") }
        if let frames {
            do { _ = try FrameRange(parsing: frames) } catch { throw ShotError("--frames: \(error.description)") }
        }
        guard memoryLimit > 0 else { throw ShotError("--memory-limit must be positive") }
        guard abs(firstFrame) <= 1_000_000_000 else { throw ShotError("--first-frame must be within ±1000000000") }
        let rate = frameRate.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(rate.count), rate.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ShotError("--frame-rate \"\(frameRate)\": expected frames per second as N or N/D (24, 25, 24000/1001)")
        }
        if let output, FFmpeg.isMovie(output) {
            guard !skipExisting else { throw ShotError("--skip-existing resumes image sequences; a movie is written whole") }
            guard view == .result || view == .focalPlane || view == .depth || view == .layers else {
                throw ShotError("--view \(view.word) draws a legend and cannot go into a movie; write images")
            }
        }
        _ = try interpretation()
        _ = try lensTrack()
        _ = try aperture()
        _ = try highlightBoost()
        _ = try focusTrack()
        _ = try writeOptions()
        guard threads >= 0 else { throw ShotError("--threads must be 0 or more") }
        guard (1...64).contains(layers) else { throw ShotError("--layers must be 1 to 64") }
        guard (0...64).contains(pickRadius) else { throw ShotError("--pick-radius must be 0 to 64") }
        if depth == nil {
            guard view == .result else { throw ShotError("--view needs the depth pass (--rgb and --depth)") }
            guard !(try focusTrack().usesPoints) else { throw ShotError("an @X,Y focus point needs the depth pass (--depth)") }
        }
        for plate in plates {
            if case .keys(let keys) = plate.depth { _ = try track(keys.map { ValueKey(frame: $0.frame, $0.value.value, easing: $0.easing) }, "--plate \"\(plate.text)\"", positive: true) }
        }
    }

    /// How depth values become disparity.
    public func interpretation() throws(ShotError) -> DepthInterpretation {
        var range: ClosedRange<Double>?
        if let depthRange {
            let (near, far) = (depthRange.near, depthRange.far)
            guard near.isFinite, far.isFinite, near != far else {
                throw ShotError("--depth-range \"\(near),\(far)\": expected NEAR,FAR, two different numbers")
            }
            guard near < far else {  // (before the range is formed: a reversed ClosedRange traps)
                throw ShotError("--depth-range \"\(near),\(far)\": NEAR must be below FAR (use --near-white to flip the map)")
            }
            range = near...far
        }
        return DepthInterpretation(math: math, range: range, nearWhite: nearWhite, metresPerUnit: depthUnit.metres)
    }

    /// A track of keyed numbers; `positive` refuses 0 as well as negatives.
    func track(_ keys: [ValueKey], _ name: String, positive: Bool) throws(ShotError) -> ValueTrack {
        guard keys.count == 1 || keys.allSatisfy({ $0.frame != nil }) else {
            throw ShotError("\(name): with several keys each must be FRAME:VALUE[:EASING]")
        }
        for key in keys where positive ? !(key.value > 0) : !(key.value >= 0) || !key.value.isFinite {
            throw ShotError("\(name) must be \(positive ? "positive" : "0 or more"), got \(key.value)")
        }
        do {
            return try ValueTrack(keys: keys.map { ValueTrack.Key(frame: $0.frame ?? 0, value: $0.value, easing: $0.easing) })
        } catch {
            throw ShotError("\(name): \(error.description)")
        }
    }

    /// The lens at each frame (the f-number or artistic size may be keyed).
    public func lensTrack() throws(ShotError) -> LensTrack {
        guard maximum > 0 && maximum <= 512 else { throw ShotError("--maximum must be above 0 and at most 512 px") }
        if math == .direct || math == .negativeDirect {
            return LensTrack(kind: .direct, values: size.isEmpty ? ValueTrack(constant: 1) : try track(size, "--size", positive: false))
        }
        if !size.isEmpty {
            guard dof >= 0, dof.isFinite else { throw ShotError("--dof must be 0 or more") }
            return LensTrack(kind: .artistic(dof: dof * depthUnit.metres), values: try track(size, "--size", positive: false))
        }
        guard let focalLength, !fstop.isEmpty else {
            throw ShotError("give a physical lens (--focal-length MM --fstop N [--sensor-width MM]) or an artistic one (--size PX)")
        }
        guard focalLength > 0, sensorWidth > 0, focalLength.isFinite, sensorWidth.isFinite else {
            throw ShotError("--focal-length and --sensor-width must be positive")
        }
        return LensTrack(kind: .thinLens(focalLength: focalLength, sensorWidth: sensorWidth, breathing: breathing == .on),
                         values: try track(fstop, "--fstop", positive: true))
    }

    /// The aperture shape. Blade settings are checked whatever the filter, as every value is.
    public func aperture() throws(ShotError) -> ApertureShape {
        guard (3...16).contains(blades) else { throw ShotError("--blades must be 3 to 16") }
        guard (0...1).contains(roundness) else { throw ShotError("--roundness must be 0 to 1, got \(roundness)") }
        guard rotation.isFinite else { throw ShotError("--rotation must be a finite angle") }
        switch filter {
        case .disc: return .disc
        case .bladed: return .bladed(blades: blades, rotation: rotation, roundness: roundness)
        }
    }

    /// The highlight boost of `--bloom` (nil without it). Its values are checked either way.
    /// - Parameter integerInput: whether the pictures are 8/16-bit (the automatic choice, `bloom` nil).
    public func highlightBoost(integerInput: Bool = true) throws(ShotError) -> HighlightBoost? {
        guard (0...1).contains(bloomThreshold) else {
            throw ShotError("--bloom-threshold must be 0 to 1 (linear luminance), got \(bloomThreshold)")
        }
        guard bloomGain >= 0 && bloomGain.isFinite else { throw ShotError("--bloom-gain must be 0 or more, got \(bloomGain)") }
        if let bloomSize, !(bloomSize >= 0 && bloomSize <= 1024) {
            throw ShotError("--bloom-size must be 0 to 1024 px, got \(bloomSize)")
        }
        guard bloom ?? integerInput else { return nil }
        return HighlightBoost(threshold: bloomThreshold, gain: bloomGain, lightRadius: bloomSize)
    }

    /// Whether the shot's pictures are integer (PNG, JPEG, a movie), where highlights are clipped:
    /// decided by the RGB input's (or the first plate's) file name; float formats are OpenEXR and PFM.
    public var integerInput: Bool {
        guard let picture = rgb ?? plates.first?.image else { return true }
        let name = picture.lowercased()
        return !(name.hasSuffix(".exr") || name.hasSuffix(".pfm"))
    }

    /// The focus over the frames, from `focus` (or `focalPoint`), `ease` and `interpolation`.
    public func focusTrack() throws(ShotError) -> FocusTrack {
        var keys: [FocusTrack.Key] = []
        if let focalPoint {
            guard focus.isEmpty else { throw ShotError("give either --focal-point or --focus, not both") }
            keys = [FocusTrack.Key(frame: 0, target: .point(x: focalPoint.x, y: focalPoint.y))]
        } else {
            guard !focus.isEmpty else { throw ShotError("give --focus DIST, or keyframes --focus FRAME:VALUE[:EASING]") }
            guard focus.count == 1 || focus.allSatisfy({ $0.frame != nil }) else {
                throw ShotError("--focus: with several keys each must be FRAME:VALUE[:EASING]")
            }
            for key in focus {
                switch key.value {
                case .distance(let length):
                    keys.append(FocusTrack.Key(frame: key.frame ?? 0, target: .distance(length.metres(defaultUnit: depthUnit)), easing: key.easing))
                case .point(let p):
                    keys.append(FocusTrack.Key(frame: key.frame ?? 0, target: .point(x: p.x, y: p.y), easing: key.easing))
                }
            }
        }
        do { return try FocusTrack(keys: keys, defaultEasing: ease, space: interpolation) } catch {
            throw ShotError("--focus: \(error.description)")
        }
    }

    /// Engine settings (the lens at frame 0; keyed apertures are applied per frame).
    public func engineSettings() throws(ShotError) -> DefocusSettings {
        DefocusSettings(lens: try lensTrack().model(at: 0), maximumRadius: maximum, aperture: try aperture(),
                        highlights: try highlightBoost(integerInput: integerInput), threads: threads, maximumLayers: layers)
    }

    /// How frames are encoded.
    public func writeOptions() throws(ShotError) -> WriteOptions {
        guard bitDepth == 8 || bitDepth == 16 else { throw ShotError("--bit-depth must be 8 or 16") }
        guard (1...100).contains(quality) else { throw ShotError("--quality must be 1 to 100") }
        guard (0...51).contains(crf) else { throw ShotError("--crf must be 0 to 51") }
        var png: PNGCodec.Options = pngSmallest ? .smallest : .fast
        if let pngCompression {
            guard (0...9).contains(pngCompression) else { throw ShotError("--png-compression must be 0 to 9") }
            png.compressionLevel = pngCompression
        }
        return WriteOptions(bitDepth: bitDepth, png: png, jpeg: .init(quality: quality),
                            exr: .init(pixelType: exrType.pixelType, compression: exrCompression))
    }

    /// Which OpenEXR channels are the picture and which the depth.
    public var exrSelections: (rgb: EXRSelection, depth: EXRSelection) {
        (EXRSelection(role: .colour, part: rgbPart, layer: rgbLayer), EXRSelection(role: .depth, part: depthPart, channel: depthChannel))
    }

    public var focusPicker: FocusPicker { FocusPicker(radius: pickRadius) }
}

/// A lens whose f-number (or artistic size) may change over the shot.
public struct LensTrack: Sendable {
    public enum Kind: Sendable {
        case thinLens(focalLength: Double, sensorWidth: Double, breathing: Bool)
        case artistic(dof: Double)
        case direct
    }
    public let kind: Kind
    /// f-number, or size in px.
    public let values: ValueTrack

    public func model(at frame: Int) -> LensModel {
        let v = values.value(at: frame)
        switch kind {
        case let .thinLens(f, sensor, breathing): return .thinLens(focalLength: f, fNumber: v, sensorWidth: sensor, breathing: breathing)
        case let .artistic(dof): return .artistic(size: v, dof: dof)
        case .direct: return .direct(size: v)
        }
    }

    /// "f/2.8" or "size 20 px", for logs.
    public func describe(at frame: Int) -> String {
        let v = (values.value(at: frame) * 1000).rounded() / 1000
        if case .thinLens = kind { return "f/\(v)" }
        return "size \(v) px"
    }
}

import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews
import RackFocusVideo

/// Everything that describes a render: inputs, depth, lens, bokeh, focus and output. A shot file
/// (JSON, one key per long option name) decodes straight into it; the command line's options
/// override its fields. Values are checked by `validate()`; files are looked at by `FrameJob`.
public struct Shot: Sendable, Equatable {
    // MARK: Inputs
    /// The RGB image or sequence pattern (`name.%04d.png`, `name.####.png`); nil for plates only.
    public var rgb: String?
    /// Its depth pass (may be the RGB file itself: an OpenEXR with Z).
    public var depth: String?
    /// 2D plates composited front to back over the RGB + depth render (or alone). Key `plate`.
    public var plates: [PlateSpec] = []
    /// Frames to render (`1001-1048`, `1-100x2`, `1,5,9`); nil: the RGB sequence's frames on disk.
    public var frames: String?
    /// OpenEXR channel choice (see `EXRSelection`).
    public var rgbLayer: String?
    public var rgbPart: String?
    public var depthChannel: String?
    public var depthPart: String?
    /// Scale a depth pass of another size to the RGB size (nearest neighbour).
    public var resizeDepth = false
    /// Frames needing more megabytes than this are refused up front.
    public var memoryLimit = 16384

    // MARK: Depth
    public var math: DepthInterpretation.Math = .depth
    /// Distances of code 0 and of the largest code of an integer depth map.
    public var depthRange: DepthRange?
    /// Integer depth maps: white is near.
    public var nearWhite = false
    public var depthUnit: DepthUnit = .m

    // MARK: Lens
    public var focalLength: Double?
    /// The f-number, constant or keyed.
    public var fstop: [ValueKey] = []
    public var sensorWidth = 36.0
    public var breathing: Breathing = .on
    /// Artistic lens (Nuke ZDefocus size): blur radius in px at infinity, constant or keyed.
    public var size: [ValueKey] = []
    /// Artistic lens: the in-focus band, depth units.
    public var dof = 0.0
    /// Largest blur radius in px.
    public var maximum = 32.0

    // MARK: Bokeh
    public var filter: ApertureFilter = .disc
    public var blades = 6
    public var rotation = 0.0
    public var roundness = 0.0
    /// Highlight recovery (`HighlightBoost`); nil = automatic: on for integer input (PNG, JPEG,
    /// movies), whose highlights are clipped, off for float input (OpenEXR, PFM), which keeps them.
    public var bloom: Bool?
    public var bloomThreshold: Float = 0.9
    public var bloomGain: Float = 16
    /// Radius (px) of the disc a small clipped light fills at full white; nil: 1/40 of the width.
    public var bloomSize: Float?

    // MARK: Focus
    /// One distance for the whole shot, or keys.
    public var focus: [FocusKey] = []
    /// Nuke's focal_point: focus on the depth under this pixel on every frame (instead of `focus`).
    public var focalPoint: PixelPoint?
    /// Default easing of focus segments.
    public var ease: Easing = .linear
    public var interpolation: FocusTrack.Space = .diopter
    /// Radius of the disc whose median depth a point key picks.
    public var pickRadius = 4

    // MARK: Render
    public var layers = 16
    /// Worker threads; 0 = one per core. The output is identical for any value.
    public var threads = 0
    public var quiet = false

    // MARK: Output
    /// Output file or pattern (.png, .jpg, .pfm, .exr).
    public var output: String?
    public var skipExisting = false
    /// PNG bit depth, 8 or 16.
    public var bitDepth = 8
    /// JPEG quality 1-100.
    public var quality = 92
    public var view: FocusView = .result
    /// Render with the engine's scalar reference renderer (exact full-resolution scatter, slow), to
    /// check what the fast engine draws.
    public var reference = false
    public var pngSmallest = false
    public var exrType: EXRSampleType = .half
    public var exrCompression: EXRCodec.Compression = .zip
    /// PNG zlib level 0-9 (FFmpeg's -compression_level); nil: the fast default (2), or 9 with `pngSmallest`.
    public var pngCompression: Int?
    /// Movie output's codec; nil: by the extension (.mov ProRes 422 HQ, .mp4 H.264, .mkv FFV1).
    public var codec: VideoCodec?
    /// H.264's constant rate factor (lower is better).
    public var crf = 16

    // MARK: Movies
    /// The frame number of a movie's first frame (its frame i is `firstFrame + i`).
    public var firstFrame = 1
    /// Frames per second of a movie made from an image sequence (`24`, `24000/1001`); a movie
    /// input's own rate wins.
    public var frameRate = "24"

    public init() {}
}

// MARK: - Values of a shot

/// A distance as written: a number in the shot's depth unit (`2.5`) or with its own (`2.5m`, `150cm`).
public struct Length: Sendable, Equatable, CustomStringConvertible {
    public var value: Double
    /// nil: the shot's `depthUnit`.
    public var unit: DepthUnit?

    public init(_ value: Double, unit: DepthUnit? = nil) {
        self.value = value
        self.unit = unit
    }

    /// "2.5", "2.5m", "150cm", "25mm", "5ft", "60in"; nil when it is not a finite number.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        // Longest suffix first: "mm" and "cm" before "m".
        for unit in [DepthUnit.mm, .cm, .ft, .in, .m] where trimmed.hasSuffix(unit.word) {
            guard let value = Double(trimmed.dropLast(unit.word.count)), value.isFinite else { return nil }
            self.init(value, unit: unit)
            return
        }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        self.init(value)
    }

    public func metres(defaultUnit: DepthUnit) -> Double { value * (unit ?? defaultUnit).metres }

    public var description: String { "\(value)" + (unit?.word ?? "") }
}

/// What a focus key aims at.
public enum FocusTarget: Sendable, Equatable, CustomStringConvertible {
    case distance(Length)
    /// The depth under a pixel, picked on every frame.
    case point(PixelPoint)

    /// "2.5", "150cm" or "@X,Y"; `name` is used in messages.
    public init(parsing text: String, name: String) throws(ShotError) {
        let value = text.trimmingWhitespace()
        if value.hasPrefix("@") {
            self = .point(try PixelPoint(parsing: String(value.dropFirst()), name: name, marker: "@"))
            return
        }
        guard let length = Length(parsing: value), length.value > 0 else {
            throw ShotError("\(name): \"\(value)\" is not a positive distance (e.g. 2.5, 2.5m, 150cm, 5ft)")
        }
        self = .distance(length)
    }

    public var description: String {
        switch self {
        case .distance(let length): length.description
        case .point(let p): "@\(p)"
        }
    }
}

/// A pixel position, from the top-left.
public struct PixelPoint: Sendable, Equatable, CustomStringConvertible {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// "X,Y" (`marker` is what precedes it where it is written: "@" in a focus key).
    public init(parsing text: String, name: String, marker: String = "") throws(ShotError) {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double(String($0).trimmingWhitespace()) }
        guard numbers.count == 2, let x = numbers[0], let y = numbers[1], x.isFinite, y.isFinite else {
            throw ShotError("\(name): a point is \(marker)X,Y in pixels, e.g. \(marker)240,135")
        }
        self.init(x: x, y: y)
    }

    public var description: String { "\(x),\(y)" }
}

/// A keyframe: a value at a frame (nil: the value holds for the whole shot), and the easing of the
/// segment that ends at it (nil: the track's default).
public struct Key<Value: Sendable & Equatable>: Sendable, Equatable {
    public var frame: Int?
    public var value: Value
    public var easing: Easing?

    public init(frame: Int? = nil, _ value: Value, easing: Easing? = nil) {
        self.frame = frame
        self.value = value
        self.easing = easing
    }
}

public typealias FocusKey = Key<FocusTarget>
public typealias ValueKey = Key<Double>
public typealias LengthKey = Key<Length>

extension Key {
    /// `FRAME:VALUE[:EASING]` or `VALUE`, through the one keyframe parser; `value` reads the value text.
    public init(parsing text: String, name: String, value: (String) throws(ShotError) -> Value) throws(ShotError) {
        let key: KeyText
        do { key = try KeyText(parsing: text, name: name) } catch { throw ShotError(error.description) }
        self.init(frame: key.frame, try value(key.value), easing: key.easing)
    }
}

extension ValueKey {
    /// `2.8` or `1001:2.8[:EASING]`.
    public init(parsing text: String, name: String) throws(ShotError) {
        try self.init(parsing: text, name: name) { (v: String) throws(ShotError) -> Double in
            guard let number = Double(v), number.isFinite else { throw ShotError("\(name) \"\(text)\": \"\(v)\" is not a number") }
            return number
        }
    }
}

extension FocusKey {
    /// `2.5m`, `@240,135` or `1001:1.2[:EASING]`.
    public init(parsing text: String, name: String) throws(ShotError) {
        try self.init(parsing: text, name: name) { (v: String) throws(ShotError) in try FocusTarget(parsing: v, name: "\(name) \"\(text)\"") }
    }
}

extension LengthKey {
    /// `1.5m` or `1001:1.5m[:EASING]`.
    public init(parsing text: String, name: String) throws(ShotError) {
        try self.init(parsing: text, name: name) { (v: String) throws(ShotError) -> Length in
            guard let length = Length(parsing: v), length.value > 0 else {
                throw ShotError("\(name) \"\(text)\": \"\(v)\" is not a positive distance")
            }
            return length
        }
    }
}

/// The depth-range of integer depth maps.
public struct DepthRange: Sendable, Equatable {
    public var near: Double
    public var far: Double

    public init(near: Double, far: Double) {
        self.near = near
        self.far = far
    }

    /// "NEAR,FAR".
    public init(parsing text: String) throws(ShotError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double(String($0).trimmingWhitespace()) }
        guard parts.count == 2, let near = parts[0], let far = parts[1] else {
            throw ShotError("--depth-range \"\(text)\": expected NEAR,FAR, two numbers")
        }
        self.init(near: near, far: far)
    }
}

/// A 2D plate of a layered comp: an RGB(A) still or sequence at a depth that is constant or keyed,
/// or with a depth pass of its own.
public struct PlateSpec: Sendable, Equatable {
    public enum Depth: Sendable, Equatable {
        /// One distance, or keys.
        case keys([LengthKey])
        /// The plate's own depth pass, read with the shot's depth options.
        case map(String)
    }
    public var image: String
    public var depth: Depth

    public init(image: String, depth: Depth) {
        self.image = image
        self.depth = depth
    }

    /// `IMAGE@DEPTH`: DEPTH is a distance (`2.5`, `2.5m`), keys joined by `+`
    /// (`1001:1.2+1024:3m:ease-in`), or `map:DEPTHFILE`.
    public init(parsing text: String) throws(ShotError) {
        guard let at = text.lastIndex(of: "@"), at != text.startIndex else {
            throw ShotError("--plate \"\(text)\": expected IMAGE@DEPTH, e.g. fg.%04d.png@1.5m")
        }
        image = String(text[..<at])
        let spec = String(text[text.index(after: at)...])
        if spec.hasPrefix("map:") {
            depth = .map(String(spec.dropFirst(4)))
            return
        }
        let parts = spec.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        var keys: [LengthKey] = []
        for part in parts {
            let key = try LengthKey(parsing: part, name: "--plate \"\(text)\"")
            guard key.frame != nil || parts.count == 1 else {
                throw ShotError("--plate \"\(text)\": \"\(part)\" is not FRAME:DISTANCE[:EASING]")
            }
            keys.append(key)
        }
        depth = .keys(keys)
    }

    /// Back to `IMAGE@DEPTH`.
    public var text: String {
        switch depth {
        case .map(let file): return image + "@map:" + file
        case .keys(let keys): return image + "@" + keys.map { KeyText(frame: $0.frame, value: $0.value.description, easing: $0.easing).text }.joined(separator: "+")
        }
    }
}

/// A bad setting (exit code 2): one line naming the option or shot-file key.
public struct ShotError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A render that started with good inputs and then failed (exit code 1).
public struct RenderFailure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

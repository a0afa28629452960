import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews
import RackFocusVideo

/// A setting that takes one of a fixed set of words. The one list of cases gives validation, the
/// command line's help text and the shot file's vocabulary (README, "Shot files").
public protocol ShotWord: CaseIterable, Sendable, Hashable {
    /// How users write it (`far=0`, `focal-plane`, `zip`).
    var word: String { get }
    /// Reads a word; may accept aliases besides `word`.
    init?(word: String)
}

extension ShotWord {
    public init?(word: String) {
        guard let match = Self.allCases.first(where: { $0.word == word }) else { return nil }
        self = match
    }

    /// Every word, in declaration order.
    public static var words: [String] { allCases.map(\.word) }
}

/// Focus breathing of the physical lens.
public enum Breathing: String, ShotWord {
    /// Potmesil–Chakravarty, as Blender's Defocus node: the field of view changes with focus.
    case on
    /// A fixed field of view: an ideal thin lens, as a ray tracer's thin-lens camera.
    case off
    public var word: String { rawValue }
}

/// The aperture's shape.
public enum ApertureFilter: String, ShotWord {
    case disc, bladed
    public var word: String { rawValue }
}

/// The unit of depth values and of unit-less distances.
public enum DepthUnit: String, ShotWord {
    case m, cm, mm, ft, `in`
    public var word: String { rawValue }
    public var metres: Double {
        switch self {
        case .m: 1
        case .cm: 0.01
        case .mm: 0.001
        case .ft: 0.3048
        case .in: 0.0254
        }
    }
}

/// OpenEXR output samples.
public enum EXRSampleType: String, ShotWord {
    /// 16-bit float (the default, as Nuke and Blender write beauty passes).
    case half
    /// 32-bit float.
    case float
    public var word: String { rawValue }
    public var pixelType: EXRCodec.PixelType { self == .float ? .float : .half }
}

extension DepthInterpretation.Math: ShotWord {
    public var word: String { rawValue }
    /// Also the spelled-out aliases (`neg-depth`), see `init(name:)`.
    public init?(word: String) { self.init(name: word) }
}

extension FocusView: ShotWord {
    public var word: String { rawValue }
}

extension FocusTrack.Space: ShotWord {
    public var word: String { rawValue }
}

extension VideoCodec: ShotWord {
    public var word: String { rawValue }
}

extension EXRCodec.Compression: ShotWord {
    public var word: String { name }
    public init?(word: String) { self.init(name: word) }
}

/// Everything about the look that stays fixed over a shot (focus distance is given per frame).
public struct DefocusSettings: Sendable, Equatable {
    public var lens: LensModel
    /// Cap on the blur radius in pixels (Nuke `maximum`, Blender `blur_max`).
    public var maximumRadius: Double
    public var aperture: ApertureShape
    /// Boost for clipped highlights (Nuke `bloom`); nil = off. Apply to LDR input only.
    public var highlights: HighlightBoost?
    /// Worker threads; 0 = one per core. Never changes the result.
    public var threads: Int
    /// Largest spread of blur radius (px) inside one depth layer.
    public var layerThickness: Float
    public var maximumLayers: Int
    /// Invent the background hidden behind nearer layers (pull-push), so blurred foreground edges
    /// reveal background instead of smeared foreground colour.
    public var fillHidden: Bool

    public init(lens: LensModel, maximumRadius: Double = 32, aperture: ApertureShape = .disc,
                highlights: HighlightBoost? = nil, threads: Int = 0, layerThickness: Float = 4,
                maximumLayers: Int = 16, fillHidden: Bool = true) {
        self.lens = lens
        self.maximumRadius = maximumRadius
        self.aperture = aperture
        self.highlights = highlights
        self.threads = threads
        self.layerThickness = layerThickness
        self.maximumLayers = maximumLayers
        self.fillHidden = fillHidden
    }
}

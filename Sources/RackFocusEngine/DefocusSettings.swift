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

/// A soft knee on luminance that turns clipped 8-bit highlights back into bright light, so they
/// bloom into bright bokeh as in a real lens: L' = L + gain · max(0, L − threshold)² / (1 − threshold),
/// hue preserved. Computed from the input only, so a lamp keeps its brightness while focus moves.
public struct HighlightBoost: Sendable, Equatable {
    /// Linear luminance where the boost starts (0-1).
    public var threshold: Float
    /// Strength; at L = 1 the light becomes 1 + gain · (1 − threshold).
    public var gain: Float

    public init(threshold: Float = 0.8, gain: Float = 8) {
        self.threshold = threshold
        self.gain = gain
    }

    @inline(__always)
    func apply(_ rgb: SIMD4<Float>) -> SIMD4<Float> {
        let luminance = 0.2126 * rgb.x + 0.7152 * rgb.y + 0.0722 * rgb.z
        guard luminance > threshold, threshold < 1 else { return rgb }
        let excess = luminance - threshold
        let boosted = luminance + gain * excess * excess / (1 - threshold)
        return rgb * (boosted / luminance)
    }
}

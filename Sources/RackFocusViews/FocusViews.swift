import RackFocusCore
import RackFocusDraw

/// Pictures that show where focus is, for checking a pull before (or instead of) a render.
/// Names follow Nuke ZDefocus's `output` knob where one exists.
public enum FocusView: String, Sendable, CaseIterable {
    /// The defocused frame (the default).
    case result
    /// The image in grey, tinted red in front of the focal plane, green in focus, blue behind.
    case focalPlane = "focal-plane"
    /// The signed blur radius per pixel as a colour map, with a legend bar and the range printed.
    case coc
    /// The depth as interpreted (after --math and friends), normalised: near white, far black.
    case depth
    /// Each pixel coloured by its depth layer.
    case layers
}

public enum FocusViews {
    /// Pixels whose |radius| is at most this are "in focus" in the focal-plane view.
    public static let inFocusRadius: Float = 1

    static func luminance(_ image: PlanarImage, _ i: Int) -> Float {
        let n = image.pixelCount
        return 0.2126 * image.samples[i] + 0.7152 * image.samples[n + i] + 0.0722 * image.samples[2 * n + i]
    }

    /// Focal-plane setup view (linear RGB): grey image mixed half and half with red (in front), green
    /// (|r| <= 1 px) or blue (behind).
    public static func focalPlane(colour: PlanarImage, radii: [Float]) -> PlanarImage {
        var out = PlanarImage(width: colour.width, height: colour.height, channels: 3)
        let n = colour.pixelCount
        for i in 0..<n {
            let grey = luminance(colour, i)
            let r = radii[i]
            let tint: SIMD3<Float> = abs(r) <= inFocusRadius ? SIMD3(0.05, 0.8, 0.05) : (r < 0 ? SIMD3(0.9, 0.05, 0.03) : SIMD3(0.03, 0.15, 0.9))
            let v = SIMD3(repeating: grey) * 0.5 + tint * 0.5
            out.samples[i] = v.x; out.samples[n + i] = v.y; out.samples[2 * n + i] = v.z
        }
        return out
    }

    /// Colour of a signed radius on the coc map: orange-red in front, black at 0, blue behind.
    static func cocColour(_ r: Float, maximum: Float) -> Canvas.Colour {
        let t = max(-1, min(1, r / max(maximum, 1e-6)))
        let a = abs(t).squareRoot()
        let c: SIMD3<Float> = t < 0 ? SIMD3(1, 0.35, 0.05) * a : SIMD3(0.1, 0.5, 1) * a
        let base = SIMD3<Float>(repeating: 0.08) * (1 - a)
        let v = (c + base) * 255
        return (UInt8(v.x.rounded()), UInt8(v.y.rounded()), UInt8(v.z.rounded()))
    }

    /// The coc view: the map, then a legend bar from −maximum to +maximum with the frame's range.
    public static func coc(radii: [Float], width: Int, height: Int, maximum: Float) -> RasterImage {
        let legend = 56
        var canvas = Canvas(width: width, height: height + legend, background: (255, 255, 255))
        for y in 0..<height {
            for x in 0..<width { canvas.set(x, y, cocColour(radii[y * width + x], maximum: maximum)) }
        }
        let barLeft = 8, barWidth = max(16, width - 16), barTop = height + 6
        for x in 0..<barWidth {
            let r = (Float(x) / Float(barWidth - 1) * 2 - 1) * maximum
            canvas.fill(x: barLeft + x, y: barTop, width: 1, height: 14, colour: cocColour(r, maximum: maximum))
        }
        let low = radii.min() ?? 0, high = radii.max() ?? 0
        func label(_ v: Float) -> String { (v >= 0 ? "+" : "") + String(format1(v)) }
        canvas.text("\(label(-maximum))PX FRONT", x: barLeft, y: barTop + 18, scale: 1)
        let right = "BEHIND \(label(maximum))PX"
        canvas.text(right, x: barLeft + barWidth - BitmapFont.width(of: right), y: barTop + 18, scale: 1)
        let range = "COC \(label(low)) TO \(label(high)) PX"
        canvas.text(range, x: barLeft + barWidth / 2 - BitmapFont.width(of: range) / 2, y: barTop + 34, scale: 1)
        return canvas.raster
    }

    /// Depth view (linear grey, 3 channels): normalised disparity, near white, far black.
    public static func depth(disparity: [Float], width: Int, height: Int) -> PlanarImage {
        let low = disparity.min() ?? 0, high = disparity.max() ?? 1
        let span = high > low ? high - low : 1
        var out = PlanarImage(width: width, height: height, channels: 3)
        let n = width * height
        for i in 0..<n {
            // Linear-light grey whose sRGB code is proportional to the normalised disparity.
            let v = Float(SRGB.decode(Double((disparity[i] - low) / span)))
            out.samples[i] = v; out.samples[n + i] = v; out.samples[2 * n + i] = v
        }
        return out
    }

    /// Layer view (linear RGB): a distinct colour per layer, shaded a little by the image.
    public static func layers(colour: PlanarImage, layerIndex: [Int32]) -> PlanarImage {
        let palette: [SIMD3<Float>] = [
            SIMD3(0.90, 0.10, 0.10), SIMD3(0.10, 0.60, 0.10), SIMD3(0.10, 0.25, 0.90), SIMD3(0.95, 0.75, 0.05),
            SIMD3(0.70, 0.10, 0.80), SIMD3(0.05, 0.75, 0.80), SIMD3(0.95, 0.45, 0.05), SIMD3(0.50, 0.80, 0.10),
            SIMD3(0.90, 0.40, 0.70), SIMD3(0.35, 0.35, 0.35), SIMD3(0.55, 0.30, 0.10), SIMD3(0.20, 0.90, 0.50),
        ]
        var out = PlanarImage(width: colour.width, height: colour.height, channels: 3)
        let n = colour.pixelCount
        for i in 0..<n {
            let c = palette[Int(layerIndex[i]) % palette.count] * (0.6 + 0.4 * min(1, luminance(colour, i)))
            out.samples[i] = c.x; out.samples[n + i] = c.y; out.samples[2 * n + i] = c.z
        }
        return out
    }
}

/// One decimal, without Foundation.
func format1(_ v: Float) -> String {
    let tenths = Int((abs(v) * 10).rounded())
    return (v < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
}

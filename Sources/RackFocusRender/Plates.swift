import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline

/// A 2D plate of a layered comp, ready to load: an RGB(A) still or sequence at a depth that is
/// constant or keyed, or with its own depth pass.
public struct Plate: Sendable {
    public let image: SequencePattern
    /// Distance in metres over the frames (for a plate at one depth).
    public let depth: ValueTrack
    /// Or the plate's own depth pass, read with the shot's depth options (--math, --depth-range...).
    public let depthMap: SequencePattern?

    public init(_ spec: PlateSpec, depthUnit: DepthUnit) throws(ShotError) {
        func pattern(_ text: String) throws(ShotError) -> SequencePattern {
            do { return try SequencePattern(text) } catch { throw ShotError("--plate \"\(spec.text)\": \(error.description)") }
        }
        image = try pattern(spec.image)
        switch spec.depth {
        case .map(let file):
            depthMap = try pattern(file)
            depth = ValueTrack(constant: 1)
        case .keys(let keys):
            depthMap = nil
            guard keys.count == 1 || keys.allSatisfy({ $0.frame != nil }) else {
                throw ShotError("--plate \"\(spec.text)\": with several keys each must be FRAME:DISTANCE[:EASING]")
            }
            do {
                depth = try ValueTrack(keys: keys.map { ValueTrack.Key(frame: $0.frame ?? 0, value: $0.value.metres(defaultUnit: depthUnit), easing: $0.easing) })
            } catch {
                throw ShotError("--plate \"\(spec.text)\": \(error.description)")
            }
        }
    }

    /// The plate's pixels at `frame` as linear RGBA (straight alpha; RGB plates are opaque).
    func load(frame: Int) throws -> PlanarImage {
        let raster = try ImageFile.read(image.path(for: frame))
        var planar = raster.planar(transfer: raster.isFloat ? .linear : .sRGB)
        if planar.channels < 3 { planar = planar.expandedToRGB() }
        return planar
    }
}

/// Layered compositing (a multiplane camera): each plate is defocused with the blur of its own
/// depth, keeping its coverage, and the plates are laid front to back with premultiplied alpha
/// over the background (the RGB + depth render, or transparent).
enum PlateComposite {
    /// - Returns: RGB when there is a background, else RGBA with straight alpha.
    /// - Parameter plates: each plate with its depth: one distance, or a disparity map (then `distance`
    ///   is its median distance, used only to order the plates).
    static func composite(plates: [(plate: PlanarImage, distance: Double, disparity: [Float]?)], background: PlanarImage?,
                          engine: DefocusEngine, focus: Double, lens: LensModel, width: Int, height: Int) -> PlanarImage {
        let n = width * height
        var light = [SIMD4<Float>](repeating: .zero, count: n)
        var transmittance = [Float](repeating: 1, count: n)
        for (plate, distance, map) in plates.sorted(by: { $0.distance < $1.distance }) {
            let blurred = map.map { engine.blurPlate(plate, disparity: $0, focusDistance: focus, lens: lens) }
                ?? engine.blurPlate(plate, disparity: Float(1 / distance), focusDistance: focus, lens: lens)
            blurred.samples.withUnsafeBufferPointer { b in
                for i in 0..<n {
                    let c = SIMD4<Float>(b[i], b[n + i], b[2 * n + i], 0)
                    let alpha = min(1, max(0, b[3 * n + i]))
                    light[i] += c * transmittance[i]
                    transmittance[i] *= 1 - alpha
                }
            }
        }
        var out = PlanarImage(width: width, height: height, channels: background == nil ? 4 : 3)
        for i in 0..<n {
            var c = light[i]
            if let background {
                c += SIMD4(background.samples[i], background.samples[n + i], background.samples[2 * n + i], 0) * transmittance[i]
            } else {
                let coverage = 1 - transmittance[i]
                c = coverage > 1e-6 ? c / coverage : .zero
                out.samples[3 * n + i] = coverage
            }
            out.samples[i] = c.x; out.samples[n + i] = c.y; out.samples[2 * n + i] = c.z
        }
        return out
    }
}

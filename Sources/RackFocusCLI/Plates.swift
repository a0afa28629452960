import ArgumentParser
import RackFocusCore
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline

/// A 2D plate of a layered comp: an RGB(A) still or sequence at a depth that is constant or keyed.
struct Plate {
    let image: SequencePattern
    /// Distance in metres over the frames (for a plate at one depth).
    let depth: ValueTrack
    /// Or the plate's own depth pass, read with the shot's depth options (--math, --depth-range...).
    let depthMap: SequencePattern?

    /// Parses `IMAGE@DEPTH`, DEPTH = a distance (`2.5`, `2.5m`, `150cm`), keys joined by `+`
    /// (`1001:1.2+1024:3m:ease-in`), or `map:DEPTHFILE` for a plate with its own depth pass.
    init(parsing text: String, metresPerUnit: Double) throws {
        guard let at = text.lastIndex(of: "@") else {
            throw ValidationError("--plate \"\(text)\": expected IMAGE@DEPTH, e.g. fg.%04d.png@1.5m")
        }
        do { image = try SequencePattern(String(text[..<at])) } catch { throw ValidationError(error.description) }
        let spec = String(text[text.index(after: at)...])
        if spec.hasPrefix("map:") {
            do { depthMap = try SequencePattern(String(spec.dropFirst(4))) } catch { throw ValidationError(error.description) }
            depth = ValueTrack(constant: 1)
            return
        }
        depthMap = nil
        var keys: [ValueTrack.Key] = []
        let parts = spec.split(separator: "+").map(String.init)
        for part in parts {
            let fields = part.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if fields.count == 1 && parts.count == 1 {
                guard let metres = Distance.parse(fields[0], defaultMetresPerUnit: metresPerUnit), metres > 0 else {
                    throw ValidationError("--plate \"\(text)\": \"\(fields[0])\" is not a positive distance")
                }
                keys.append(.init(frame: 0, value: metres))
                continue
            }
            guard fields.count >= 2, let frame = Int(fields[0]),
                  let metres = Distance.parse(fields[1], defaultMetresPerUnit: metresPerUnit), metres > 0 else {
                throw ValidationError("--plate \"\(text)\": \"\(part)\" is not FRAME:DISTANCE[:EASING]")
            }
            var easing: Easing?
            if fields.count == 3 {
                do { easing = try Easing(parsing: fields[2]) } catch { throw ValidationError("--plate \"\(text)\": \(error.description)") }
            }
            keys.append(.init(frame: frame, value: metres, easing: easing))
        }
        do { depth = try ValueTrack(keys: keys) } catch { throw ValidationError("--plate \"\(text)\": \(error.description)") }
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

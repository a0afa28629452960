import RackFocusCore

/// The depth-aware lens blur: layered, multi-resolution row-span splatting.
///
/// For each output row, every source pixel whose aperture reaches that row adds one span of its
/// colour (colour / aperture area, its own radius: "scatter" semantics) to a per-layer difference
/// row: 4 read-modify-writes per span. Sources blurred by more than `levelRadius` (12 px) are
/// splatted at 1/2, 1/4, 1/8... resolution (2^k x 2^k blocks, radius / 2^k), so no splat ever
/// spans more than 25 rows and the cost per pixel stays bounded whatever the radius; a source near
/// a level boundary is shared by both levels, so nothing pops while focus moves. Coarse levels are
/// upsampled bilinearly and added to the full-resolution sums. A prefix sum turns the difference
/// rows into layer colours, which are composited front to back with normalisation:
///
///     per layer:  α = min(1, Σw),  C = Σwc / Σw;    out += T·α·C,  T *= 1 − α;    pixel = out / (1 − T)
///
/// so a blurred foreground spreads over a sharp background, a blurred background never covers a
/// sharp foreground, and frame borders do not darken. Each output row is computed by one thread
/// in one fixed order, so results are bit-identical for any thread count.
///
/// The engine holds tables fixed for a shot (aperture spans) and the scratch memory it reuses from
/// frame to frame (`ArrayPool`; give frames and outputs back with `recycle`); it does no file I/O.
public final class DefocusEngine: Sendable {
    public let settings: DefocusSettings
    /// Big per-frame arrays, kept for the next frame. Shared with whoever decodes the frames, so the
    /// memory of one frame's colour and depth serves the next frame's.
    public let pool: ArrayPool
    /// Span tables for every radius up to the maximum (coarse levels use those up to `levelRadius`, in their own pixels).
    let kernel: ApertureKernel
    /// Number of coarse levels (level k has 2^k x 2^k-pixel cells).
    let coarseLevels: Int
    /// Largest radius splatted at a level, in that level's pixels.
    static let levelRadius = 12.0

    public init(settings: DefocusSettings, pool: ArrayPool = ArrayPool()) {
        self.settings = settings
        self.pool = pool
        // Every radius: lights are splatted at full resolution at any radius, the rest up to levelRadius.
        self.kernel = ApertureKernel(shape: settings.aperture, maximumRadius: Float(max(0, settings.maximumRadius)))
        var levels = 0
        while DefocusEngine.levelRadius * Double(1 << levels) < settings.maximumRadius { levels += 1 }
        self.coarseLevels = levels
    }

    /// The public entry points' contract, checked in every build (`if ... fatalError`, which no
    /// optimisation level removes): the hot loops index these arrays through raw pointers, without
    /// bounds checks.
    func checkArguments(colour: PlanarImage, disparity: [Float], caller: String) {
        if colour.channels < 3 { fatalError("\(caller): colour needs R, G and B, got \(colour.channels) channel(s)") }
        if colour.samples.count < colour.pixelCount * colour.channels {
            fatalError("\(caller): colour holds \(colour.samples.count) samples, \(colour.width)x\(colour.height)x\(colour.channels) needs \(colour.pixelCount * colour.channels)")
        }
        if disparity.count != colour.pixelCount {
            fatalError("\(caller): \(disparity.count) disparities for a \(colour.width)x\(colour.height) image")
        }
    }

    var threadCount: Int { settings.threads > 0 ? settings.threads : availableCores() }

    /// Convenience: prepare and render one frame.
    public func render(colour: PlanarImage, disparity: [Float], focusDistance: Double) -> PlanarImage {
        render(prepare(colour: colour, disparity: disparity, typicalFocus: focusDistance), focusDistance: focusDistance)
    }

    /// The blur model used for `focusDistance` on this frame (with `lens`, or the settings' lens).
    public func circleOfConfusion(focusDistance: Double, width: Int, lens: LensModel? = nil) -> CircleOfConfusion {
        (lens ?? settings.lens).circleOfConfusion(focus: focusDistance, imageWidth: width, maximumRadius: settings.maximumRadius)
    }

    /// Defocuses a 2D plate (straight-alpha RGBA or RGB, linear light) lying at one depth: every
    /// pixel is spread over the aperture of that depth's blur radius and the plate's coverage is
    /// kept, so the result (premultiplied RGBA) can be composited over what lies behind it.
    /// Outside the frame counts as transparent.
    public func blurPlate(_ plate: PlanarImage, disparity: Float, focusDistance: Double, lens: LensModel? = nil) -> PlanarImage {
        blurPlate(plate, disparity: [Float](repeating: disparity, count: plate.pixelCount), focusDistance: focusDistance, lens: lens)
    }

    /// As above, for a plate with its own depth (disparity per pixel; no occlusion inside a plate).
    public func blurPlate(_ plate: PlanarImage, disparity depth: [Float], focusDistance: Double, lens: LensModel? = nil) -> PlanarImage {
        checkArguments(colour: plate, disparity: depth, caller: "blurPlate")
        let width = plate.width, height = plate.height, n = plate.pixelCount
        let colour = settings.highlights.flatMap { $0.boosted(plate, threads: threadCount, pool: pool) } ?? plate
        var builder = LayerSourceBuilder(height: height)
        for y in 0..<height {
            builder.startRow(y)
            for x in 0..<width {
                let i = y * width + x
                let alpha = plate.channels == 4 ? max(0, min(1, plate.samples[3 * n + i])) : 1
                let rgb = Self.linear(colour.samples[i], colour.samples[n + i], colour.samples[2 * n + i])
                if alpha > 0 { builder.add(x: x, disparity: depth[i], colour: rgb, weight: alpha) }
            }
        }
        let frame = PreparedFrame(
            width: width, height: height,
            layers: DepthLayers(disparity: [depth.first ?? 0], pixelsPerDisparity: 1, layerThickness: 1, maximumLayers: 1),
            sources: [builder.finish()], fills: [.empty(height: height)],
            image: colour, disparity: depth, layerIndex: [Int32](repeating: 0, count: n))
        let coc = circleOfConfusion(focusDistance: focusDistance, width: width, lens: lens)
        return splat(frame, levelEntries(frame, coc: coc), raw: true)
    }

    /// Every pixel's signed blur radius (px) at `focusDistance`: < 0 in front of the focal plane.
    public func radii(_ frame: PreparedFrame, focusDistance: Double, lens: LensModel? = nil) -> [Float] {
        let coc = circleOfConfusion(focusDistance: focusDistance, width: frame.width, lens: lens)
        return frame.disparity.map { coc.radius(disparity: $0) }
    }

    /// Renders a prepared frame focused at `focusDistance` (metres). Returns linear RGB.
    /// - Parameter lens: this frame's lens when it changes over the shot; default `settings.lens`.
    public func render(_ frame: PreparedFrame, focusDistance: Double, lens: LensModel? = nil) -> PlanarImage {
        let coc = circleOfConfusion(focusDistance: focusDistance, width: frame.width, lens: lens)
        let levels = levelEntries(frame, coc: coc)
        defer { for layer in levels { for level in layer { level.recycle(into: pool) } } }
        return splat(frame, levels)
    }

    /// Gives a prepared frame's memory back to the engine, for the next frames to reuse instead of
    /// having fresh memory mapped. Optional (without it the memory is simply freed), and always safe:
    /// arrays are copy-on-write, so a frame still used afterwards only stops the reuse. The colour and
    /// disparity it was prepared from stay the caller's (give them to `pool` when done with them).
    public func recycle(_ frame: consuming PreparedFrame) {
        pool.give(frame.layerIndex)
        if frame.ownsImage { pool.give(frame.image.samples) }
        for list in frame.sources + frame.fills { list.recycle(into: pool) }
    }

    /// Gives a rendered image's memory back to the engine, for the next frame's output (as above).
    public func recycle(_ image: consuming PlanarImage) {
        pool.give(image.samples)
    }
}

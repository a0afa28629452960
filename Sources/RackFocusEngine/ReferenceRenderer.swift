import RackFocusCore

/// The scalar reference renderer: the engine's model in plain loops, with none of its speed-ups
/// (no resolution levels, runs, difference rows, four-pixel paths or threads). It is the oracle the
/// fast engine is tested against (RackFocusEngineTests/DifferentialTests), and `rackfocus render
/// --reference` renders with it to check a picture. Slow: O(r²) work per source pixel.
///
/// The model, step by step (docs/ENGINE.md §2-§4):
/// 1. Clipped highlights recovered (`HighlightBoost`, when set).
/// 2. Depth layers fixed per frame (`DepthLayers`, as `prepare` sizes them); a pixel near a soft cut
///    is shared by the two layers with tent weights.
/// 3. Edge unmixing: a pixel at a depth edge becomes its own surface's share and the other
///    surface's (`EdgeUnmixing.split`).
/// 4. Every source scattered at full resolution over its own aperture: for each row of the kernel
///    of its radius (1/16 px steps), pixel i takes colour · area⁻¹ · |[a, b] ∩ [i, i + 1)| of the
///    row's span [a, b].
/// 5. Per pixel, layers composited front to back: α = min(1, Σw), out += T·α·Σwc/Σw, T *= 1 − α;
///    the pixel is out / (1 − T), or the input where nothing landed.
/// Optionally the engine's invented hidden background (`prepare`'s pull-push fill, its own
/// algorithm) is scattered with the layers' sources, so fills can be compared too.
extension DefocusEngine {
    public func renderReference(colour: PlanarImage, disparity: [Float], focusDistance: Double, typicalFocus: Double? = nil,
                                lens: LensModel? = nil, hiddenFill: Bool = false) -> PlanarImage {
        checkArguments(colour: colour, disparity: disparity, caller: "renderReference")
        let width = colour.width, height = colour.height, n = colour.pixelCount
        let image = settings.highlights.flatMap { $0.boosted(colour, threads: 1, pool: pool) } ?? colour
        let (layers, scale) = depthLayers(disparity: disparity, width: width, typicalFocus: typicalFocus ?? focusDistance, lens: lens)
        let coc = circleOfConfusion(focusDistance: focusDistance, width: width, lens: lens)
        let kernel = ApertureKernel(shape: settings.aperture, maximumRadius: Float(max(0, settings.maximumRadius)))
        var sums = [[SIMD4<Float>]](repeating: [SIMD4<Float>](repeating: .zero, count: n), count: layers.count)

        /// Scatters light c (premultiplied, w = coverage) from pixel (x, y) at disparity d into layer k.
        func scatter(_ k: Int, x: Int, y: Int, d: Float, _ c: SIMD4<Float>) {
            let q = min(kernel.maximumIndex, ApertureKernel.index(coc.radius(disparity: d)))
            if q == 0 {
                sums[k][y * width + x] += c
                return
            }
            let extent = Int(kernel.extent[q])
            for dy in -extent...extent where y + dy >= 0 && y + dy < height {
                let row = Int(kernel.rowStart[q]) + dy + extent
                let a = Float(x) + 0.5 + kernel.left[row], b = Float(x) + 0.5 + kernel.right[row]
                var i = max(0, Int(a.rounded(.down)))
                while i < width && Float(i) < b {
                    let overlap = min(b, Float(i + 1)) - max(a, Float(i))
                    if overlap > 0 { sums[k][(y + dy) * width + i] += c * (kernel.inverseArea[q] * overlap) }
                    i += 1
                }
            }
        }
        /// A source in the layer(s) of its disparity, with tent shares.
        func add(x: Int, y: Int, d: Float, _ c: SIMD4<Float>) {
            let share = layers.assign(d)
            scatter(share.layer, x: x, y: y, d: d, c * (1 - share.nearerWeight - share.fartherWeight))
            if share.nearerWeight > 0 { scatter(share.layer + 1, x: x, y: y, d: d, c * share.nearerWeight) }
            if share.fartherWeight > 0 { scatter(share.layer - 1, x: x, y: y, d: d, c * share.fartherWeight) }
        }

        let step = HiddenFill.edgeBlur / max(scale, 1e-6)
        let edges = EdgeUnmixing.edgeMap(disparity: disparity, width: width, height: height, step: step, threads: 1, pool: pool)
        EdgeUnmixing.withNeighbourhood(image: image, disparity: disparity, edges: edges, step: step) { around in
            let depth = around.disparity
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    if let split = EdgeUnmixing.split(x: x, y: y, around) {
                        add(x: x, y: y, d: depth[i], split.own)
                        add(x: x, y: y, d: split.otherDisparity, split.other)
                    } else {
                        var c = around.colour(i)
                        c.w = 1
                        add(x: x, y: y, d: depth[i], c)
                    }
                }
            }
        }
        if hiddenFill && settings.fillHidden {
            let frame = prepare(colour: colour, disparity: disparity, typicalFocus: typicalFocus ?? focusDistance, lens: lens)
            for (k, fill) in frame.fills.enumerated() {
                for y in 0..<height {
                    for e in fill.rowStart[y]..<fill.rowStart[y + 1] {
                        scatter(k, x: Int(fill.x[e]), y: y, d: fill.disparity[e], fill.colour[e])
                    }
                }
            }
        }

        var output = PlanarImage(width: width, height: height, channels: 3)
        for i in 0..<n {
            var light = SIMD4<Float>.zero
            var transmittance: Float = 1
            for k in stride(from: layers.count - 1, through: 0, by: -1) {
                let s = sums[k][i]
                guard s.w > 1e-6 else { continue }
                let alpha = min(1, s.w)
                light += s * (transmittance * alpha / s.w)
                transmittance *= 1 - alpha
            }
            let covered = 1 - transmittance
            let pixel = covered > 1e-6 ? light / covered
                : DefocusEngine.linear(image.samples[i], image.samples[n + i], image.samples[2 * n + i])
            output.samples[i] = pixel.x
            output.samples[n + i] = pixel.y
            output.samples[2 * n + i] = pixel.z
        }
        return output
    }
}

import RackFocusCore

/// One input frame made ready for rendering at any focus: linear colour split into depth layers,
/// each layer extended behind nearer ones with invented (pull-push) background.
/// Nothing here depends on focus, so a frame is prepared once and rendered at many focus values.
public struct PreparedFrame: Sendable {
    public let width: Int
    public let height: Int
    let layers: DepthLayers
    let sources: [LayerSources]
    /// The input colour (linear RGB, highlights boosted), as a fallback for uncovered pixels.
    let colour: [SIMD4<Float>]
    /// The frame's disparity (1/m), as the engine used it.
    public let disparity: [Float]

    public var layerCount: Int { layers.count }
    /// Layer boundaries in disparity, far to near.
    public var layerBounds: [Float] { layers.bounds }
    /// Source splats per layer (own pixels, shared tent pixels and hidden-background fill).
    public var splatCounts: [Int] { sources.map(\.x.count) }
}

/// The splat sources of one layer, row by row, x ascending within a row.
struct LayerSources: Sendable {
    /// Entries of row y are rowStart[y]..<rowStart[y + 1].
    var rowStart: [Int]
    var x: [Int32]
    var disparity: [Float]
    /// (R·w, G·w, B·w, w): linear colour premultiplied by the pixel's weight in this layer.
    var colour: [SIMD4<Float>]
}

extension DefocusEngine {
    /// Prepares a frame.
    /// - Parameters:
    ///   - colour: linear-light image with at least 3 channels (R, G, B; more are ignored).
    ///   - disparity: width × height disparities (1/m), e.g. from `DepthInterpretation.disparity`.
    ///   - typicalFocus: a focus distance of the shot (metres); only the artistic lens uses it, to size layers.
    public func prepare(colour image: PlanarImage, disparity: [Float], typicalFocus: Double = 2) -> PreparedFrame {
        precondition(image.channels >= 3, "colour needs R, G and B")
        precondition(disparity.count == image.pixelCount, "depth and colour sizes differ")
        let width = image.width
        let height = image.height
        let count = image.pixelCount

        // Linear colour, with the optional highlight boost.
        var colour = [SIMD4<Float>](repeating: .zero, count: count)
        image.samples.withUnsafeBufferPointer { s in
            for i in 0..<count {
                var rgb = SIMD4<Float>(s[i], s[count + i], s[2 * count + i], 0)
                rgb.replace(with: SIMD4<Float>.zero, where: .!(rgb .== rgb))  // NaN -> 0
                if let boost = settings.highlights { rgb = boost.apply(rgb) }
                colour[i] = rgb
            }
        }

        let scale = Float(settings.lens.layerScale(imageWidth: width, typicalFocus: typicalFocus))
        let layers = DepthLayers(disparity: disparity, pixelsPerDisparity: scale,
                                 layerThickness: settings.layerThickness, maximumLayers: settings.maximumLayers)
        var layerOf = [Int32](repeating: 0, count: count)
        var nearerWeight = [Float](repeating: 0, count: count)
        var fartherWeight = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let a = layers.assign(disparity[i])
            layerOf[i] = Int32(a.layer)
            nearerWeight[i] = a.nearerWeight
            fartherWeight[i] = a.fartherWeight
        }

        let reach = Int(settings.maximumRadius.rounded(.up)) + 1
        // Layers are independent: build them on all workers (each layer is built by one worker in a
        // fixed order, so the result does not depend on the thread count).
        let built = LayerSlots(count: layers.count)
        let layerCount = layers.count
        parallelFor(layerCount, threads: threadCount, chunk: 1) { [layerOf, nearerWeight, fartherWeight, colour] _, items in
            for k in items {
                built.store(k, self.layerSources(k, layerOf: layerOf, nearerWeight: nearerWeight, fartherWeight: fartherWeight,
                                                 colour: colour, disparity: disparity, width: width, height: height, reach: reach))
            }
        }
        let sources = built.values()
        return PreparedFrame(width: width, height: height, layers: layers, sources: sources, colour: colour,
                             disparity: disparity)
    }

    /// The splat sources of layer k: its own pixels (weighted), and hidden-background fill.
    private func layerSources(_ k: Int, layerOf: [Int32], nearerWeight: [Float], fartherWeight: [Float],
                              colour: [SIMD4<Float>], disparity: [Float], width: Int, height: Int, reach: Int) -> LayerSources {
        let count = width * height
        // Weight of every pixel in layer k.
        var weight = [Float](repeating: 0, count: count)
        var member = [Bool](repeating: false, count: count)
        var hasNearer = false
        for i in 0..<count {
            let l = Int(layerOf[i])
            let w: Float = l == k ? 1 - nearerWeight[i] - fartherWeight[i]
                : (l == k - 1 ? nearerWeight[i] : (l == k + 1 ? fartherWeight[i] : 0))
            weight[i] = w
            member[i] = w > 0
            if l > k { hasNearer = true }
        }
        // Hidden background: nearer pixels within reach of this layer get invented colour and depth.
        var fill: [SIMD4<Float>?] = []
        if settings.fillHidden && hasNearer {
            fill = fillHidden(layer: k, member: member, layerOf: layerOf, colour: colour, disparity: disparity,
                              width: width, height: height, reach: reach)
        }
        var rowStart = [Int](repeating: 0, count: height + 1)
        var xs: [Int32] = []
        var ds: [Float] = []
        var cs: [SIMD4<Float>] = []
        for y in 0..<height {
            rowStart[y] = xs.count
            for x in 0..<width {
                let i = y * width + x
                if weight[i] > 0 {
                    var c = colour[i] * weight[i]
                    c.w = weight[i]
                    xs.append(Int32(x)); ds.append(disparity[i]); cs.append(c)
                } else if !fill.isEmpty, let f = fill[i] {
                    xs.append(Int32(x)); ds.append(f.w); cs.append(SIMD4(f.x, f.y, f.z, 1))
                }
            }
        }
        rowStart[height] = xs.count
        return LayerSources(rowStart: rowStart, x: xs, disparity: ds, colour: cs)
    }

    /// Colour (x, y, z) and disparity (w) invented for the pixels of nearer layers that lie within
    /// `reach` of layer k; nil elsewhere.
    private func fillHidden(layer k: Int, member: [Bool], layerOf: [Int32], colour: [SIMD4<Float>],
                            disparity: [Float], width: Int, height: Int, reach: Int) -> [SIMD4<Float>?] {
        let near = HoleFill.dilate(member, width: width, height: height, radius: reach)
        var holes = [Bool](repeating: false, count: member.count)
        var x0 = width, x1 = -1, y0 = height, y1 = -1
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                if near[i] && !member[i] && Int(layerOf[i]) > k {
                    holes[i] = true
                    x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
                }
            }
        }
        guard x1 >= 0 else { return [] }
        // Work on the holes' bounding box, grown by the reach so the nearby layer pixels feed it.
        x0 = max(0, x0 - reach); x1 = min(width - 1, x1 + reach)
        y0 = max(0, y0 - reach); y1 = min(height - 1, y1 + reach)
        let cw = x1 - x0 + 1
        let ch = y1 - y0 + 1
        var values = [SIMD4<Float>](repeating: .zero, count: cw * ch)
        var weights = [Float](repeating: 0, count: cw * ch)
        for y in 0..<ch {
            for x in 0..<cw {
                let i = (y + y0) * width + (x + x0)
                if member[i] {
                    var v = colour[i]
                    v.w = disparity[i]
                    values[y * cw + x] = v
                    weights[y * cw + x] = 1
                }
            }
        }
        let filled = HoleFill.pullPush(values: values, weight: weights, width: cw, height: ch)
        var out = [SIMD4<Float>?](repeating: nil, count: member.count)
        for y in 0..<ch {
            for x in 0..<cw {
                let i = (y + y0) * width + (x + x0)
                if holes[i] { out[i] = filled[y * cw + x] }
            }
        }
        return out
    }
}

/// One slot per layer, filled by parallel workers (each slot written once, by one worker).
final class LayerSlots: @unchecked Sendable {
    private var slots: [LayerSources?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func store(_ index: Int, _ value: LayerSources) {
        slots.withUnsafeMutableBufferPointer { $0[index] = value }
    }
    func values() -> [LayerSources] { slots.map { $0! } }
}

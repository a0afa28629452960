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
        let fill = settings.fillHidden
            ? HiddenFill(layers: layers.count, layerOf: layerOf, nearerWeight: nearerWeight, fartherWeight: fartherWeight,
                         colour: colour, disparity: disparity, width: width, height: height,
                         reach: Int(settings.maximumRadius.rounded(.up)) + 1, threads: threadCount)
            : nil

        // One pass over the pixels: each pixel feeds its own layer (and its tent neighbour), and
        // every farther layer whose hidden-background fill covers it.
        var builders = [LayerSourceBuilder](repeating: LayerSourceBuilder(height: height), count: layers.count)
        for y in 0..<height {
            for k in 0..<layers.count { builders[k].startRow(y) }
            for x in 0..<width {
                let i = y * width + x
                let l = Int(layerOf[i])
                let wn = nearerWeight[i]
                let wf = fartherWeight[i]
                let d = disparity[i]
                builders[l].add(x: x, disparity: d, colour: colour[i], weight: 1 - wn - wf)
                if wn > 0 { builders[l + 1].add(x: x, disparity: d, colour: colour[i], weight: wn) }
                if wf > 0 { builders[l - 1].add(x: x, disparity: d, colour: colour[i], weight: wf) }
                guard let fill, l > 0 else { continue }
                var farther = fill.layersCovering(x: x, y: y) & ((UInt64(1) << UInt64(l)) - 1)
                if wf > 0 { farther &= ~(UInt64(1) << UInt64(l - 1)) }
                while farther != 0 {
                    let k = farther.trailingZeroBitCount
                    farther &= farther - 1
                    let f = fill.sample(layer: k, x: x, y: y)
                    builders[k].add(x: x, disparity: f.w, colour: SIMD4(f.x, f.y, f.z, 0), weight: 1)
                }
            }
        }
        let sources = builders.indices.map { builders[$0].finish() }
        return PreparedFrame(width: width, height: height, layers: layers, sources: sources, colour: colour,
                             disparity: disparity)
    }
}

/// Appends one layer's sources row by row.
struct LayerSourceBuilder {
    var rowStart: [Int]
    var x: [Int32] = []
    var disparity: [Float] = []
    var colour: [SIMD4<Float>] = []

    init(height: Int) { rowStart = [Int](repeating: 0, count: height + 1) }

    mutating func startRow(_ y: Int) { rowStart[y] = x.count }

    @inline(__always)
    mutating func add(x px: Int, disparity d: Float, colour rgb: SIMD4<Float>, weight w: Float) {
        x.append(Int32(px))
        disparity.append(d)
        var c = rgb * w
        c.w = w
        colour.append(c)
    }

    func finish() -> LayerSources {
        var rows = rowStart
        rows[rows.count - 1] = x.count
        return LayerSources(rowStart: rows, x: x, disparity: disparity, colour: colour)
    }
}

/// The background hidden behind nearer layers, invented per layer by pull-push on a grid of
/// 2 x 2-pixel cells (the invented content is smooth; 2 x 2 scored best against ground truth),
/// for the nearer pixels within `reach` of the layer. Pixels then sample it bilinearly.
struct HiddenFill {
    static let cell = 2
    let cellsWide: Int
    let cellsHigh: Int
    /// Per cell: bit k set when layer k gets fill there.
    var coverage: [UInt64]
    /// Per layer: the filled box (cell coordinates) and its values (R, G, B, disparity).
    var boxes: [(x0: Int, y0: Int, width: Int, height: Int, values: [SIMD4<Float>])?]

    init(layers: Int, layerOf: [Int32], nearerWeight: [Float], fartherWeight: [Float], colour: [SIMD4<Float>],
         disparity: [Float], width: Int, height: Int, reach: Int, threads: Int) {
        let c = HiddenFill.cell
        let cw = (width + c - 1) / c
        let ch = (height + c - 1) / c
        cellsWide = cw
        cellsHigh = ch
        let cells = cw * ch
        // Per layer and cell: Σ w·(R, G, B, d) and Σ w. Per cell: the nearest layer present.
        var sums = [SIMD4<Float>](repeating: .zero, count: layers * cells)
        var weights = [Float](repeating: 0, count: layers * cells)
        var nearest = [Int32](repeating: -1, count: cells)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let cellIndex = (y / c) * cw + x / c
                let l = Int(layerOf[i])
                var v = colour[i]
                v.w = disparity[i]
                let own = 1 - nearerWeight[i] - fartherWeight[i]
                sums[l * cells + cellIndex] += v * own
                weights[l * cells + cellIndex] += own
                if nearerWeight[i] > 0 {
                    sums[(l + 1) * cells + cellIndex] += v * nearerWeight[i]
                    weights[(l + 1) * cells + cellIndex] += nearerWeight[i]
                }
                if fartherWeight[i] > 0 {
                    sums[(l - 1) * cells + cellIndex] += v * fartherWeight[i]
                    weights[(l - 1) * cells + cellIndex] += fartherWeight[i]
                }
                nearest[cellIndex] = max(nearest[cellIndex], Int32(l))
            }
        }
        let cellReach = (reach + c - 1) / c + 1
        let slots = FillSlots(count: layers)
        parallelFor(layers, threads: threads, chunk: 1) { [sums, weights, nearest] _, items in
            for k in items {
                slots.store(k, HiddenFill.fillLayer(k, sums: sums, weights: weights, nearest: nearest,
                                                    cellsWide: cw, cellsHigh: ch, reach: cellReach))
            }
        }
        boxes = slots.values()
        coverage = [UInt64](repeating: 0, count: cells)
        for k in 0..<layers {
            guard let mask = slots.mask(k) else { continue }
            for i in 0..<cells where mask[i] { coverage[i] |= UInt64(1) << UInt64(k) }
        }
    }

    /// Pull-push for layer k over the box around its fill cells; nil if nothing to fill.
    static func fillLayer(_ k: Int, sums: [SIMD4<Float>], weights: [Float], nearest: [Int32], cellsWide cw: Int,
                          cellsHigh ch: Int, reach: Int) -> (box: (x0: Int, y0: Int, width: Int, height: Int, values: [SIMD4<Float>]), mask: [Bool])? {
        let cells = cw * ch
        let base = k * cells
        var member = [Bool](repeating: false, count: cells)
        var any = false
        for i in 0..<cells where weights[base + i] > 0 { member[i] = true; any = true }
        guard any else { return nil }
        let near = HoleFill.dilate(member, width: cw, height: ch, radius: reach)
        var fill = [Bool](repeating: false, count: cells)
        var x0 = cw, x1 = -1, y0 = ch, y1 = -1
        for y in 0..<ch {
            for x in 0..<cw {
                let i = y * cw + x
                if near[i] && Int(nearest[i]) > k {
                    fill[i] = true
                    x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
                }
            }
        }
        guard x1 >= 0 else { return nil }
        x0 = max(0, x0 - reach); x1 = min(cw - 1, x1 + reach)
        y0 = max(0, y0 - reach); y1 = min(ch - 1, y1 + reach)
        let bw = x1 - x0 + 1, bh = y1 - y0 + 1
        var values = [SIMD4<Float>](repeating: .zero, count: bw * bh)
        var known = [Float](repeating: 0, count: bw * bh)
        for y in 0..<bh {
            for x in 0..<bw {
                let i = (y + y0) * cw + (x + x0)
                let w = weights[base + i]
                if w > 0 {
                    values[y * bw + x] = sums[base + i] / w
                    known[y * bw + x] = 1
                }
            }
        }
        let filled = HoleFill.pullPush(values: values, weight: known, width: bw, height: bh)
        return ((x0, y0, bw, bh, filled), fill)
    }

    /// Bit k is set when layer k has invented background at pixel (x, y).
    @inline(__always)
    func layersCovering(x: Int, y: Int) -> UInt64 {
        coverage[(y / HiddenFill.cell) * cellsWide + x / HiddenFill.cell]
    }

    /// Invented (R, G, B, disparity) of layer k at pixel (x, y), bilinear between cell centres.
    @inline(__always)
    func sample(layer k: Int, x: Int, y: Int) -> SIMD4<Float> {
        let box = boxes[k]!
        let c = Float(HiddenFill.cell)
        let fx = (Float(x) + 0.5) / c - 0.5 - Float(box.x0)
        let fy = (Float(y) + 0.5) / c - 0.5 - Float(box.y0)
        let ix = max(0, min(box.width - 1, Int(fx.rounded(.down))))
        let iy = max(0, min(box.height - 1, Int(fy.rounded(.down))))
        let ix1 = min(box.width - 1, ix + 1), iy1 = min(box.height - 1, iy + 1)
        let tx = max(0, min(1, fx - Float(ix))), ty = max(0, min(1, fy - Float(iy)))
        let v = box.values
        let top = v[iy * box.width + ix] * (1 - tx) + v[iy * box.width + ix1] * tx
        let bottom = v[iy1 * box.width + ix] * (1 - tx) + v[iy1 * box.width + ix1] * tx
        return top * (1 - ty) + bottom * ty
    }
}

/// Per-layer results written by parallel workers (each slot written once, by one worker).
final class FillSlots: @unchecked Sendable {
    private var slots: [(box: (x0: Int, y0: Int, width: Int, height: Int, values: [SIMD4<Float>]), mask: [Bool])?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func store(_ index: Int, _ value: (box: (x0: Int, y0: Int, width: Int, height: Int, values: [SIMD4<Float>]), mask: [Bool])?) {
        slots.withUnsafeMutableBufferPointer { $0[index] = value }
    }
    func values() -> [(x0: Int, y0: Int, width: Int, height: Int, values: [SIMD4<Float>])?] { slots.map { $0?.box } }
    func mask(_ index: Int) -> [Bool]? { slots[index]?.mask }
}

import RackFocusCore

/// One input frame made ready for rendering at any focus: linear colour split into depth layers,
/// each layer extended behind nearer ones with invented (pull-push) background.
/// Nothing here depends on focus, so a frame is prepared once and rendered at many focus values.
public struct PreparedFrame: Sendable {
    public let width: Int
    public let height: Int
    let layers: DepthLayers
    /// Per layer: its own pixels (tent-weighted), then the invented hidden background.
    let sources: [LayerSources]
    let fills: [LayerSources]
    /// The input image (linear RGB, highlights boosted), for pixels no source covers.
    let image: PlanarImage
    /// Whether `image` is the engine's (the boosted copy), to be recycled with the frame.
    var ownsImage = false
    /// The frame's disparity (1/m), as the engine used it.
    public let disparity: [Float]
    /// Each pixel's (main) depth layer, 0 = farthest.
    public let layerIndex: [Int32]

    public var layerCount: Int { layers.count }

    /// Pixel i's colour as the engine reads it: linear RGB, NaN as 0, highlights boosted.
    @inline(__always)
    func inputColour(_ i: Int) -> SIMD4<Float> {
        let n = image.pixelCount
        return DefocusEngine.linear(image.samples[i], image.samples[n + i], image.samples[2 * n + i])
    }
}

extension DefocusEngine {
    /// Prepares a frame.
    /// - Parameters:
    ///   - colour: linear-light image with at least 3 channels (R, G, B; more are ignored).
    ///   - disparity: width × height disparities (1/m), e.g. from `DepthInterpretation.disparity`.
    ///   - typicalFocus: a focus distance of the shot (metres); only the artistic lens uses it, to size layers.
    ///   - lens: this frame's lens when it changes over the shot (keyframed aperture); default `settings.lens`.
    public func prepare(colour: PlanarImage, disparity: [Float], typicalFocus: Double = 2,
                        lens: LensModel? = nil) -> PreparedFrame {
        checkArguments(colour: colour, disparity: disparity, caller: "prepare")
        // Clipped highlights are recovered once, before anything reads the colour.
        let boosted = settings.highlights.flatMap { $0.boosted(colour, threads: threadCount, pool: self.pool) }
        let image = boosted ?? colour
        let width = image.width
        let height = image.height
        let pool = self.pool

        let (layers, scale) = depthLayers(disparity: disparity, width: width, typicalFocus: typicalFocus, lens: lens)

        // A depth step between neighbours worth more than this much blur (px) is an occlusion edge; a
        // continuous surface (a floor, a wall at an angle) changes far less from pixel to pixel.
        let edgeStep = HiddenFill.edgeBlur / max(scale, 1e-6)
        // Anti-aliased pixels at depth edges become two sources (one more entry, in the other surface's layer).
        let splits = EdgeUnmixing.splits(image: image, disparity: disparity, step: edgeStep, threads: threadCount, pool: pool)
        var assigned = assignLayers(layers, disparity: disparity, splits: splits, edgeStep: edgeStep, width: width, height: height)
        let sources = Self.layerSources(layers: layers, counts: assigned.counts, image: image, splits: splits,
                                        disparity: disparity, layerOf: assigned.layerOf, tent: assigned.tent,
                                        width: width, height: height, threads: threadCount, pool: pool)
        pool.give(assigned.counts)
        assigned.counts = []
        let fills = hiddenFills(sources, layers: layers, assigned: assigned, splits: splits, width: width, height: height)
        pool.give(assigned.tent)
        pool.give(assigned.nearest.layer)
        pool.give(assigned.nearest.edge)
        pool.give(assigned.nearest.rowEdge)
        return PreparedFrame(width: width, height: height, layers: layers, sources: sources, fills: fills,
                             image: image, ownsImage: boosted != nil, disparity: disparity, layerIndex: assigned.layerOf)
    }
}

extension DefocusEngine {
    /// A frame's depth layers, and the blur (px) per unit of disparity they were sized with.
    func depthLayers(disparity: [Float], width: Int, typicalFocus: Double, lens: LensModel?) -> (DepthLayers, Float) {
        let scale = Float((lens ?? settings.lens).layerScale(imageWidth: width, typicalFocus: typicalFocus))
        return (DepthLayers(disparity: disparity, pixelsPerDisparity: scale, layerThickness: settings.layerThickness,
                            maximumLayers: settings.maximumLayers), scale)
    }

    /// Each pixel's layers, and what the later stages need from that pass.
    struct LayerAssignment {
        /// Per pixel: its (main) layer, and its tent share (> 0 the nearer layer's weight, < 0 minus the farther one's).
        var layerOf: [Int32]
        var tent: [Float]
        /// Per fill cell: the nearest layer with a pixel there, and the layers occluded there.
        var nearest: HiddenFill.NearestLayers
        /// Entries per (layer, row): `height + 1` per layer (the last unused), for the layer lists.
        var counts: [Int]
    }

    /// The per-pixel pass, on all workers (rows in bands of 16, a multiple of the fill grid's cell):
    /// layer and tent weight, nearest layer and occluded layers per cell, entries per (layer, row),
    /// counting the other shares of edge pixels too. Colour is read in the next pass: this one writes
    /// 8 bytes per pixel (no linear copy of the colour is kept).
    ///
    /// Index arithmetic here uses wrapping operators (`&+`, `&*`) and truncating conversions: every
    /// index is below the pixel count or `layers.count · (height + 1)`, and a layer (< 64) fits any
    /// integer type, so none can overflow; this loop runs once per pixel and frame.
    func assignLayers(_ layers: DepthLayers, disparity: [Float], splits: EdgeUnmixing.Splits, edgeStep: Float,
                      width: Int, height: Int) -> LayerAssignment {
        let count = width * height
        var layerOf: [Int32] = pool.unset(count)  // every pixel of the two arrays is written below
        var tent: [Float] = pool.unset(count)
        var nearest = HiddenFill.NearestLayers(width: width, height: height, pool: pool)
        var counts: [Int] = pool.filled(layers.count * (height + 1), with: 0)
        let band = 16
        layerOf.withUnsafeMutableBufferPointer { lo in
        tent.withUnsafeMutableBufferPointer { tw in
        nearest.layer.withUnsafeMutableBufferPointer { nl in
        nearest.edge.withUnsafeMutableBufferPointer { ne in
        counts.withUnsafeMutableBufferPointer { cn in
        disparity.withUnsafeBufferPointer { db in
            let perRow = SharedPointer(base: cn.baseAddress!)
            let (lp, tp, cells) = (SharedPointer(base: lo.baseAddress!), SharedPointer(base: tw.baseAddress!),
                                   SharedPointer(base: nl.baseAddress!))
            let edges = SharedPointer(base: ne.baseAddress!)
            let depth = SharedPointer(base: UnsafeMutablePointer(mutating: db.baseAddress!))  // read only
            let cellsWide = nearest.cellsWide
            let rowsPerLayer = height &+ 1
            /// One more entry of layer l in row y.
            @Sendable @inline(__always) func count(_ l: Int, _ y: Int, _ n: Int = 1) { perRow.base[l &* rowsPerLayer &+ y] &+= n }
            /// Layer l has a pixel in cell `cell`: keep the nearest.
            @Sendable @inline(__always) func near(_ l: Int, _ cell: Int) {
                if Int8(truncatingIfNeeded: l) > cells.base[cell] { cells.base[cell] = Int8(truncatingIfNeeded: l) }
            }
            parallelFor(height, threads: threadCount, chunk: band) { _, rows in
                for y in rows {
                    // Entries per (layer, row) for the layer lists: runs of one layer counted at once.
                    var runLayer = -1
                    var run = 0
                    // Neighbours often share a depth value: the last one's layer and weights are reused.
                    var lastDisparity = Float.nan
                    var a = (layer: 0, nearerWeight: Float(0), fartherWeight: Float(0))
                    // A pixel with a nearer neighbour (by more than edgeStep) marks its layer occluded in
                    // its cell. Along a row both directions are seen at once; across rows each row looks
                    // up and down and marks its own cell, so a worker writes only its own rows' cells
                    // (bands hold whole cell rows).
                    let cellRow = (y / HiddenFill.cell) &* cellsWide
                    let up = max(0, y - 1) &* width, down = min(height - 1, y + 1) &* width
                    for x in 0..<width {
                        let i = y &* width &+ x
                        let d = depth.base[i]
                        let cell = cellRow &+ x / HiddenFill.cell
                        if d != lastDisparity {
                            let previousLayer = a.layer
                            a = layers.assign(d)
                            if x > 0 && d - lastDisparity > edgeStep {  // pixel x occludes pixel x - 1
                                edges.base[cellRow &+ (x &- 1) / HiddenFill.cell] |= 1 << UInt64(truncatingIfNeeded: previousLayer)
                            } else if x > 0 && lastDisparity - d > edgeStep {  // pixel x - 1 occludes pixel x
                                edges.base[cell] |= 1 << UInt64(truncatingIfNeeded: a.layer)
                            }
                            lastDisparity = d
                        }
                        if depth.base[up &+ x] - d > edgeStep || depth.base[down &+ x] - d > edgeStep {
                            edges.base[cell] |= 1 << UInt64(truncatingIfNeeded: a.layer)
                        }
                        lp.base[i] = Int32(truncatingIfNeeded: a.layer)
                        tp.base[i] = a.fartherWeight > 0 ? -a.fartherWeight : a.nearerWeight
                        near(a.layer, cell)
                        if a.layer != runLayer {
                            if run > 0 { count(runLayer, y, run) }
                            runLayer = a.layer
                            run = 0
                        }
                        run &+= 1
                        if a.nearerWeight > 0 { count(a.layer &+ 1, y) }
                        if a.fartherWeight > 0 { count(a.layer &- 1, y) }
                    }
                    if run > 0 { count(runLayer, y, run) }
                    for s in splits.rowStart[y]..<splits.rowStart[y + 1] {
                        let other = layers.assign(splits.split[s].otherDisparity)
                        // The other surface has a pixel in this cell too (for the fill's nearest layer).
                        near(other.layer, cellRow &+ Int(splits.x[s]) / HiddenFill.cell)
                        count(other.layer, y)
                        if other.nearerWeight > 0 { count(other.layer &+ 1, y) }
                        if other.fartherWeight > 0 { count(other.layer &- 1, y) }
                    }
                }
            }
        }}}}}}
        nearest.summariseRows(pool: pool)
        return LayerAssignment(layerOf: layerOf, tent: tent, nearest: nearest, counts: counts)
    }

    /// Hidden background per layer, on all workers. Layer k can only be filled where a nearer layer
    /// has pixels: within the union of the boxes of layers k+1, k+2, ...
    func hiddenFills(_ sources: [LayerSources], layers: DepthLayers, assigned: LayerAssignment, splits: EdgeUnmixing.Splits,
                     width: Int, height: Int) -> [LayerSources] {
        let boxes = sources.map(HiddenFill.Box.init(of:))
        var nearerBoxes = [HiddenFill.Box?](repeating: nil, count: layers.count)
        for k in stride(from: layers.count - 2, through: 0, by: -1) {
            nearerBoxes[k] = HiddenFill.Box.union(nearerBoxes[k + 1], boxes[k + 1])
        }
        let fills = Slots<LayerSources>(count: layers.count)
        let reach = Int(settings.maximumRadius.rounded(.up)) + 1
        let fillHidden = settings.fillHidden
        let pool = self.pool
        parallelFor(layers.count, threads: threadCount, chunk: 1) { [nearerBoxes] _, items in
            for k in items {
                if fillHidden, let box = boxes[k], let nearer = nearerBoxes[k] {
                    fills.store(k, HiddenFill.sources(layer: k, own: sources[k], box: box, nearer: nearer, nearest: assigned.nearest,
                                                      layerOf: assigned.layerOf, tent: assigned.tent, splits: splits, layers: layers,
                                                      width: width, height: height, reach: reach, pool: pool))
                } else {
                    fills.store(k, .empty(height: height))
                }
            }
        }
        return fills.values()
    }

    /// Linear colour as the engine uses it: NaN as 0.
    @inline(__always)
    static func linear(_ r: Float, _ g: Float, _ b: Float) -> SIMD4<Float> {
        var rgb = SIMD4<Float>(r, g, b, 0)
        rgb.replace(with: SIMD4<Float>.zero, where: .!(rgb .== rgb))
        return rgb
    }
}

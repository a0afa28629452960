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

/// The splat sources of one layer, row by row, x ascending within a row.
struct LayerSources: Sendable {
    /// Entries of row y are rowStart[y]..<rowStart[y + 1].
    var rowStart: [Int]
    var x: [Int32]
    var disparity: [Float]
    /// (R·w, G·w, B·w, w): linear colour premultiplied by the pixel's weight in this layer.
    var colour: [SIMD4<Float>]

    func recycle(into pool: ArrayPool) {
        pool.give(rowStart); pool.give(x); pool.give(disparity); pool.give(colour)
    }

    /// No sources in any of `height` rows.
    static func empty(height: Int) -> LayerSources {
        LayerSources(rowStart: [Int](repeating: 0, count: height + 1), x: [], disparity: [], colour: [])
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
        let boosted = settings.highlights.flatMap { $0.boosted(colour, pool: self.pool) }
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

    /// A pointer for empty buffers, never dereferenced.
    private static func nowhere<T>() -> UnsafeMutablePointer<T> {
        UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }

    /// Linear colour as the engine uses it: NaN as 0.
    @inline(__always)
    static func linear(_ r: Float, _ g: Float, _ b: Float) -> SIMD4<Float> {
        var rgb = SIMD4<Float>(r, g, b, 0)
        rgb.replace(with: SIMD4<Float>.zero, where: .!(rgb .== rgb))
        return rgb
    }

    /// Each pixel feeds its own layer and, in a tent zone, its neighbour (`tent`: > 0 the nearer one's
    /// weight, < 0 minus the farther one's). From the entries per (layer, row) counted while layers were
    /// assigned (`height + 1` per layer, the last unused), every entry is written straight to its place
    /// in the layer's final arrays by row bands on all workers (rows own disjoint slices, so the lists
    /// are the same for any thread count).
    static func layerSources(layers depthLayers: DepthLayers, counts: [Int], image: PlanarImage,
                             splits: EdgeUnmixing.Splits,
                             disparity: [Float], layerOf: [Int32], tent: [Float],
                             width: Int, height: Int, threads: Int, pool: ArrayPool) -> [LayerSources] {
        let band = 32
        let layers = depthLayers.count
        var counts = counts
        // Row starts: running sums per layer (counts becomes rowStart, height + 1 entries per layer).
        var totals = [Int](repeating: 0, count: layers)
        for k in 0..<layers {
            var running = 0
            for y in 0...height {
                let n = counts[k * (height + 1) + y]
                counts[k * (height + 1) + y] = running
                running += n
            }
            totals[k] = running
        }
        // Every entry to its place.
        var xs: [[Int32]] = totals.map { pool.unset($0) }  // every slot is written below
        var ds: [[Float]] = totals.map { pool.unset($0) }
        var cs: [[SIMD4<Float>]] = totals.map { pool.unset($0) }
        // The arrays are not touched again until every worker is done, so their storage stays put.
        // (An empty layer gets no entries: its pointer is never written through.)
        let xBase = (0..<layers).map { k in xs[k].withUnsafeMutableBufferPointer { SharedPointer(base: $0.baseAddress ?? Self.nowhere()) } }
        let dBase = (0..<layers).map { k in ds[k].withUnsafeMutableBufferPointer { SharedPointer(base: $0.baseAddress ?? Self.nowhere()) } }
        let cBase = (0..<layers).map { k in cs[k].withUnsafeMutableBufferPointer { SharedPointer(base: $0.baseAddress ?? Self.nowhere()) } }
        counts.withUnsafeBufferPointer { rowStarts in
            let starts = SharedPointer(base: UnsafeMutablePointer(mutating: rowStarts.baseAddress!))
            parallelFor(height, threads: threads, chunk: band) { _, rows in
                var cursor = [Int](repeating: 0, count: layers)
                let plane = width * height
                image.samples.withUnsafeBufferPointer { samples in
                disparity.withUnsafeBufferPointer { db in
                layerOf.withUnsafeBufferPointer { lo in
                tent.withUnsafeBufferPointer { tw in
                cursor.withUnsafeMutableBufferPointer { at in
                    /// Pixel i (column x, colour rgb) with weight w as entry `slot` of layer k.
                    @inline(__always) func store(_ k: Int, _ slot: Int, _ x: Int, _ i: Int, _ rgb: SIMD4<Float>, _ w: Float) {
                        xBase[k].base[slot] = Int32(x)
                        dBase[k].base[slot] = db[i]
                        var c = rgb * w
                        c.w = w
                        cBase[k].base[slot] = c
                    }
                    /// Four pixels from i: four entries of layer k from `slot`, weight 1, if all four lie in
                    /// layer k alone (no tent share); else false.
                    @inline(__always) func storeFour(_ k: Int, _ slot: Int, _ x: Int, _ i: Int) -> Bool {
                        @inline(__always) func load<T: SIMDScalar>(_ p: UnsafePointer<T>) -> SIMD4<T> {
                            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<T>.self)
                        }
                        // (Tested as two 64-bit words each: a mask reduction compiles to a loop over lanes.)
                        let layerWords = UnsafeRawPointer(lo.baseAddress! + i), tentWords = UnsafeRawPointer(tw.baseAddress! + i)
                        let pair = UInt64(UInt32(k)) &* 0x1_0000_0001
                        guard layerWords.loadUnaligned(as: UInt64.self) == pair,
                              layerWords.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == pair,
                              tentWords.loadUnaligned(as: UInt64.self) | tentWords.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == 0
                        else { return false }
                        var r = load(samples.baseAddress! + i)
                        var g = load(samples.baseAddress! + plane + i)
                        var b = load(samples.baseAddress! + 2 * plane + i)
                        r.replace(with: 0, where: .!(r .== r))
                        g.replace(with: 0, where: .!(g .== g))
                        b.replace(with: 0, where: .!(b .== b))
                        UnsafeMutableRawPointer(xBase[k].base + slot).storeBytes(of: SIMD4<Int32>(0, 1, 2, 3) &+ Int32(x),
                                                                                as: SIMD4<Int32>.self)
                        UnsafeMutableRawPointer(dBase[k].base + slot).storeBytes(of: load(db.baseAddress! + i), as: SIMD4<Float>.self)
                        let c = cBase[k].base + slot
                        c[0] = SIMD4(r[0], g[0], b[0], 1)
                        c[1] = SIMD4(r[1], g[1], b[1], 1)
                        c[2] = SIMD4(r[2], g[2], b[2], 1)
                        c[3] = SIMD4(r[3], g[3], b[3], 1)
                        return true
                    }
                    /// An edge pixel's two shares (EdgeUnmixing): its own at its layer(s), the other
                    /// surface's at the layer(s) of its disparity. Cursors are kept in `at`.
                    func storeSplit(_ split: EdgeUnmixing.Split, _ x: Int, _ i: Int) {
                        @inline(__always) func put(_ k: Int, _ d: Float, _ c: SIMD4<Float>) {
                            xBase[k].base[at[k]] = Int32(x)
                            dBase[k].base[at[k]] = d
                            cBase[k].base[at[k]] = c
                            at[k] += 1
                        }
                        let l = Int(lo[i]), t = tw[i]
                        let wn = max(0, t), wf = max(0, -t)
                        put(l, db[i], split.own * (1 - wn - wf))
                        if t > 0 { put(l + 1, db[i], split.own * wn) }
                        if t < 0 { put(l - 1, db[i], split.own * wf) }
                        let other = depthLayers.assign(split.otherDisparity)
                        put(other.layer, split.otherDisparity, split.other * (1 - other.nearerWeight - other.fartherWeight))
                        if other.nearerWeight > 0 { put(other.layer + 1, split.otherDisparity, split.other * other.nearerWeight) }
                        if other.fartherWeight > 0 { put(other.layer - 1, split.otherDisparity, split.other * other.fartherWeight) }
                    }
                    for y in rows {
                        for k in 0..<layers { at[k] = starts.base[k * (height + 1) + y] }
                        // Along a run of one layer's pixels its cursor stays in a register.
                        var current = -1
                        var slot = 0
                        var nextSplit = splits.rowStart[y]
                        let splitEnd = splits.rowStart[y + 1]
                        var splitX = nextSplit < splitEnd ? Int(splits.x[nextSplit]) : width
                        var x = 0
                        while x < width {
                            let i = y * width + x
                            if x == splitX {
                                if current >= 0 { at[current] = slot; current = -1 }
                                storeSplit(splits.split[nextSplit], x, i)
                                nextSplit += 1
                                splitX = nextSplit < splitEnd ? Int(splits.x[nextSplit]) : width
                                x += 1
                                continue
                            }
                            let l = Int(lo[i])
                            if l != current {
                                if current >= 0 { at[current] = slot }
                                current = l
                                slot = at[l]
                            }
                            // Inside a layer, away from its cuts and edges, four pixels at a time (the same entries).
                            if x + 4 <= splitX && storeFour(l, slot, x, i) {
                                slot += 4
                                x += 4
                                continue
                            }
                            let rgb = Self.linear(samples[i], samples[plane + i], samples[2 * plane + i])
                            let t = tw[i]
                            let wn = max(0, t), wf = max(0, -t)
                            store(l, slot, x, i, rgb, 1 - wn - wf)
                            slot += 1
                            // A tent zone's share goes to the neighbouring layer (never `current`).
                            if t > 0 { store(l + 1, at[l + 1], x, i, rgb, wn); at[l + 1] += 1 }
                            if t < 0 { store(l - 1, at[l - 1], x, i, rgb, wf); at[l - 1] += 1 }
                            x += 1
                        }
                        if current >= 0 { at[current] = slot }
                    }
                }}}}}
            }
        }
        withExtendedLifetime((xs, ds, cs)) {}
        return (0..<layers).map { k in
            LayerSources(rowStart: Array(counts[(k * (height + 1))..<((k + 1) * (height + 1))]), x: xs[k], disparity: ds[k], colour: cs[k])
        }
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

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
    /// The input image (linear RGB) and the highlight boost, for pixels no source covers.
    let image: PlanarImage
    let highlights: HighlightBoost?
    /// The frame's disparity (1/m), as the engine used it.
    public let disparity: [Float]
    /// Each pixel's (main) depth layer, 0 = farthest.
    public let layerIndex: [Int32]

    public var layerCount: Int { layers.count }

    /// Pixel i's colour as the engine reads it: linear RGB, NaN as 0, highlights boosted.
    @inline(__always)
    func inputColour(_ i: Int) -> SIMD4<Float> {
        let n = image.pixelCount
        return DefocusEngine.linear(image.samples[i], image.samples[n + i], image.samples[2 * n + i], highlights)
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
    public func prepare(colour image: PlanarImage, disparity: [Float], typicalFocus: Double = 2,
                        lens: LensModel? = nil) -> PreparedFrame {
        precondition(image.channels >= 3, "colour needs R, G and B")
        precondition(disparity.count == image.pixelCount, "depth and colour sizes differ")
        let width = image.width
        let height = image.height
        let count = image.pixelCount
        let pool = self.pool

        let scale = Float((lens ?? settings.lens).layerScale(imageWidth: width, typicalFocus: typicalFocus))
        let layers = DepthLayers(disparity: disparity, pixelsPerDisparity: scale,
                                 layerThickness: settings.layerThickness, maximumLayers: settings.maximumLayers)

        // Per pixel, on all workers (rows in bands of 16, a multiple of the fill grid's cell): layer and
        // tent weight, nearest layer and occlusion edges per cell, entries per (layer, row). Colour is
        // read in the next pass: this one writes 8 bytes per pixel (no linear copy of the colour is kept).
        // (Every pixel of the two arrays is written below.)
        var layerOf: [Int32] = pool.unset(count)
        var tent: [Float] = pool.unset(count)
        var nearest = HiddenFill.NearestLayers(width: width, height: height, pool: pool)
        var counts: [Int] = pool.filled(layers.count * (height + 1), with: 0)
        // A depth step between neighbours worth more than this much blur (px) is an occlusion edge; a
        // continuous surface (a floor, a wall at an angle) changes far less from pixel to pixel.
        let edgeStep = HiddenFill.edgeBlur / max(scale, 1e-6)
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
            let rowsPerLayer = height + 1
            parallelFor(height, threads: threadCount, chunk: band) { _, rows in
                for y in rows {
                    // Entries per (layer, row) for the layer lists: runs of one layer counted at once.
                    var runLayer = -1
                    var run = 0
                    // Neighbours often share a depth value: the last one's layer and weights are reused.
                    var lastDisparity = Float.nan
                    var a = (layer: 0, nearerWeight: Float(0), fartherWeight: Float(0))
                    // Occlusion edges mark the cells on both sides. Along a row both cells are marked at
                    // once; across rows each row looks up and down and marks its own cell, so a worker
                    // writes only its own rows' cells (bands hold whole cell rows).
                    let cellRow = (y / HiddenFill.cell) * cellsWide
                    let up = max(0, y - 1), down = min(height - 1, y + 1)
                    for x in 0..<width {
                        let i = y * width + x
                        let d = depth.base[i]
                        if d != lastDisparity {
                            if x > 0 && abs(d - lastDisparity) > edgeStep {
                                edges.base[cellRow + (x - 1) / HiddenFill.cell] = true
                                edges.base[cellRow + x / HiddenFill.cell] = true
                            }
                            lastDisparity = d
                            a = layers.assign(d)
                        }
                        if abs(depth.base[up * width + x] - d) > edgeStep || abs(depth.base[down * width + x] - d) > edgeStep {
                            edges.base[cellRow + x / HiddenFill.cell] = true
                        }
                        lp.base[i] = Int32(a.layer)
                        tp.base[i] = a.fartherWeight > 0 ? -a.fartherWeight : a.nearerWeight
                        let cell = cellRow + x / HiddenFill.cell
                        if Int8(a.layer) > cells.base[cell] { cells.base[cell] = Int8(a.layer) }
                        if a.layer != runLayer {
                            if run > 0 { perRow.base[runLayer * rowsPerLayer + y] += run }
                            runLayer = a.layer
                            run = 0
                        }
                        run += 1
                        if a.nearerWeight > 0 { perRow.base[(a.layer + 1) * rowsPerLayer + y] += 1 }
                        if a.fartherWeight > 0 { perRow.base[(a.layer - 1) * rowsPerLayer + y] += 1 }
                    }
                    if run > 0 { perRow.base[runLayer * rowsPerLayer + y] += run }
                }
            }
        }}}}}}

        let sources = Self.layerSources(layers: layers.count, counts: counts, image: image, highlights: settings.highlights,
                                        disparity: disparity, layerOf: layerOf, tent: tent,
                                        width: width, height: height, threads: threadCount, pool: pool)
        pool.give(consume counts)
        // Hidden background per layer, on all workers. Layer k can only be filled where a nearer layer
        // has pixels: within the union of the boxes of layers k+1, k+2, ...
        var nearerBoxes = [HiddenFill.Box?](repeating: nil, count: layers.count)
        for k in stride(from: layers.count - 2, through: 0, by: -1) {
            nearerBoxes[k] = HiddenFill.Box.union(nearerBoxes[k + 1], HiddenFill.Box(of: sources[k + 1]))
        }
        let fills = Slots<LayerSources>(count: layers.count)
        let reach = Int(settings.maximumRadius.rounded(.up)) + 1
        let fillHidden = settings.fillHidden
        parallelFor(layers.count, threads: threadCount, chunk: 1) { [layerOf, tent, nearest, nearerBoxes] _, items in
            for k in items {
                if fillHidden, let nearer = nearerBoxes[k] {
                    fills.store(k, HiddenFill.sources(layer: k, own: sources[k], nearer: nearer, nearest: nearest,
                                                      layerOf: layerOf, tent: tent, width: width, height: height,
                                                      reach: reach, pool: pool))
                } else {
                    fills.store(k, .empty(height: height))
                }
            }
        }
        pool.give(consume tent)
        pool.give(nearest.layer)
        pool.give(nearest.edge)
        return PreparedFrame(width: width, height: height, layers: layers, sources: sources, fills: fills.values(),
                             image: image, highlights: settings.highlights, disparity: disparity, layerIndex: layerOf)
    }
}

extension DefocusEngine {
    /// A pointer for empty buffers, never dereferenced.
    private static func nowhere<T>() -> UnsafeMutablePointer<T> {
        UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }

    /// Linear colour as the engine uses it: NaN as 0, highlights boosted.
    @inline(__always)
    static func linear(_ r: Float, _ g: Float, _ b: Float, _ boost: HighlightBoost?) -> SIMD4<Float> {
        var rgb = SIMD4<Float>(r, g, b, 0)
        rgb.replace(with: SIMD4<Float>.zero, where: .!(rgb .== rgb))
        if let boost { rgb = boost.apply(rgb) }
        return rgb
    }

    /// Each pixel feeds its own layer and, in a tent zone, its neighbour (`tent`: > 0 the nearer one's
    /// weight, < 0 minus the farther one's). From the entries per (layer, row) counted while layers were
    /// assigned (`height + 1` per layer, the last unused), every entry is written straight to its place
    /// in the layer's final arrays by row bands on all workers (rows own disjoint slices, so the lists
    /// are the same for any thread count).
    static func layerSources(layers: Int, counts: [Int], image: PlanarImage, highlights: HighlightBoost?,
                             disparity: [Float], layerOf: [Int32], tent: [Float],
                             width: Int, height: Int, threads: Int, pool: ArrayPool) -> [LayerSources] {
        let band = 32
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
                    /// layer k alone (no tent share) and none is a boosted highlight; else false.
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
                        if let highlights, highlights.threshold < 1 {
                            // The same luminance as `HighlightBoost.apply`, lane by lane.
                            let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
                            if luminance.max() > highlights.threshold { return false }
                        }
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
                    for y in rows {
                        for k in 0..<layers { at[k] = starts.base[k * (height + 1) + y] }
                        // Along a run of one layer's pixels its cursor stays in a register.
                        var current = -1
                        var slot = 0
                        var x = 0
                        while x < width {
                            let i = y * width + x
                            let l = Int(lo[i])
                            if l != current {
                                if current >= 0 { at[current] = slot }
                                current = l
                                slot = at[l]
                            }
                            // Inside a layer, away from its cuts, four pixels at a time (the same entries).
                            if x + 4 <= width && storeFour(l, slot, x, i) {
                                slot += 4
                                x += 4
                                continue
                            }
                            let rgb = Self.linear(samples[i], samples[plane + i], samples[2 * plane + i], highlights)
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

/// The background hidden behind nearer layers, invented per layer by pull-push (Gortler et al.;
/// Kraus & Strengert) on a grid of 2 x 2-pixel cells (the invented content is smooth; 2 x 2 scored
/// best against ground truth), for the nearer pixels within `reach` of the layer. Those pixels
/// become extra sources of the layer, with colour and disparity sampled bilinearly from the grid.
enum HiddenFill {
    static let cell = 2

    /// The depth step (in px of blur radius) between neighbouring pixels above which they meet at an
    /// occlusion edge.
    static let edgeBlur: Float = 0.5

    /// Per cell: the nearest layer with a pixel there, and whether an occlusion edge runs through it.
    struct NearestLayers: Sendable {
        let cellsWide: Int
        let cellsHigh: Int
        var layer: [Int8]
        var edge: [Bool]

        init(width: Int, height: Int, pool: ArrayPool) {
            cellsWide = (width + HiddenFill.cell - 1) / HiddenFill.cell
            cellsHigh = (height + HiddenFill.cell - 1) / HiddenFill.cell
            layer = pool.filled(cellsWide * cellsHigh, with: -1)
            edge = pool.filled(cellsWide * cellsHigh, with: false)
        }
    }

    /// The pixels (inclusive bounds) a layer's sources lie in.
    struct Box: Sendable {
        var x0, x1, y0, y1: Int

        /// Nil for a layer without sources.
        init?(of sources: LayerSources) {
            x0 = Int.max; x1 = Int.min; y0 = Int.max; y1 = Int.min
            let height = sources.rowStart.count - 1
            for y in 0..<height where sources.rowStart[y] < sources.rowStart[y + 1] {
                y0 = min(y0, y); y1 = y
                x0 = min(x0, Int(sources.x[sources.rowStart[y]])); x1 = max(x1, Int(sources.x[sources.rowStart[y + 1] - 1]))
            }
            if y1 < 0 { return nil }
        }

        static func union(_ a: Box?, _ b: Box?) -> Box? {
            guard let a else { return b }
            guard let b else { return a }
            var u = a
            u.x0 = min(a.x0, b.x0); u.x1 = max(a.x1, b.x1); u.y0 = min(a.y0, b.y0); u.y1 = max(a.y1, b.y1)
            return u
        }
    }

    /// The first index in low..<high whose value is `past` (values ascending; `past` false, then true), or high.
    @inline(__always)
    static func firstIndex(_ values: UnsafeBufferPointer<Int32>, _ low: Int, _ high: Int, past: (Int32) -> Bool) -> Int {
        var low = low, high = high
        while low < high {
            let middle = (low + high) / 2
            if past(values[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Fill sources of layer k: nearer pixels within `reach` of the layer's own pixels. `nearer` bounds
    /// the pixels of all nearer layers (the only ones that can be filled).
    static func sources(layer k: Int, own: LayerSources, nearer: Box, nearest: NearestLayers, layerOf: [Int32],
                        tent: [Float], width: Int, height: Int, reach: Int, pool: ArrayPool) -> LayerSources {
        let c = HiddenFill.cell
        let cw = nearest.cellsWide, ch = nearest.cellsHigh
        let cellReach = (reach + c - 1) / c + 1
        // The cells worked on: the layer's extent grown by the reach (nothing outside can be filled),
        // within the nearer layers' extent grown by the reach (nothing else feeds a fill cell: the
        // dilation reaches `cellReach` cells, the pull-push box is the fill cells' box grown as much).
        guard let box = Box(of: own) else { return .empty(height: height) }
        var bx0 = max(0, box.x0 / c - cellReach, nearer.x0 / c - cellReach)
        var bx1 = min(cw - 1, box.x1 / c + cellReach, nearer.x1 / c + cellReach)
        var by0 = max(0, box.y0 / c - cellReach, nearer.y0 / c - cellReach)
        var by1 = min(ch - 1, box.y1 / c + cellReach, nearer.y1 / c + cellReach)
        guard bx0 <= bx1 && by0 <= by1 else { return .empty(height: height) }
        // Fill grows from occlusion edges only: no edge cell, no fill; else the fill cells lie within the
        // reach of the edge cells' box and the pull-push box within twice the reach (as below).
        var ex0 = Int.max, ex1 = Int.min, ey0 = Int.max, ey1 = Int.min
        nearest.edge.withUnsafeBufferPointer { edge in
            for y in by0...by1 {
                let row = edge.baseAddress! + y * cw
                var x = bx0
                while x <= bx1 && !row[x] { x += 1 }
                guard x <= bx1 else { continue }
                var last = bx1
                while !row[last] { last -= 1 }
                ex0 = min(ex0, x); ex1 = max(ex1, last); ey0 = min(ey0, y); ey1 = y
            }
        }
        guard ey1 >= 0 else { return .empty(height: height) }
        bx0 = max(bx0, ex0 - 2 * cellReach); bx1 = min(bx1, ex1 + 2 * cellReach)
        by0 = max(by0, ey0 - 2 * cellReach); by1 = min(by1, ey1 + 2 * cellReach)
        let bw = bx1 - bx0 + 1, bh = by1 - by0 + 1
        let firstRow = by0 * c, lastRow = min(height - 1, by1 * c + c - 1)
        // Cell averages of the layer's own pixels: (R, G, B, disparity) and weight.
        var sums: [SIMD4<Float>] = pool.filled(bw * bh, with: .zero)
        var weights: [Float] = pool.filled(bw * bh, with: 0)
        // (Scratch goes back to the pool as soon as it is done with, so workers filling other layers reuse it.)
        sums.withUnsafeMutableBufferPointer { sums in
        weights.withUnsafeMutableBufferPointer { weights in
        own.x.withUnsafeBufferPointer { xs in
        own.disparity.withUnsafeBufferPointer { ds in
        own.colour.withUnsafeBufferPointer { cs in
            let left = Int32(bx0 * c), right = Int32((bx1 + 1) * c)
            for y in firstRow...lastRow {
                let rowBase = (y / c - by0) * bw - bx0
                // The row's sources inside the box (x ascending).
                let first = firstIndex(xs, own.rowStart[y], own.rowStart[y + 1]) { $0 >= left }
                let end = firstIndex(xs, first, own.rowStart[y + 1]) { $0 >= right }
                // A row's sources of one cell are added in registers, in the same order.
                var cell = -1
                var sum = SIMD4<Float>.zero
                var weight: Float = 0
                for e in first..<end {
                    let here = rowBase + Int(xs[e]) / c
                    if here != cell {
                        if cell >= 0 { sums[cell] = sum; weights[cell] = weight }
                        cell = here
                        sum = sums[here]
                        weight = weights[here]
                    }
                    var v = cs[e]
                    let w = v.w
                    v.w = ds[e] * w
                    sum += v
                    weight += w
                }
                if cell >= 0 { sums[cell] = sum; weights[cell] = weight }
            }
        }}}}}
        // The layer's cells at an occlusion edge: hidden background lies only behind a nearer layer that
        // occludes this one (where a surface merely continues into a nearer layer, nothing is hidden).
        var member: [Bool] = pool.unset(bw * bh)  // every cell written
        weights.withUnsafeBufferPointer { weights in
        nearest.edge.withUnsafeBufferPointer { edge in
        member.withUnsafeMutableBufferPointer { member in
            for y in 0..<bh {
                let edges = edge.baseAddress! + (y + by0) * cw + bx0
                for x in 0..<bw { member[y * bw + x] = weights[y * bw + x] > 0 && edges[x] }
            }
        }}}
        let near = HoleFill.dilate(member, width: bw, height: bh, radius: cellReach, pool: pool)
        pool.give(consume member)
        // Fill cells: near the layer, and a nearer layer has a pixel there.
        var fillCell: [Bool] = pool.unset(bw * bh)  // every cell written
        var fx0 = bw, fx1 = -1, fy0 = bh, fy1 = -1
        near.withUnsafeBufferPointer { near in
        nearest.layer.withUnsafeBufferPointer { nearestLayer in
        fillCell.withUnsafeMutableBufferPointer { fillCell in
            for y in 0..<bh {
                let cells = nearestLayer.baseAddress! + (y + by0) * cw + bx0
                var rowLow = bw, rowHigh = -1
                for x in 0..<bw {
                    let fill = near[y * bw + x] && Int(cells[x]) > k
                    fillCell[y * bw + x] = fill
                    if fill { rowLow = min(rowLow, x); rowHigh = x }
                }
                if rowHigh >= 0 { fx0 = min(fx0, rowLow); fx1 = max(fx1, rowHigh); fy0 = min(fy0, y); fy1 = y }
            }
        }}}
        pool.give(consume near)
        guard fx1 >= 0 else {
            pool.give(consume fillCell); pool.give(consume sums); pool.give(consume weights)
            return .empty(height: height)
        }
        // Pull-push over the fill cells' box, grown so the layer's cells around them feed it.
        let px0 = max(0, fx0 - cellReach), px1 = min(bw - 1, fx1 + cellReach)
        let py0 = max(0, fy0 - cellReach), py1 = min(bh - 1, fy1 + cellReach)
        let pw = px1 - px0 + 1, ph = py1 - py0 + 1
        let originX = bx0 + px0, originY = by0 + py0  // the pull-push grid's origin, in cells
        // Runs of fill cells per cell row, so only fill cells' pixels are visited.
        var runs: [[(Int, Int)]] = Array(repeating: [], count: bh)
        var bound = 0  // pixels in the runs: at most this many fill sources
        for y in fy0...fy1 {
            var x = fx0
            while x <= fx1 {
                guard fillCell[y * bw + x] else { x += 1; continue }
                let start = x
                while x <= fx1 && fillCell[y * bw + x] { x += 1 }
                runs[y].append(((bx0 + start) * c, min(width, (bx0 + x) * c)))
                bound += (min(width, (bx0 + x) * c) - (bx0 + start) * c) * c
            }
        }
        pool.give(consume fillCell)
        // Pull-push over the box, then the fill pixels: in a fill cell, of a nearer layer, and not
        // already (tent-)shared with layer k, sampled bilinearly from the filled grid.
        let result = HoleFill.pullPush(width: pw, height: ph, pool: pool, initialize: { values, known in
            for y in 0..<ph {
                for x in 0..<pw {
                    let i = (y + py0) * bw + x + px0
                    if weights[i] > 0 {
                        values[y * pw + x] = sums[i] / weights[i]
                        known[y * pw + x] = 1
                    }
                }
            }
        }, use: { filled in
            var rowStart = [Int](repeating: 0, count: height + 1)
            // The first `count` slots are written, the rest cut off below.
            var xs: [Int32] = pool.unset(bound)
            var ds: [Float] = pool.unset(bound)
            var cs: [SIMD4<Float>] = pool.unset(bound)
            var count = 0
            layerOf.withUnsafeBufferPointer { layerOf in
            tent.withUnsafeBufferPointer { tent in
            xs.withUnsafeMutableBufferPointer { xs in
            ds.withUnsafeMutableBufferPointer { ds in
            cs.withUnsafeMutableBufferPointer { cs in
                for y in 0..<height {
                    rowStart[y] = count
                    let cellRow = y / c - by0
                    guard cellRow >= fy0 && cellRow <= fy1, !runs[cellRow].isEmpty else { continue }
                    let gy = (Float(y) + 0.5) / Float(c) - 0.5 - Float(originY)
                    let iy = max(0, min(ph - 1, floorToInt(gy)))
                    let iy1 = min(ph - 1, iy + 1)
                    let ty = max(0, min(1, gy - Float(iy)))
                    let top = filled + iy * pw, bottom = filled + iy1 * pw
                    for (first, end) in runs[cellRow] {
                        for x in first..<end {
                            let i = y * width + x
                            let l = Int(layerOf[i])
                            guard l > k, !(l == k + 1 && tent[i] < 0) else { continue }
                            let gx = (Float(x) + 0.5) / Float(c) - 0.5 - Float(originX)
                            let ix = max(0, min(pw - 1, floorToInt(gx)))
                            let ix1 = min(pw - 1, ix + 1)
                            let tx = max(0, min(1, gx - Float(ix)))
                            let upper = top[ix] * (1 - tx) + top[ix1] * tx
                            let lower = bottom[ix] * (1 - tx) + bottom[ix1] * tx
                            let f = upper * (1 - ty) + lower * ty
                            xs[count] = Int32(x)
                            ds[count] = f.w
                            cs[count] = SIMD4(f.x, f.y, f.z, 1)  // invented colour, weight 1
                            count += 1
                        }
                    }
                }
            }}}}}
            rowStart[height] = count
            xs.removeLast(bound - count); ds.removeLast(bound - count); cs.removeLast(bound - count)
            return LayerSources(rowStart: rowStart, x: xs, disparity: ds, colour: cs)
        })
        pool.give(consume sums)
        pool.give(consume weights)
        return result
    }
}



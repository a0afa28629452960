import RackFocusCore

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

extension DefocusEngine {
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
        let (rowStarts, totals) = rowStarts(counts: counts, layers: layers, height: height)
        var xs: [[Int32]] = totals.map { pool.unset($0) }  // every slot is written below
        var ds: [[Float]] = totals.map { pool.unset($0) }
        var cs: [[SIMD4<Float>]] = totals.map { pool.unset($0) }
        // The arrays are not touched again until every worker is done, so their storage stays put.
        // (An empty layer gets no entries: its pointer is never written through.)
        let xBase = (0..<layers).map { k in xs[k].withUnsafeMutableBufferPointer { SharedPointer(base: $0.baseAddress ?? Self.nowhere()) } }
        let dBase = (0..<layers).map { k in ds[k].withUnsafeMutableBufferPointer { SharedPointer(base: $0.baseAddress ?? Self.nowhere()) } }
        let cBase = (0..<layers).map { k in cs[k].withUnsafeMutableBufferPointer { SharedPointer(base: $0.baseAddress ?? Self.nowhere()) } }
        parallelFor(height, threads: threads, chunk: band) { _, rows in
            var cursor = [Int](repeating: 0, count: layers)
            image.samples.withUnsafeBufferPointer { samples in
            disparity.withUnsafeBufferPointer { db in
            layerOf.withUnsafeBufferPointer { lo in
            tent.withUnsafeBufferPointer { tw in
            cursor.withUnsafeMutableBufferPointer { at in
            xBase.withUnsafeBufferPointer { xp in
            dBase.withUnsafeBufferPointer { dp in
            cBase.withUnsafeBufferPointer { cp in
                let writer = SourceWriter(x: xp.baseAddress!, disparity: dp.baseAddress!, colour: cp.baseAddress!, cursor: at.baseAddress!,
                                          samples: samples.baseAddress!, plane: width * height, depth: db.baseAddress!,
                                          layerOf: lo.baseAddress!, tent: tw.baseAddress!, width: width, layers: depthLayers)
                for y in rows {
                    for k in 0..<layers { at[k] = rowStarts[k * (height + 1) + y] }
                    writer.writeRow(y, splits: splits)
                }
            }}}}}}}}
        }
        withExtendedLifetime((xs, ds, cs)) {}
        return (0..<layers).map { k in
            LayerSources(rowStart: Array(rowStarts[(k * (height + 1))..<((k + 1) * (height + 1))]), x: xs[k], disparity: ds[k], colour: cs[k])
        }
    }

    /// Entry counts per (layer, row) turned into each row's first entry (running sums per layer), and
    /// each layer's total.
    static func rowStarts(counts: [Int], layers: Int, height: Int) -> (rowStart: [Int], totals: [Int]) {
        var starts = counts
        var totals = [Int](repeating: 0, count: layers)
        for k in 0..<layers {
            var running = 0
            for y in 0...height {
                let n = starts[k * (height + 1) + y]
                starts[k * (height + 1) + y] = running
                running += n
            }
            totals[k] = running
        }
        return (starts, totals)
    }

    /// A pointer for empty buffers, never dereferenced.
    private static func nowhere<T>() -> UnsafeMutablePointer<T> {
        UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }

    /// Writes the entries of whole rows into the layers' arrays, from each layer's cursor (the row's
    /// first slot, set by the caller). One writer per worker; rows own disjoint slices.
    ///
    /// Per layer pointers and indices use raw pointers and wrapping arithmetic (`&+`, `&*`): a layer is
    /// below the layer count (`layerOf` and `DepthLayers.assign` give no other), pixel indices lie in
    /// the frame, and the slots were counted exactly by `assignLayers` for these very entries.
    struct SourceWriter {
        let x: UnsafePointer<SharedPointer<Int32>>
        let disparity: UnsafePointer<SharedPointer<Float>>
        let colour: UnsafePointer<SharedPointer<SIMD4<Float>>>
        /// Per layer: the next slot to write.
        let cursor: UnsafeMutablePointer<Int>
        /// Input planes (R, G, B `plane` apart), disparity, layer and tent share per pixel.
        let samples: UnsafePointer<Float>
        let plane: Int
        let depth: UnsafePointer<Float>
        let layerOf: UnsafePointer<Int32>
        let tent: UnsafePointer<Float>
        let width: Int
        let layers: DepthLayers

        /// Row y, left to right: edge pixels split (EdgeUnmixing), runs of one layer four pixels at a
        /// time where they can be, other pixels one by one with their tent share.
        func writeRow(_ y: Int, splits: EdgeUnmixing.Splits) {
            // Along a run of one layer's pixels its cursor stays in a register.
            var current = -1
            var slot = 0
            var nextSplit = splits.rowStart[y]
            let splitEnd = splits.rowStart[y + 1]
            var splitX = nextSplit < splitEnd ? Int(splits.x[nextSplit]) : width
            var x = 0
            let rowStart = y &* width
            while x < width {
                let i = rowStart &+ x
                if x == splitX {
                    if current >= 0 { cursor[current] = slot; current = -1 }
                    storeSplit(splits.split[nextSplit], x, i)
                    nextSplit += 1
                    splitX = nextSplit < splitEnd ? Int(splits.x[nextSplit]) : width
                    x &+= 1
                    continue
                }
                let l = Int(layerOf[i])
                if l != current {
                    if current >= 0 { cursor[current] = slot }
                    current = l
                    slot = cursor[l]
                }
                // Inside a layer, away from its cuts and edges, four pixels at a time (the same entries).
                if x &+ 4 <= splitX && storeFour(l, slot, x, i) {
                    slot &+= 4
                    x &+= 4
                    continue
                }
                let rgb = DefocusEngine.linear(samples[i], samples[plane &+ i], samples[2 &* plane &+ i])
                let t = tent[i]
                let wn = max(0, t), wf = max(0, -t)
                store(l, slot, x, i, rgb, 1 - wn - wf)
                slot &+= 1
                // A tent zone's share goes to the neighbouring layer (never `current`).
                if t > 0 { store(l &+ 1, cursor[l &+ 1], x, i, rgb, wn); cursor[l &+ 1] &+= 1 }
                if t < 0 { store(l &- 1, cursor[l &- 1], x, i, rgb, wf); cursor[l &- 1] &+= 1 }
                x &+= 1
            }
            if current >= 0 { cursor[current] = slot }
        }

        /// Pixel i (column x, colour rgb) with weight w as entry `slot` of layer k.
        @inline(__always)
        func store(_ k: Int, _ slot: Int, _ px: Int, _ i: Int, _ rgb: SIMD4<Float>, _ w: Float) {
            x[k].base[slot] = Int32(px)
            disparity[k].base[slot] = depth[i]
            var c = rgb * w
            c.w = w
            colour[k].base[slot] = c
        }

        /// Four pixels from i: four entries of layer k from `slot`, weight 1, if all four lie in
        /// layer k alone (no tent share); else false. Speed-up, schedule: the same entries as four
        /// `store`s (bit-identical).
        @inline(__always)
        func storeFour(_ k: Int, _ slot: Int, _ px: Int, _ i: Int) -> Bool {
            @inline(__always) func load<T: SIMDScalar>(_ p: UnsafePointer<T>) -> SIMD4<T> {
                UnsafeRawPointer(p).loadUnaligned(as: SIMD4<T>.self)
            }
            // (Tested as two 64-bit words each: a mask reduction compiles to a loop over lanes.)
            let layerWords = UnsafeRawPointer(layerOf + i), tentWords = UnsafeRawPointer(tent + i)
            let pair = UInt64(UInt32(k)) &* 0x1_0000_0001
            guard layerWords.loadUnaligned(as: UInt64.self) == pair,
                  layerWords.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == pair,
                  tentWords.loadUnaligned(as: UInt64.self) | tentWords.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == 0
            else { return false }
            var r = load(samples + i)
            var g = load(samples + (plane &+ i))
            var b = load(samples + (2 &* plane &+ i))
            r.replace(with: 0, where: .!(r .== r))
            g.replace(with: 0, where: .!(g .== g))
            b.replace(with: 0, where: .!(b .== b))
            UnsafeMutableRawPointer(x[k].base + slot).storeBytes(of: SIMD4<Int32>(0, 1, 2, 3) &+ Int32(px),
                                                                 as: SIMD4<Int32>.self)
            UnsafeMutableRawPointer(disparity[k].base + slot).storeBytes(of: load(depth + i), as: SIMD4<Float>.self)
            let c = colour[k].base + slot
            c[0] = SIMD4(r[0], g[0], b[0], 1)
            c[1] = SIMD4(r[1], g[1], b[1], 1)
            c[2] = SIMD4(r[2], g[2], b[2], 1)
            c[3] = SIMD4(r[3], g[3], b[3], 1)
            return true
        }

        /// An edge pixel's two shares (EdgeUnmixing): its own at its layer(s), the other surface's
        /// at the layer(s) of its disparity.
        func storeSplit(_ split: EdgeUnmixing.Split, _ px: Int, _ i: Int) {
            @inline(__always) func put(_ k: Int, _ d: Float, _ c: SIMD4<Float>) {
                x[k].base[cursor[k]] = Int32(px)
                disparity[k].base[cursor[k]] = d
                colour[k].base[cursor[k]] = c
                cursor[k] += 1
            }
            let l = Int(layerOf[i]), t = tent[i]
            let wn = max(0, t), wf = max(0, -t)
            put(l, depth[i], split.own * (1 - wn - wf))
            if t > 0 { put(l + 1, depth[i], split.own * wn) }
            if t < 0 { put(l - 1, depth[i], split.own * wf) }
            let other = layers.assign(split.otherDisparity)
            put(other.layer, split.otherDisparity, split.other * (1 - other.nearerWeight - other.fartherWeight))
            if other.nearerWeight > 0 { put(other.layer + 1, split.otherDisparity, split.other * other.nearerWeight) }
            if other.fartherWeight > 0 { put(other.layer - 1, split.otherDisparity, split.other * other.fartherWeight) }
        }
    }
}

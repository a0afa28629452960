import RackFocusCore

/// The background hidden behind nearer layers, invented per layer by pull-push (Gortler et al.;
/// Kraus & Strengert) on a grid of 2 x 2-pixel cells (the invented content is smooth; 2 x 2 scored
/// best against ground truth), for the nearer pixels within `reach` of the layer's occlusion edges
/// (where a surface merely continues into a nearer layer nothing is hidden). Those pixels become
/// extra sources of the layer, with colour and disparity sampled bilinearly from the grid.
enum HiddenFill {
    static let cell = 2

    /// The depth step (in px of blur radius) between neighbouring pixels above which they meet at an
    /// occlusion edge.
    static let edgeBlur: Float = 0.5

    /// Coverage of invented background from `density`, the share of the layer's own pixels around
    /// the fill pixel at the pull-push level that supplied it, and the invented colour's luminance.
    /// An ordinary surface continues behind the occluder at full coverage where it fills half its
    /// neighbourhood (min(1, 2·density)): a wall behind the subject. Invented light (luminance above
    /// 1, a lamp or a window) is held to a stricter rule, clamp(4·density − 1, 0, 1), blended in over
    /// luminance 1 to 2: it continues only right beside itself, because extrapolating a small lamp's
    /// radiance is an error as bright as the lamp (the glowing block beside the lamp of the shared
    /// `bokeh` scene). Without any density rule the fill spread a 6-pixel lamp over everything within
    /// its reach; without invented light at all, windows lose their continuation (-7 dB at 9 m).
    @inline(__always)
    static func coverage(density: Float, luminance: Float) -> Float {
        let surface = min(1, 2 * density)
        let light = max(0, min(1, 4 * density - 1))
        let t = max(0, min(1, luminance - 1))
        return surface * (1 - t) + light * t
    }

    /// Per cell: the nearest layer with a pixel there, and the layers occluded there (bit k: layer k).
    struct NearestLayers: Sendable {
        let cellsWide: Int
        let cellsHigh: Int
        var layer: [Int8]
        var edge: [UInt64]
        /// Per row of cells: the layers occluded anywhere in it (`summariseRows`), so a layer's
        /// passes over the cells skip the rows where it is not (most rows, for most layers).
        var rowEdge: [UInt64] = []

        init(width: Int, height: Int, pool: ArrayPool) {
            cellsWide = (width + HiddenFill.cell - 1) / HiddenFill.cell
            cellsHigh = (height + HiddenFill.cell - 1) / HiddenFill.cell
            layer = pool.filled(cellsWide * cellsHigh, with: -1)
            edge = pool.filled(cellsWide * cellsHigh, with: 0)
        }

        /// Fills `rowEdge` from `edge`, once every cell is written.
        mutating func summariseRows(pool: ArrayPool) {
            var rows: [UInt64] = pool.unset(cellsHigh)  // every row written below
            let cw = cellsWide
            edge.withUnsafeBufferPointer { edge in
            rows.withUnsafeMutableBufferPointer { rows in
                for y in 0..<cellsHigh {
                    let row = edge.baseAddress! + y * cw
                    var any: UInt64 = 0
                    for x in 0..<cw { any |= row[x] }
                    rows[y] = any
                }
            }}
            rowEdge = rows
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

    /// Fill sources of layer k: nearer pixels within `reach` of the layer's occlusion edges. `box` bounds
    /// the layer's own sources, `nearer` the pixels of all nearer layers (the only ones that can be filled).
    /// An edge pixel of layer k whose other share lies in a nearer layer (`splits`) is partly nearer:
    /// it is filled with that share's coverage.
    static func sources(layer k: Int, own: LayerSources, box: Box, nearer: Box, nearest: NearestLayers, layerOf: [Int32],
                        tent: [Float], splits: EdgeUnmixing.Splits, layers: DepthLayers,
                        width: Int, height: Int, reach: Int, pool: ArrayPool) -> LayerSources {
        let cellReach = (reach + cell - 1) / cell + 1
        guard let work = workCells(layer: k, box: box, nearer: nearer, nearest: nearest, cellReach: cellReach) else {
            return .empty(height: height)
        }
        let (sums, weights) = cellAverages(own, work: work, height: height, pool: pool)
        // (Scratch goes back to the pool as soon as it is done with, so workers filling other layers reuse it.)
        defer { pool.give(sums); pool.give(weights) }
        guard let fill = fillCells(layer: k, weights: weights, work: work, nearest: nearest, cellReach: cellReach,
                                   width: width, pool: pool) else { return .empty(height: height) }
        // Pull-push over the fill cells' box, grown so the layer's cells around them feed it.
        let bw = work.width
        let grid = CellBox(x0: max(0, fill.box.x0 - cellReach), x1: min(bw - 1, fill.box.x1 + cellReach),
                           y0: max(0, fill.box.y0 - cellReach), y1: min(work.height - 1, fill.box.y1 + cellReach))
        return HoleFill.pullPush(width: grid.width, height: grid.height, pool: pool, initialize: { values, known, density in
            for y in 0..<grid.height {
                for x in 0..<grid.width {
                    let i = (y + grid.y0) * bw + x + grid.x0
                    if weights[i] > 0 {
                        values[y * grid.width + x] = sums[i] / weights[i]
                        known[y * grid.width + x] = 1
                        density[y * grid.width + x] = min(1, weights[i] / Float(cell * cell))
                    }
                }
            }
        }, use: { filled, density in
            // The grid's origin, in the frame's cells.
            let origin = CellBox(x0: work.x0 + grid.x0, x1: work.x0 + grid.x1, y0: work.y0 + grid.y0, y1: work.y0 + grid.y1)
            return sample(layer: k, filled: filled, density: density, grid: origin, runs: fill.runs, firstRow: work.y0,
                          bound: fill.bound, layerOf: layerOf, tent: tent, splits: splits, layers: layers,
                          width: width, height: height, pool: pool)
        })
    }

    /// An inclusive box of fill cells.
    struct CellBox {
        var x0, x1, y0, y1: Int
        var width: Int { x1 - x0 + 1 }
        var height: Int { y1 - y0 + 1 }
    }

    /// The cells worked on for layer k, or nil when nothing can be filled: the layer's extent grown by
    /// the reach (nothing outside can be filled), within the nearer layers' extent grown by the reach
    /// (nothing else feeds a fill cell: the dilation reaches `cellReach` cells, the pull-push box is
    /// the fill cells' box grown as much). Fill grows from occluded cells only: none, no fill; else
    /// the fill cells lie within the reach of their box and the pull-push box within twice the reach.
    static func workCells(layer k: Int, box: Box, nearer: Box, nearest: NearestLayers, cellReach: Int) -> CellBox? {
        let c = cell, cw = nearest.cellsWide, ch = nearest.cellsHigh
        var work = CellBox(x0: max(0, box.x0 / c - cellReach, nearer.x0 / c - cellReach),
                           x1: min(cw - 1, box.x1 / c + cellReach, nearer.x1 / c + cellReach),
                           y0: max(0, box.y0 / c - cellReach, nearer.y0 / c - cellReach),
                           y1: min(ch - 1, box.y1 / c + cellReach, nearer.y1 / c + cellReach))
        guard work.x0 <= work.x1 && work.y0 <= work.y1 else { return nil }
        let bit = UInt64(1) << UInt64(k)
        var ex0 = Int.max, ex1 = Int.min, ey0 = Int.max, ey1 = Int.min
        nearest.edge.withUnsafeBufferPointer { edge in
            for y in work.y0...work.y1 where nearest.rowEdge[y] & bit != 0 {
                let row = edge.baseAddress! + y * cw
                var x = work.x0
                while x <= work.x1 && row[x] & bit == 0 { x += 1 }
                guard x <= work.x1 else { continue }
                var last = work.x1
                while row[last] & bit == 0 { last -= 1 }
                ex0 = min(ex0, x); ex1 = max(ex1, last); ey0 = min(ey0, y); ey1 = y
            }
        }
        guard ey1 >= 0 else { return nil }
        work.x0 = max(work.x0, ex0 - 2 * cellReach); work.x1 = min(work.x1, ex1 + 2 * cellReach)
        work.y0 = max(work.y0, ey0 - 2 * cellReach); work.y1 = min(work.y1, ey1 + 2 * cellReach)
        return work
    }

    /// Per work cell: the sum of the layer's own pixels' (R, G, B, disparity), weighted, and their weight.
    static func cellAverages(_ own: LayerSources, work: CellBox, height: Int, pool: ArrayPool) -> ([SIMD4<Float>], [Float]) {
        let c = cell, bw = work.width
        var sums: [SIMD4<Float>] = pool.filled(bw * work.height, with: .zero)
        var weights: [Float] = pool.filled(bw * work.height, with: 0)
        let firstRow = work.y0 * c, lastRow = min(height - 1, work.y1 * c + c - 1)
        sums.withUnsafeMutableBufferPointer { sums in
        weights.withUnsafeMutableBufferPointer { weights in
        own.x.withUnsafeBufferPointer { xs in
        own.disparity.withUnsafeBufferPointer { ds in
        own.colour.withUnsafeBufferPointer { cs in
            let left = Int32(work.x0 * c), right = Int32((work.x1 + 1) * c)
            for y in firstRow...lastRow {
                let rowBase = (y / c - work.y0) * bw - work.x0
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
        return (sums, weights)
    }

    /// The fill cells of layer k, as runs of pixels per work-cell row, their box (in work cells) and
    /// the pixels the runs hold (at most this many fill sources); nil when there are none. A fill
    /// cell lies within the reach of the layer's occluded cells (hidden background lies only behind a
    /// nearer layer that occludes this one; where a surface merely continues into a nearer layer,
    /// nothing is hidden), and a nearer layer has a pixel there.
    static func fillCells(layer k: Int, weights: [Float], work: CellBox, nearest: NearestLayers, cellReach: Int,
                          width: Int, pool: ArrayPool) -> (runs: [[(Int, Int)]], box: CellBox, bound: Int)? {
        let c = cell, cw = nearest.cellsWide, bw = work.width, bh = work.height
        let bit = UInt64(1) << UInt64(k)
        var member: [Bool] = pool.unset(bw * bh)  // every cell written
        weights.withUnsafeBufferPointer { weights in
        nearest.edge.withUnsafeBufferPointer { edge in
        member.withUnsafeMutableBufferPointer { member in
            for y in 0..<bh {
                guard nearest.rowEdge[y + work.y0] & bit != 0 else {
                    (member.baseAddress! + y * bw).update(repeating: false, count: bw)
                    continue
                }
                let edges = edge.baseAddress! + (y + work.y0) * cw + work.x0
                for x in 0..<bw { member[y * bw + x] = weights[y * bw + x] > 0 && edges[x] & bit != 0 }
            }
        }}}
        let near = HoleFill.dilate(member, width: bw, height: bh, radius: cellReach, pool: pool)
        pool.give(consume member)
        var fillCell: [Bool] = pool.unset(bw * bh)  // every cell written
        var box = CellBox(x0: bw, x1: -1, y0: bh, y1: -1)
        near.withUnsafeBufferPointer { near in
        nearest.layer.withUnsafeBufferPointer { nearestLayer in
        fillCell.withUnsafeMutableBufferPointer { fillCell in
            for y in 0..<bh {
                let cells = nearestLayer.baseAddress! + (y + work.y0) * cw + work.x0
                var rowLow = bw, rowHigh = -1
                for x in 0..<bw {
                    let fill = near[y * bw + x] && Int(cells[x]) > k
                    fillCell[y * bw + x] = fill
                    if fill { rowLow = min(rowLow, x); rowHigh = x }
                }
                if rowHigh >= 0 { box.x0 = min(box.x0, rowLow); box.x1 = max(box.x1, rowHigh); box.y0 = min(box.y0, y); box.y1 = y }
            }
        }}}
        pool.give(consume near)
        defer { pool.give(fillCell) }
        guard box.x1 >= 0 else { return nil }
        var runs: [[(Int, Int)]] = Array(repeating: [], count: bh)
        var bound = 0
        for y in box.y0...box.y1 {
            var x = box.x0
            while x <= box.x1 {
                guard fillCell[y * bw + x] else { x += 1; continue }
                let start = x
                while x <= box.x1 && fillCell[y * bw + x] { x += 1 }
                runs[y].append(((work.x0 + start) * c, min(width, (work.x0 + x) * c)))
                bound += (min(width, (work.x0 + x) * c) - (work.x0 + start) * c) * c
            }
        }
        return (runs, box, bound)
    }

    /// The fill sources of layer k: the pixels of the fill runs that belong to a nearer layer (not
    /// already tent-shared with layer k), or are edge pixels of k partly covered by a nearer surface,
    /// each with colour and disparity sampled bilinearly from the filled grid (`grid`: its cells in
    /// the frame) and the coverage of `coverage(density:luminance:)`.
    static func sample(layer k: Int, filled: UnsafePointer<SIMD4<Float>>, density: UnsafePointer<Float>, grid: CellBox,
                       runs: [[(Int, Int)]], firstRow: Int, bound: Int, layerOf: [Int32], tent: [Float],
                       splits: EdgeUnmixing.Splits, layers: DepthLayers, width: Int, height: Int, pool: ArrayPool) -> LayerSources {
        let c = cell, pw = grid.width, ph = grid.height
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
                let cellRow = y / c - firstRow
                guard cellRow >= 0 && cellRow < runs.count, !runs[cellRow].isEmpty else { continue }
                let gy = (Float(y) + 0.5) / Float(c) - 0.5 - Float(grid.y0)
                let iy = max(0, min(ph - 1, floorToInt(gy)))
                let iy1 = min(ph - 1, iy + 1)
                let ty = max(0, min(1, gy - Float(iy)))
                let top = filled + iy * pw, bottom = filled + iy1 * pw
                let densityTop = density + iy * pw, densityBottom = density + iy1 * pw
                var split = splits.rowStart[y]
                let splitEnd = splits.rowStart[y + 1]
                for (first, end) in runs[cellRow] {
                    for x in first..<end {
                        let i = y * width + x
                        let l = Int(layerOf[i])
                        while split < splitEnd && Int(splits.x[split]) < x { split += 1 }
                        var share: Float = 1
                        if l == k, split < splitEnd, Int(splits.x[split]) == x,
                           layers.assign(splits.split[split].otherDisparity).layer > k {
                            share = splits.split[split].other.w  // the part of the pixel a nearer surface covers
                        } else {
                            guard l > k, !(l == k + 1 && tent[i] < 0) else { continue }
                        }
                        let gx = (Float(x) + 0.5) / Float(c) - 0.5 - Float(grid.x0)
                        let ix = max(0, min(pw - 1, floorToInt(gx)))
                        let ix1 = min(pw - 1, ix + 1)
                        let tx = max(0, min(1, gx - Float(ix)))
                        let upper = top[ix] * (1 - tx) + top[ix1] * tx
                        let lower = bottom[ix] * (1 - tx) + bottom[ix1] * tx
                        let f = upper * (1 - ty) + lower * ty
                        let dUpper = densityTop[ix] * (1 - tx) + densityTop[ix1] * tx
                        let dLower = densityBottom[ix] * (1 - tx) + densityBottom[ix1] * tx
                        let coverage = share * HiddenFill.coverage(density: dUpper * (1 - ty) + dLower * ty,
                                                                   luminance: HighlightBoost.luminance(f))
                        guard coverage > 0 else { continue }
                        xs[count] = Int32(x)
                        ds[count] = f.w
                        cs[count] = SIMD4(f.x * coverage, f.y * coverage, f.z * coverage, coverage)
                        count += 1
                    }
                }
            }
        }}}}}
        rowStart[height] = count
        xs.removeLast(bound - count); ds.removeLast(bound - count); cs.removeLast(bound - count)
        return LayerSources(rowStart: rowStart, x: xs, disparity: ds, colour: cs)
    }
}

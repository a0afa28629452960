import RackFocusCore

// The splat and composite stages of `DefocusEngine` (the algorithm is described on the class and in
// docs/ENGINE.md): per-worker scratch rows, the coarse rows a chunk of output rows reads, one
// layer's row of sums, and front-to-back compositing.
extension DefocusEngine {
    /// Per-worker scratch, allocated once per render and reused for every chunk of rows.
    final class Scratch: @unchecked Sendable {
        let layerCount: Int
        let pad: Int
        let widths: [Int]
        let rowStride: [Int]
        /// Per level: a difference row (padded) and a direct row per layer.
        let difference: [UnsafeMutablePointer<SIMD4<Float>>]
        let direct: [UnsafeMutablePointer<SIMD4<Float>>]
        /// Per coarse level: `coarseCapacity[k]` summed rows per layer, zero outside their ranges.
        let coarseCapacity: [Int]
        let coarseRows: [UnsafeMutablePointer<SIMD4<Float>>]
        let coarseRanges: [UnsafeMutablePointer<RowRange>]
        /// One output row: composited light, transmittance, and the current layer's sums.
        let accumulated: UnsafeMutablePointer<SIMD4<Float>>
        let transmittance: UnsafeMutablePointer<Float>
        let layerSum: UnsafeMutablePointer<SIMD4<Float>>
        /// One coarse row per level: the two coarse rows around an output row, blended vertically.
        let blended: [UnsafeMutablePointer<SIMD4<Float>>]

        init(layerCount: Int, widths: [Int], pad: Int, chunk: Int) {
            func zeros<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
                let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
                p.initialize(repeating: value, count: max(1, count))
                return p
            }
            let strides = widths.map { $0 + 2 * pad }
            let capacity = widths.indices.map { $0 == 0 ? 0 : chunk >> $0 + 3 }
            self.layerCount = layerCount
            self.pad = pad
            self.widths = widths
            rowStride = strides
            coarseCapacity = capacity
            difference = widths.indices.map { zeros(strides[$0] * layerCount, SIMD4<Float>.zero) }
            direct = widths.map { zeros($0 * layerCount, SIMD4<Float>.zero) }
            coarseRows = widths.indices.map { zeros(capacity[$0] * layerCount * widths[$0], SIMD4<Float>.zero) }
            coarseRanges = widths.indices.map { zeros(capacity[$0] * layerCount, RowRange.empty) }
            accumulated = zeros(widths[0], SIMD4<Float>.zero)
            transmittance = zeros(widths[0], Float(1))
            layerSum = zeros(widths[0], SIMD4<Float>.zero)
            blended = widths.map { zeros($0, SIMD4<Float>.zero) }
        }

        deinit {
            for p in difference { p.deallocate() }
            for p in direct { p.deallocate() }
            for p in coarseRows { p.deallocate() }
            for p in coarseRanges { p.deallocate() }
            for p in blended { p.deallocate() }
            accumulated.deallocate(); transmittance.deallocate(); layerSum.deallocate()
        }
    }

    /// One splatted row of one layer at one level: sums (not yet normalised) and where they are non-zero.
    struct RowRange {
        var low: Int
        var high: Int  // exclusive
        static let empty = RowRange(low: Int.max, high: Int.min)
        var isEmpty: Bool { low >= high }
        mutating func include(_ a: Int, _ b: Int) { low = min(low, a); high = max(high, b) }
    }

    /// Where each level lies in the output: its size, and per output column the two level-k cells
    /// it samples and the weight of the right one (bilinear upsampling, cell centres aligned).
    struct LevelGeometry {
        let widths: [Int]
        let heights: [Int]
        let columns: [[(Int32, Int32, Float)]]

        init(width: Int, height: Int, levelCount: Int) {
            let widths = (0..<levelCount).map { (width + (1 << $0) - 1) >> $0 }
            heights = (0..<levelCount).map { (height + (1 << $0) - 1) >> $0 }
            columns = (0..<levelCount).map { k in
                (0..<width).map { x in
                    let c = (Float(x) + 0.5) / Float(1 << k) - 0.5
                    let j0 = max(0, min(widths[k] - 1, Int(c.rounded(.down))))
                    let j1 = min(widths[k] - 1, j0 + 1)
                    return (Int32(j0), Int32(j1), max(0, min(1, c - Float(j0))))
                }
            }
            self.widths = widths
        }

        var levelCount: Int { widths.count }

        /// The first and last level-k rows that output rows `rows` read.
        func coarseRows(level k: Int, for rows: Range<Int>) -> Range<Int> {
            let scale = Float(1 << k)
            let first = max(0, Int(((Float(rows.lowerBound) + 0.5) / scale - 0.5).rounded(.down)))
            let last = min(heights[k] - 1, Int(((Float(rows.upperBound - 1) + 0.5) / scale - 0.5).rounded(.down)) + 1)
            return first..<(last + 1)
        }

        /// The two level-k rows around output row y and the weight of the second.
        @inline(__always)
        func rowsAround(_ y: Int, level k: Int) -> (Int, Int, Float) {
            let cy = (Float(y) + 0.5) / Float(1 << k) - 0.5
            let y0 = max(0, min(heights[k] - 1, floorToInt(cy)))
            let y1 = min(heights[k] - 1, y0 + 1)
            return (y0, y1, max(0, min(1, cy - Float(y0))))
        }
    }

    /// The aperture's span table: per kernel row, the left and right edge offsets.
    typealias Spans = (left: UnsafePointer<Float>, right: UnsafePointer<Float>)

    /// Splats every layer at every level and composites the layers front to back, row by row.
    /// Each chunk of output rows first splats the coarse rows it reads (a few per level), then per
    /// output row and layer adds the full-resolution row and the upsampled coarse rows, and
    /// composites them under what lies in front.
    /// - Parameter raw: return the first layer's sums (premultiplied R, G, B and coverage) as four
    ///   planes instead of compositing: a blurred RGBA plate.
    func splat(_ frame: PreparedFrame, _ levels: [[LevelEntries]], raw: Bool = false) -> PlanarImage {
        let width = frame.width
        let height = frame.height
        let layerCount = levels.count
        let geometry = LevelGeometry(width: width, height: height, levelCount: coarseLevels + 1)
        let pad = Int(kernel.extent[kernel.maximumIndex]) + 3
        // Composited output sets every sample of every row; a raw plate only where layers land.
        var output = raw ? PlanarImage(width: width, height: height, channels: 4)
            : PlanarImage(width: width, height: height, channels: 3, samples: pool.unset(3 * width * height))
        let kernel = self.kernel
        let chunk = 32
        // One scratch per worker, made on first use by that worker.
        let scratches = Slots<Scratch>(count: max(1, threadCount))
        output.samples.withUnsafeMutableBufferPointer { outBuffer in
            let out = SharedPointer(base: outBuffer.baseAddress!)
            let plane = width * height
            // Speed-up, schedule: each output row is computed by one worker in one fixed order
            // (bit-identical for any thread count).
            parallelFor(height, threads: threadCount, chunk: chunk) { worker, rows in
                let scratch: Scratch
                if let found = scratches.value(worker) {
                    scratch = found
                } else {
                    scratch = Scratch(layerCount: layerCount, widths: geometry.widths, pad: pad, chunk: chunk)
                    scratches.store(worker, scratch)
                }
                kernel.left.withUnsafeBufferPointer { left in
                kernel.right.withUnsafeBufferPointer { right in
                    let spans: Spans = (left.baseAddress!, right.baseAddress!)
                    let window = Self.splatCoarseRows(for: rows, levels, geometry, scratch: scratch, spans: spans)
                    // (accumulated and transmittance start each row at 0 and 1: set so at creation, reset
                    // by the output loop as it reads them.)
                    for y in rows {
                        for l in stride(from: layerCount - 1, through: 0, by: -1) {  // front (nearest) to back
                            let range = Self.sumLayerRow(y, layer: l, levels, geometry, window: window,
                                                         scratch: scratch, spans: spans)
                            if range.isEmpty { continue }
                            if raw {
                                Self.storePlate(scratch.layerSum, range: range, into: out.base + y * width, plane: plane)
                            } else {
                                Self.composite(scratch.layerSum, range: range,
                                               accumulated: scratch.accumulated, transmittance: scratch.transmittance)
                            }
                        }
                        if raw { continue }
                        Self.resolve(accumulated: scratch.accumulated, transmittance: scratch.transmittance, width: width,
                                     into: out.base + y * width, plane: plane) { frame.inputColour(y * width + $0) }
                    }
                    Self.clearCoarseRows(window, layerCount: layerCount, widths: geometry.widths, scratch: scratch)
                }}
            }
        }
        return output
    }

    /// Splats, for every coarse level and layer, the coarse rows a chunk of output rows reads into
    /// the scratch's coarse rows. Returns them per level (empty for level 0).
    static func splatCoarseRows(for rows: Range<Int>, _ levels: [[LevelEntries]], _ geometry: LevelGeometry,
                                scratch: Scratch, spans: Spans) -> [Range<Int>] {
        var window = [Range<Int>](repeating: 0..<0, count: geometry.levelCount)
        for k in 1..<max(1, geometry.levelCount) where geometry.levelCount > 1 {
            let coarse = geometry.coarseRows(level: k, for: rows)
            window[k] = coarse
            precondition(coarse.count <= scratch.coarseCapacity[k], "coarse row window too small")
            for l in 0..<levels.count {
                for cy in coarse {
                    let slot = l * scratch.coarseCapacity[k] + cy - coarse.lowerBound
                    scratch.coarseRanges[k][slot] = levels[l][k].isEmpty ? .empty
                        : splatAndSum(y: cy, entries: levels[l][k], scratch: scratch, level: k, layer: l,
                                      spans: spans, into: scratch.coarseRows[k] + slot * geometry.widths[k])
                }
            }
        }
        return window
    }

    /// One layer's sums on output row y in `scratch.layerSum`: the full-resolution row splatted
    /// straight into it, and every coarse level's two rows around y blended and upsampled into it.
    @inline(__always)
    static func sumLayerRow(_ y: Int, layer l: Int, _ levels: [[LevelEntries]], _ geometry: LevelGeometry,
                            window: [Range<Int>], scratch: Scratch, spans: Spans) -> RowRange {
        let width = geometry.widths[0]
        var range = levels[l][0].isEmpty ? RowRange.empty
            : splatAndSum(y: y, entries: levels[l][0], scratch: scratch, level: 0, layer: l,
                          spans: spans, into: scratch.layerSum)
        for k in 1..<max(1, geometry.levelCount) where geometry.levelCount > 1 {
            let (y0, y1, fy) = geometry.rowsAround(y, level: k)
            let i0 = l * scratch.coarseCapacity[k] + y0 - window[k].lowerBound
            let i1 = l * scratch.coarseCapacity[k] + y1 - window[k].lowerBound
            let r0 = scratch.coarseRanges[k][i0], r1 = scratch.coarseRanges[k][i1]
            if r0.isEmpty && r1.isEmpty { continue }
            let low = max(0, (min(r0.low, r1.low) - 1) << k)
            let high = min(width, (max(r0.high, r1.high) + 1) << k)
            addUpsampled(from: scratch.coarseRows[k] + i0 * geometry.widths[k], scratch.coarseRows[k] + i1 * geometry.widths[k],
                         r0.isEmpty, r1.isEmpty, fy, blended: scratch.blended[k],
                         columns: geometry.columns[k], low: low, high: high,
                         into: scratch.layerSum, range: &range)
        }
        return range
    }

    /// A raw plate's row: the layer's sums (premultiplied R, G, B, coverage) to four planes; clears them.
    @inline(__always)
    static func storePlate(_ sums: UnsafeMutablePointer<SIMD4<Float>>, range: RowRange,
                           into row: UnsafeMutablePointer<Float>, plane: Int) {
        for x in range.low..<range.high {
            let v = sums[x]
            sums[x] = .zero
            for c in 0..<4 { row[c * plane + x] = v[c] }
        }
    }

    /// Leaves the coarse rows of a chunk zero for the next chunk.
    static func clearCoarseRows(_ window: [Range<Int>], layerCount: Int, widths: [Int], scratch: Scratch) {
        for k in 1..<max(1, window.count) where window.count > 1 {
            for l in 0..<layerCount {
                for row in 0..<window[k].count {
                    let slot = l * scratch.coarseCapacity[k] + row
                    let range = scratch.coarseRanges[k][slot]
                    if !range.isEmpty {
                        (scratch.coarseRows[k] + slot * widths[k] + range.low).update(repeating: .zero, count: range.high - range.low)
                    }
                }
            }
        }
    }

    /// Splats every span of `entries` that reaches row y and writes the row's sums into `into`
    /// (which must be zero where nothing lands). Returns the x-range written.
    /// Speed-up, schedule (same sums, other rounding): runs of sources sharing their edges' fractions,
    /// difference rows and a prefix sum give what scattering each source over its span does
    /// (ReferenceRenderer step 4) to float rounding (DifferentialTests: < 5e-6 of the brightest light).
    @inline(__always)
    static func splatAndSum(y: Int, entries: LevelEntries, scratch: Scratch, level: Int, layer: Int,
                            spans: Spans, into values: UnsafeMutablePointer<SIMD4<Float>>) -> RowRange {
        let row = SplatRow(difference: scratch.difference[level] + layer * scratch.rowStride[level],
                           direct: scratch.direct[level] + layer * entries.width,
                           width: entries.width, pad: scratch.pad)
        let touched = scatter(y: y, entries: entries, spans: spans, into: row)
        return row.sum(touched, into: values)
    }

    /// The two accumulators of one layer's row at one level: span edges as differences (a padded
    /// row, prefix-summed afterwards) and sources that land inside single pixels, added directly.
    ///
    /// Index arithmetic here (and in `scatter`) wraps (`&+`, `&-`) and loops count by hand instead of
    /// building ranges: every index is a cell of the padded row (a run's span reaches at most the
    /// longest kernel's extent, pad − 3, beyond its pixels, which lie in the row) and every count is at
    /// most a row's width, so nothing can overflow; this is the engine's innermost loop, where Swift's
    /// overflow and range checks cost about a tenth of the splat.
    struct SplatRow {
        let difference: UnsafeMutablePointer<SIMD4<Float>>
        let direct: UnsafeMutablePointer<SIMD4<Float>>
        let width: Int
        let pad: Int

        /// Which cells of each accumulator were written (inclusive bounds; empty when low > high).
        struct Touched {
            var differenceLow = Int.max, differenceHigh = Int.min
            var directLow = Int.max, directHigh = Int.min
        }

        /// A run of in-focus sources (deltas, always at whole pixels) from column x.
        @inline(__always)
        func addDeltas(_ colours: UnsafePointer<SIMD4<Float>>, count n: Int, at x: Int, _ touched: inout Touched) {
            let cells = direct + x
            var j = 0
            while j < n { cells[j] += colours[j]; j &+= 1 }
            touched.directLow = min(touched.directLow, x); touched.directHigh = max(touched.directHigh, x &+ n &- 1)
        }

        /// A run whose spans on this row each lie inside one pixel (padded cell i0 onwards): each
        /// adds its area directly (no cancellation error).
        @inline(__always)
        func addInsidePixels(_ colours: UnsafePointer<SIMD4<Float>>, count n: Int, cell i0: Int, area: Float,
                             _ touched: inout Touched) {
            let first = i0 &- pad  // the run's first pixel (may lie left of the row)
            let low = max(0, first), high = min(width &- 1, first &+ n &- 1)
            guard low <= high else { return }
            var px = low
            while px <= high { direct[px] += colours[px &- first] * area; px &+= 1 }
            touched.directLow = min(touched.directLow, low); touched.directHigh = max(touched.directHigh, high)
        }

        /// A run of spans from padded position a to b (cells i0 = ⌊a⌋ and i1 = ⌊b⌋; source j from
        /// a + j to b + j): coverage-weighted differences at both edges. Source j adds c_j·(1 − f0) at
        /// i0 + j and c_j·f0 at i0 + j + 1 (and the same, negated, at the right edge), so cell i0 + j
        /// takes c_j·(1 − f0) + c_(j−1)·f0 in one write.
        @inline(__always)
        func addSpans(_ colours: UnsafePointer<SIMD4<Float>>, count n: Int, from a: Float, to b: Float,
                      cells i0: Int, _ i1: Int, _ touched: inout Touched) {
            let f0 = a - Float(i0), f1 = b - Float(i1)
            let g0 = 1 - f0, g1 = 1 - f1
            let leftCells = difference + i0, rightCells = difference + i1
            var previous = SIMD4<Float>.zero
            var j = 0
            while j < n {
                let c = colours[j]
                leftCells[j] += c * g0 + previous * f0
                rightCells[j] -= c * g1 + previous * f1
                previous = c
                j &+= 1
            }
            leftCells[n] += previous * f0
            rightCells[n] -= previous * f1
            touched.differenceLow = min(touched.differenceLow, i0)
            touched.differenceHigh = max(touched.differenceHigh, i1 &+ n)
        }

        /// Adds the row's sums into `values` and clears both accumulators where they were written.
        /// Returns the x-range written.
        @inline(__always)
        func sum(_ touched: Touched, into values: UnsafeMutablePointer<SIMD4<Float>>) -> RowRange {
            var range = RowRange.empty
            if touched.differenceLow <= touched.differenceHigh {
                // Prefix sum over the touched part only; beyond it the sum is zero by construction.
                var running = SIMD4<Float>.zero
                var i = touched.differenceLow
                while i <= touched.differenceHigh {
                    running += difference[i]
                    difference[i] = .zero
                    let x = i &- pad
                    if x >= 0 && x < width { values[x] += running }
                    i &+= 1
                }
                range.include(max(0, touched.differenceLow &- pad), min(width, touched.differenceHigh &- pad &+ 1))
            }
            if touched.directLow <= touched.directHigh {
                var x = touched.directLow
                while x <= touched.directHigh {
                    values[x] += direct[x]
                    direct[x] = .zero
                    x &+= 1
                }
                range.include(touched.directLow, touched.directHigh &+ 1)
            }
            return range
        }
    }

    /// Adds every run of `entries` whose aperture reaches row y to `row`'s accumulators.
    @inline(__always)
    static func scatter(y: Int, entries: LevelEntries, spans: Spans, into row: SplatRow) -> SplatRow.Touched {
        var touched = SplatRow.Touched()
        let reach = entries.reach  // no run reaches further (at most the longest kernel's extent, pad − 3)
        let offset = Float(row.pad) + 0.5
        entries.rowStart.withUnsafeBufferPointer { rowStart in
        entries.x.withUnsafeBufferPointer { xs in
        entries.length.withUnsafeBufferPointer { lengths in
        entries.first.withUnsafeBufferPointer { firsts in
        entries.extent.withUnsafeBufferPointer { extents in
        entries.middleRow.withUnsafeBufferPointer { middles in
        entries.colour.withUnsafeBufferPointer { cs in
            var sy = max(0, y &- reach)
            let lastRow = min(entries.height &- 1, y &+ reach)
            while sy <= lastRow {
                let dy = y &- sy
                let distance = Int32(truncatingIfNeeded: dy < 0 ? 0 &- dy : dy)
                var e = rowStart[sy]
                let end = rowStart[sy &+ 1]
                sy &+= 1
                while e < end {
                    if extents[e] < distance { break }  // sorted by extent: nothing further reaches
                    let n = Int(lengths[e])
                    let colours = cs.baseAddress! + Int(firsts[e])
                    let xf = xs[e]
                    let middle = Int(middles[e])
                    e &+= 1
                    if middle < 0 {
                        row.addDeltas(colours, count: n, at: Int(xf), &touched)
                        continue
                    }
                    let a = xf + offset + spans.left[middle &+ dy]
                    let b = xf + offset + spans.right[middle &+ dy]
                    let i0 = Int(a), i1 = Int(b)
                    if i0 == i1 {
                        row.addInsidePixels(colours, count: n, cell: i0, area: b - a, &touched)
                    } else {
                        row.addSpans(colours, count: n, from: a, to: b, cells: i0, i1, &touched)
                    }
                }
            }
        }}}}}}}
        return touched
    }

    /// Speed-up, approximation: coarse levels are splatted at 1/2^k resolution and upsampled here
    /// bilinearly (DifferentialTests bound the difference from the reference).
    /// Adds level-k rows (blended vertically by fy into `blended`, a coarse row, then upsampled
    /// horizontally per `columns`) into `into`. An empty row is zero and is not read. (Wrapping
    /// index arithmetic: columns hold indices of the coarse row, x stays in low..<high; see SplatRow.)
    @inline(__always)
    static func addUpsampled(from a: UnsafeMutablePointer<SIMD4<Float>>, _ b: UnsafeMutablePointer<SIMD4<Float>>,
                             _ empty0: Bool, _ empty1: Bool, _ fy: Float,
                             blended: UnsafeMutablePointer<SIMD4<Float>>,
                             columns: [(Int32, Int32, Float)], low: Int, high: Int,
                             into values: UnsafeMutablePointer<SIMD4<Float>>, range: inout RowRange) {
        guard low < high else { return }
        columns.withUnsafeBufferPointer { cols in
            let first = Int(cols[low].0), last = Int(cols[high &- 1].1)
            let w0 = 1 - fy, w1 = fy
            var j = first
            if empty1 {
                while j <= last { blended[j] = a[j] * w0; j &+= 1 }
            } else if empty0 {
                while j <= last { blended[j] = b[j] * w1; j &+= 1 }
            } else {
                while j <= last { blended[j] = a[j] * w0 + b[j] * w1; j &+= 1 }
            }
            var x = low
            while x < high {
                let (j0, j1, fx) = cols[x]
                values[x] += blended[Int(j0)] * (1 - fx) + blended[Int(j1)] * fx
                x &+= 1
            }
        }
        range.include(low, high)
    }

    /// Composites one layer's row sums under what is already in front, and clears them. Four pixels at
    /// a time share one vector division; every lane computes exactly what the one-pixel tail does
    /// (speed-up, schedule: bit-identical). Wrapping index arithmetic: x stays in the row's range.
    @inline(__always)
    static func composite(_ sums: UnsafeMutablePointer<SIMD4<Float>>, range: RowRange,
                          accumulated: UnsafeMutablePointer<SIMD4<Float>>, transmittance: UnsafeMutablePointer<Float>) {
        var x = range.low
        while x &+ 4 <= range.high {
            let s0 = sums[x], s1 = sums[x &+ 1], s2 = sums[x &+ 2], s3 = sums[x &+ 3]
            (sums + x).update(repeating: .zero, count: 4)
            let weight = SIMD4<Float>(s0.w, s1.w, s2.w, s3.w)
            let covers = weight .> 1e-6
            if any(covers) {
                let alpha = weight.replacing(with: 1, where: weight .> 1)
                let t = UnsafeRawPointer(transmittance + x).loadUnaligned(as: SIMD4<Float>.self)
                let factor = t * alpha / weight
                if covers[0] { accumulated[x] += s0 * factor[0] }
                if covers[1] { accumulated[x &+ 1] += s1 * factor[1] }
                if covers[2] { accumulated[x &+ 2] += s2 * factor[2] }
                if covers[3] { accumulated[x &+ 3] += s3 * factor[3] }
                UnsafeMutableRawPointer(transmittance + x).storeBytes(of: t.replacing(with: t * (1 - alpha), where: covers),
                                                                      as: SIMD4<Float>.self)
            }
            x &+= 4
        }
        while x < range.high {
            let sum = sums[x]
            sums[x] = .zero
            let weight = sum.w
            if weight > 1e-6 {
                let alpha = min(1, weight)
                let t = transmittance[x]
                accumulated[x] += sum * (t * alpha / weight)
                transmittance[x] = t * (1 - alpha)
            }
            x &+= 1
        }
    }

    /// Writes one output row: composited light divided by its coverage (planar R, G, B at `row`,
    /// `row + plane`, `row + 2·plane`), or `uncovered(x)` where nothing landed; resets the row's
    /// accumulators. Four pixels at a time are divided as R, G and B vectors (the same division per
    /// value as one pixel at a time; speed-up, schedule: bit-identical).
    @inline(__always)
    static func resolve(accumulated: UnsafeMutablePointer<SIMD4<Float>>, transmittance: UnsafeMutablePointer<Float>,
                        width: Int, into row: UnsafeMutablePointer<Float>, plane: Int,
                        uncovered: (Int) -> SIMD4<Float>) {
        @inline(__always) func store(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
        }
        var x = 0
        while x + 4 <= width {
            let covered = 1 - UnsafeRawPointer(transmittance + x).loadUnaligned(as: SIMD4<Float>.self)
            if all(covered .> 1e-6) {
                let a0 = accumulated[x], a1 = accumulated[x + 1], a2 = accumulated[x + 2], a3 = accumulated[x + 3]
                store(SIMD4(a0.x, a1.x, a2.x, a3.x) / covered, row + x)
                store(SIMD4(a0.y, a1.y, a2.y, a3.y) / covered, row + plane + x)
                store(SIMD4(a0.z, a1.z, a2.z, a3.z) / covered, row + 2 * plane + x)
                (accumulated + x).update(repeating: .zero, count: 4)
                store(SIMD4(repeating: 1), transmittance + x)
                x += 4
                continue
            }
            for _ in 0..<4 { resolvePixel(x); x += 1 }
        }
        while x < width { resolvePixel(x); x += 1 }

        @inline(__always) func resolvePixel(_ x: Int) {
            let covered = 1 - transmittance[x]
            let pixel = covered > 1e-6 ? accumulated[x] / covered : uncovered(x)
            accumulated[x] = .zero
            transmittance[x] = 1
            row[x] = pixel.x
            row[plane + x] = pixel.y
            row[2 * plane + x] = pixel.z
        }
    }
}

import RackFocusCore

/// Per focus: every layer's sources split into resolution levels and sorted for the splat loop.
///
/// Level 0 is full resolution and takes radii up to 12 px. Level k (k >= 1) sums the sources of
/// each 2^k x 2^k block whose radius lies in (12 · 2^(k−1), 12 · 2^k] into one source at their
/// weighted centroid (exact along x; along y shared between the two nearest block rows) with their
/// weighted mean radius / 2^k, so every level splats radii of at most 12 of its own pixels. In the top sixth of each band (r in (0.84 · 12 · 2^k, 12 · 2^k]) a source is shared
/// linearly between level k and k + 1, so the result changes continuously with focus.
/// Speed-up, approximation: summing a block's sources into one moves light by up to half a coarse
/// pixel (DifferentialTests bound the difference from the full-resolution reference).
struct LevelEntries: Sendable {
    /// Grid size at this level.
    let width: Int
    let height: Int
    /// Runs of row y are rowStart[y]..<rowStart[y + 1], sorted by extent, largest first. A run is a
    /// row of `length` sources one pixel apart with the same kernel (at full resolution, usually a
    /// whole stretch of a surface): its spans share their edges' fractions, so the splat writes each
    /// difference cell once per run instead of twice per source.
    var rowStart: [Int]
    /// Position of the run's first source along the row, in this level's pixels (pixel i spans [i, i + 1)).
    var x: [Float]
    /// Number of sources in the run.
    var length: [Int32]
    /// Index of the run's first colour in `colour`.
    var first: [Int32]
    /// Rows the kernel reaches above and below.
    var extent: [Int32]
    /// Index of the kernel's middle row (dy = 0) in the span table; −1 for a delta (in focus).
    var middleRow: [Int32]
    /// Per source, run after run: premultiplied colour and weight, divided by the kernel area (and by 4^k at level k).
    var colour: [SIMD4<Float>]
    /// The largest extent of any run: how many rows around an output row the splat must look at.
    var reach: Int

    var isEmpty: Bool { x.isEmpty }

    func recycle(into pool: ArrayPool) {
        pool.give(rowStart); pool.give(x); pool.give(length); pool.give(first)
        pool.give(extent); pool.give(middleRow); pool.give(colour)
    }
}

extension LevelEntries {
    /// Consecutive bands of rows joined into one level.
    init(joining parts: [LevelEntries], pool: ArrayPool) {
        let runs = parts.reduce(0) { $0 + $1.x.count }
        let sources = parts.reduce(0) { $0 + $1.colour.count }
        var rowStart: [Int] = pool.empty(capacity: parts.reduce(1) { $0 + $1.height })
        var x: [Float] = pool.empty(capacity: runs), length: [Int32] = pool.empty(capacity: runs)
        var first: [Int32] = pool.empty(capacity: runs), extent: [Int32] = pool.empty(capacity: runs)
        var middleRow: [Int32] = pool.empty(capacity: runs), colour: [SIMD4<Float>] = pool.empty(capacity: sources)
        for part in parts {
            let base = x.count
            let colourBase = Int32(colour.count)
            for row in 0..<part.height { rowStart.append(part.rowStart[row] + base) }
            x += part.x; length += part.length; extent += part.extent; middleRow += part.middleRow
            first += part.first.map { $0 + colourBase }
            colour += part.colour
        }
        rowStart.append(x.count)
        self.init(width: parts[0].width, height: rowStart.count - 1, rowStart: rowStart, x: x, length: length,
                  first: first, extent: extent, middleRow: middleRow, colour: colour, reach: parts.map(\.reach).max() ?? 0)
    }
}

/// Collects one level's sources row by row into runs (consecutive sources one pixel apart with the
/// same kernel), colours already divided by the kernel area and the level's scale; then sorts each
/// row's runs by extent (counting sort). Colours stay where they were added: runs point at them.
struct LevelBuilder {
    let width: Int
    let height: Int
    let kernel: ApertureKernel
    let scale: Float
    let pool: ArrayPool
    var rowStart: [Int]
    var x: [Float]
    var q: [Int32]
    var length: [Int32]
    var first: [Int32]
    var colour: [SIMD4<Float>]
    /// The open run (its length is appended when it closes): kernel index (−1: none) and first x.
    var openIndex: Int32 = -1
    var openX: Float = 0
    var openLength: Int32 = 0

    /// - Parameter capacity: the expected number of sources (at most as many runs).
    init(width: Int, height: Int, capacity: Int = 0, kernel: ApertureKernel, scale: Float, pool: ArrayPool) {
        self.width = width
        self.height = height
        self.kernel = kernel
        self.scale = scale
        self.pool = pool
        rowStart = pool.filled(height + 1, with: 0)
        x = pool.empty(capacity: capacity)
        q = pool.empty(capacity: capacity)
        length = pool.empty(capacity: capacity)
        first = pool.empty(capacity: capacity)
        colour = pool.empty(capacity: capacity)
    }

    mutating func startRow(_ y: Int) {
        closeRun()
        rowStart[y] = x.count
    }

    @inline(__always)
    mutating func closeRun() {
        if openIndex >= 0 { length.append(openLength) }
        openIndex = -1
    }

    @inline(__always)
    mutating func add(x px: Float, radiusIndex: Int, colour c: SIMD4<Float>) {
        extendRun(x: px, index: Int32(radiusIndex), count: 1)
        colour.append(c * multiplier(radiusIndex))
    }

    /// Adds `count` sources at px, px + 1, ... with one kernel (as many calls of `add`, copied at once).
    mutating func add(x px: Float, radiusIndex: Int, colours: UnsafePointer<SIMD4<Float>>, count n: Int) {
        extendRun(x: px, index: Int32(radiusIndex), count: Int32(n))
        let start = colour.count
        colour.append(contentsOf: UnsafeBufferPointer(start: colours, count: n))
        let multiplier = multiplier(radiusIndex)
        if multiplier != 1 {
            colour.withUnsafeMutableBufferPointer { c in
                for j in start..<(start + n) { c[j] = c[j] * multiplier }
            }
        }
    }

    /// Extends the open run by `n` sources starting at px when they continue it (same kernel, next
    /// pixel), else opens a new run (before their colours are appended).
    @inline(__always)
    private mutating func extendRun(x px: Float, index: Int32, count n: Int32) {
        if index == openIndex && openX + Float(openLength) == px {
            openLength &+= n  // at most a row's sources
            return
        }
        closeRun()
        // (A level holds fewer sources than 2^31: a frame's pixels and their shares.)
        x.append(px); q.append(index); first.append(Int32(truncatingIfNeeded: colour.count))
        openIndex = index
        openX = px
        openLength = n
    }

    /// What a source's colour is multiplied by: 1 / kernel area (a delta has none) and the level's scale.
    @inline(__always)
    private func multiplier(_ radiusIndex: Int) -> Float {
        radiusIndex == 0 ? scale : kernel.inverseArea[radiusIndex] * scale
    }

    /// The runs, each row's sorted by extent, largest first (stable).
    mutating func finish() -> LevelEntries {
        closeRun()
        rowStart[height] = x.count
        let rows = rowStart
        let runs = x.count
        // Every run lands in exactly one slot below.
        var sx: [Float] = pool.unset(runs)
        var sl: [Int32] = pool.unset(runs)
        var sf: [Int32] = pool.unset(runs)
        var se: [Int32] = pool.unset(runs)
        var sm: [Int32] = pool.unset(runs)
        defer { pool.give(x); pool.give(q); pool.give(length); pool.give(first) }
        let maxExtent = Int(kernel.extent[kernel.maximumIndex])
        var counts = [Int](repeating: 0, count: maxExtent + 2)
        var reach: Int32 = 0
        for y in 0..<height {
            let start = rows[y], end = rows[y + 1]
            if start == end { continue }
            for i in 0..<counts.count { counts[i] = 0 }
            for r in start..<end { counts[maxExtent - Int(kernel.extent[Int(q[r])])] += 1 }
            var offset = start
            for i in 0..<counts.count {
                let c = counts[i]
                counts[i] = offset
                offset += c
            }
            for r in start..<end {
                let index = Int(q[r])
                let ext = kernel.extent[index]
                reach = max(reach, ext)
                let slot = counts[maxExtent - Int(ext)]
                counts[maxExtent - Int(ext)] += 1
                sx[slot] = x[r]
                sl[slot] = length[r]
                sf[slot] = first[r]
                se[slot] = ext
                sm[slot] = index == 0 ? -1 : kernel.rowStart[index] + ext
            }
        }
        return LevelEntries(width: width, height: height, rowStart: rows, x: sx, length: sl, first: sf, extent: se,
                            middleRow: sm, colour: colour, reach: Int(reach))
    }
}

extension DefocusEngine {
    /// For every layer, its entries at levels 0...coarseLevels. Work is split into (layer, band of rows)
    /// items on all workers (one layer often holds most pixels), then each layer's bands are joined.
    func levelEntries(_ frame: PreparedFrame, coc: CircleOfConfusion) -> [[LevelEntries]] {
        let layers = frame.sources.count
        let bandRows = max(128, 1 << coarseLevels)  // a multiple of the coarsest block
        let bands = (frame.height + bandRows - 1) / bandRows
        let slots = Slots<[LevelEntries]>(count: layers * bands)
        parallelFor(layers * bands, threads: threadCount, chunk: 1) { _, items in
            for item in items {
                let l = item / bands, b = item % bands
                let rows = (b * bandRows)..<min(frame.height, (b + 1) * bandRows)
                slots.store(item, self.levels(of: [frame.sources[l], frame.fills[l]], coc: coc, width: frame.width,
                                              height: frame.height, rows: rows))
            }
        }
        let parts = slots.takeValues()
        let joined = (0..<layers).map { l in
            (0...coarseLevels).map { k in LevelEntries(joining: (0..<bands).map { parts[l * bands + $0][k] }, pool: pool) }
        }
        for part in consume parts { for level in part { level.recycle(into: pool) } }
        return joined
    }

    /// Whether a source (premultiplied colour, w = weight) is a light: brighter than white. Lights are
    /// splatted at full resolution whatever their radius, so their bokeh keeps a crisp edge (a coarse
    /// level's upsampling would soften it over 2^k px); ordinary surfaces blur smoothly anyway.
    @inline(__always)
    static func isHighlight(_ c: SIMD4<Float>) -> Bool {
        0.2126 * c.x + 0.7152 * c.y + 0.0722 * c.z > c.w
    }

    /// Level and share of a radius (px): (k, w) gives weight 1 − w to level k and w to level k + 1.
    @inline(__always)
    func levelShare(_ radius: Float) -> (level: Int, next: Float) {
        let r0 = Float(DefocusEngine.levelRadius)
        var level = 0
        var top = r0
        while radius > top && level < coarseLevels { level += 1; top *= 2 }
        let bandStart = top * 0.84
        guard level < coarseLevels, radius > bandStart else { return (level, 0) }
        return (level, (radius - bandStart) / (top - bandStart))
    }

    /// Splits a layer's source lists (own pixels, then fill) into levels, for the full-resolution rows
    /// `rows` and the coarse block rows they cover (`rows` starts at a multiple of the coarsest block).
    /// Block rows also take sources from pixel rows just outside the band, read in the same ascending
    /// order as for the whole frame, and within a row entries keep the lists' order: the entries of a
    /// band are exactly those of the same rows in a whole-frame pass.
    func levels(of lists: [LayerSources], coc: CircleOfConfusion, width: Int, height: Int, rows: Range<Int>) -> [LevelEntries] {
        let total = lists.reduce(0) { $0 + $1.rowStart[rows.upperBound] - $1.rowStart[rows.lowerBound] }
        let subdivisions = ApertureKernel.subdivisions
        let maximumIndex = kernel.maximumIndex
        var full = LevelBuilder(width: width, height: rows.count, capacity: total, kernel: kernel, scale: 1, pool: pool)
        var coarse: [CoarseAccumulator] = (0..<coarseLevels).map {
            CoarseAccumulator(level: $0 + 1, width: width, height: height, rows: rows, expectedSources: total >> (2 * $0 + 1),
                              kernel: kernel, pool: pool)
        }
        let margin = coarseLevels > 0 ? 1 << (coarseLevels - 1) : 0
        let lastRow = min(height, rows.upperBound + margin) - 1
        // The last disparity's radius, level, share and kernel index: surfaces repeat one disparity along a row.
        // (Entry indices step with wrapping `&+`: they stay below a layer row's end, an array count.)
        var lastDisparity = Float.nan
        var r: Float = 0, level = 0, next: Float = 0, index = 0
        coarse.withUnsafeMutableBufferPointer { coarse in
        for y in max(0, rows.lowerBound - margin)...lastRow {
            let inBand = rows.contains(y)
            if inBand { full.startRow(y - rows.lowerBound) }
            for k in 0..<coarseLevels { coarse[k].beginRow(y) }
            for layer in lists {
            layer.x.withUnsafeBufferPointer { xs in
            layer.disparity.withUnsafeBufferPointer { ds in
            layer.colour.withUnsafeBufferPointer { cs in
            let start = layer.rowStart[y], end = layer.rowStart[y + 1]
            var e = start
            while e < end {
                let d = ds[e]
                if d != lastDisparity {
                    lastDisparity = d
                    r = abs(coc.radius(disparity: d))
                    (level, next) = levelShare(r)
                    index = min(maximumIndex, Int((r * subdivisions).rounded(.toNearestOrEven)))
                }
                let x = Int(xs[e])
                if level > 0 || next > 0, DefocusEngine.isHighlight(cs[e]) {
                    // A light keeps a crisp disc edge: full resolution at any radius.
                    if inBand { full.add(x: Float(x), radiusIndex: index, colour: cs[e]) }
                    e &+= 1
                    continue
                }
                if level == 0 && next > 0 {  // shared with level 1
                    let c = cs[e]
                    if inBand {  // rows outside the band only feed its coarse block rows
                        full.add(x: Float(x), radiusIndex: index, colour: c * (1 - next))
                    }
                    coarse[0].add(x: x, radius: r, colour: c * next)
                    e &+= 1
                    continue
                }
                if level == 0 {  // the sources one pixel apart that follow with this disparity, at once
                    var n = 1
                    while e &+ n < end && ds[e &+ n] == d && Int(xs[e &+ n]) == x &+ n { n &+= 1 }
                    if inBand { full.add(x: Float(x), radiusIndex: index, colours: cs.baseAddress! + e, count: n) }
                    e &+= n
                    continue
                }
                // Coarse: the sources that follow with the same disparity in the same block column are
                // summed here, with Σ colour·centre (centres in pixels, scaled to the level's blocks once).
                let column = x &>> level
                var sum = SIMD4<Float>.zero
                var centred = SIMD4<Float>.zero
                repeat {
                    let c = cs[e]
                    sum += c
                    centred += c * (Float(xs[e]) + 0.5)
                    e &+= 1
                } while e < end && ds[e] == d && Int(xs[e]) &>> level == column && !DefocusEngine.isHighlight(cs[e])
                if next < 1 {
                    let share: Float = next > 0 ? 1 - next : 1
                    coarse[level - 1].add(column: column, radius: r, colour: sum * share,
                                          centred: centred * (share * coarse[level - 1].inverseScale))
                }
                if next > 0 {
                    coarse[level].add(column: column >> 1, radius: r, colour: sum * next,
                                      centred: centred * (next * coarse[level].inverseScale))
                }
            }
            }}}
            }
            // Block row b is complete once no later pixel row can add to it: pixel rows map to
            // block rows (y + 0.5) / 2^k − 0.5 and the one below, so b closes after row 2^k (b + 1) + 2^(k−1) − 1.
            for k in 0..<coarseLevels {
                let level = k + 1
                while coarse[k].openRow < coarse[k].endRow
                        && (y == lastRow || (coarse[k].openRow + 1) << level + (1 << (level - 1)) - 1 <= y) {
                    coarse[k].flushRow(maximumIndex: maximumIndex)
                }
            }
        }
        }
        var result = [full.finish()]
        for k in 0..<coarseLevels {
            result.append(coarse[k].builder.finish())
            coarse[k].release()
        }
        return result
    }
}

/// Sums a coarse level's sources per block. Along y each source is shared between the two block
/// rows around it, which keeps the vertical centroid of everything. Along x a block's coverage sits
/// at the weight centroid and its light at the luminance centroid (two entries where they differ),
/// so a highlight's bokeh is centred where the highlight is. Both centroids come from Σ colour·x
/// (luminance is linear in colour, so its moments need not be summed apart). Two block rows are open
/// at a time. A struct holding raw buffers (no copy-on-write, no dynamic exclusivity checks in the hot
/// loop): call `release()` once done.
struct CoarseAccumulator {
    let level: Int
    var builder: LevelBuilder
    /// Two open block rows; block row r lives at offset (r & 1) · width. Per block column:
    /// Σ colour·w, Σ colour·w·x (x in blocks) and Σ w·radius (radius in blocks).
    let width: Int
    let sums: UnsafeMutablePointer<SIMD4<Float>>
    let centres: UnsafeMutablePointer<SIMD4<Float>>
    let radii: UnsafeMutablePointer<Float>
    var touchedLow: (Int, Int)
    var touchedHigh: (Int, Int)
    /// Where the current pixel row's sources go (set by `beginRow`): the slots of the block rows below
    /// and above it (−1: not open, nothing added) and their weights.
    var rowSlots = (-1, -1)
    var rowWeights = (Float(0), Float(0))
    /// Oldest block row not yet emitted; the band's block rows are firstRow..<endRow of `rowCount` in all.
    var openRow: Int
    let firstRow: Int
    let endRow: Int
    let rowCount: Int
    /// 1 / 2^level: full-resolution pixels to this level's blocks.
    let inverseScale: Float

    init(level: Int, width: Int, height: Int, rows: Range<Int>, expectedSources: Int, kernel: ApertureKernel, pool: ArrayPool) {
        self.level = level
        let w = (width + (1 << level) - 1) >> level
        let h = (height + (1 << level) - 1) >> level
        self.width = w
        inverseScale = 1 / Float(1 << level)
        rowCount = h
        firstRow = rows.lowerBound >> level
        endRow = min(h, (rows.upperBound + (1 << level) - 1) >> level)
        openRow = firstRow
        builder = LevelBuilder(width: w, height: endRow - firstRow, capacity: expectedSources, kernel: kernel,
                               scale: 1 / Float(1 << (2 * level)), pool: pool)
        sums = .allocate(capacity: 2 * w)
        sums.initialize(repeating: .zero, count: 2 * w)
        centres = .allocate(capacity: 2 * w)
        centres.initialize(repeating: .zero, count: 2 * w)
        radii = .allocate(capacity: 2 * w)
        radii.initialize(repeating: 0, count: 2 * w)
        touchedLow = (w, w)
        touchedHigh = (-1, -1)
    }

    func release() {
        sums.deallocate()
        centres.deallocate()
        radii.deallocate()
    }

    /// A full-resolution pixel's centre along x, in this level's blocks (exact: a power-of-two scale).
    @inline(__always)
    func centre(_ x: Int) -> Float { (Float(x) + 0.5) * inverseScale }

    /// Sets where pixel row y's sources go: the two block rows around it, weights 1 − t and t.
    @inline(__always)
    mutating func beginRow(_ y: Int) {
        let cy = (Float(y) + 0.5) * inverseScale - 0.5
        let below = floorToInt(cy)
        let t = cy - Float(below)
        rowWeights = (1 - t, t)
        rowSlots = (t < 1 ? slot(below) : -1, t > 0 ? slot(below + 1) : -1)
    }

    /// The open slot holding block row `row` (clamped to the frame), or −1.
    private func slot(_ row: Int) -> Int {
        let r = max(0, min(rowCount - 1, row))
        return r == openRow || r == openRow + 1 ? r & 1 : -1
    }

    /// Adds one full-resolution source at pixel x of the current row.
    @inline(__always)
    mutating func add(x: Int, radius: Float, colour c: SIMD4<Float>) {
        add(column: x >> level, radius: radius, colour: c, centred: c * centre(x))
    }

    /// Adds a group of sources of the current pixel row in block column `column`, all blurred by
    /// `radius` (full-resolution pixels): their summed colour and Σ colour·centre.
    @inline(__always)
    mutating func add(column bx: Int, radius: Float, colour c: SIMD4<Float>, centred m: SIMD4<Float>) {
        let spread = radius * inverseScale * c.w
        if rowSlots.0 >= 0 { addToSlot(rowSlots.0, bx: bx, weight: rowWeights.0, colour: c, centred: m, spread: spread) }
        if rowSlots.1 >= 0 { addToSlot(rowSlots.1, bx: bx, weight: rowWeights.1, colour: c, centred: m, spread: spread) }
    }

    @inline(__always)
    private mutating func addToSlot(_ slot: Int, bx: Int, weight: Float, colour c: SIMD4<Float>, centred m: SIMD4<Float>,
                                    spread: Float) {
        let i = slot &* width &+ bx  // a cell of the two open rows (slot 0 or 1, bx < width)
        sums[i] += c * weight
        centres[i] += m * weight
        radii[i] += spread * weight
        if slot == 0 {
            touchedLow.0 = min(touchedLow.0, bx); touchedHigh.0 = max(touchedHigh.0, bx)
        } else {
            touchedLow.1 = min(touchedLow.1, bx); touchedHigh.1 = max(touchedHigh.1, bx)
        }
    }

    /// Emits the oldest open block row and opens the next one.
    mutating func flushRow(maximumIndex: Int) {
        builder.startRow(openRow - firstRow)
        let slot = openRow & 1
        let (low, high) = slot == 0 ? (touchedLow.0, touchedHigh.0) : (touchedLow.1, touchedHigh.1)
        let luma = SIMD4<Float>(0.2126, 0.7152, 0.0722, 0)
        if high >= 0 {
            for bx in low...high {
                let i = slot &* width &+ bx
                let c = sums[i]
                if c.w > 0 {
                    let m = centres[i]
                    let index = min(maximumIndex, Int((radii[i] / c.w * ApertureKernel.subdivisions).rounded(.toNearestOrEven)))
                    var coverageX = m.w / c.w - 0.5
                    // Speed-up, approximation: a centroid within 1/1024 block of the block's centre
                    // (a whole block, off by the weighted sums' rounding) is put on the centre, so
                    // neighbouring whole blocks join one run (a third of level 1's blocks on the
                    // compare-peers scene were 1e-5 to 1e-3 off and each started a run of its own).
                    let centre = coverageX.rounded()
                    if abs(coverageX - centre) < 1.0 / 1024 { coverageX = centre }
                    let light = (c * luma).sum()
                    let lightX = light > 0 ? (m * luma).sum() / light - 0.5 : coverageX
                    if abs(lightX - coverageX) < 0.05 {
                        builder.add(x: coverageX, radiusIndex: index, colour: c)
                    } else {
                        builder.add(x: lightX, radiusIndex: index, colour: SIMD4(c.x, c.y, c.z, 0))
                        builder.add(x: coverageX, radiusIndex: index, colour: SIMD4(0, 0, 0, c.w))
                    }
                }
                sums[i] = .zero
                centres[i] = .zero
                radii[i] = 0
            }
        }
        if slot == 0 { touchedLow.0 = width; touchedHigh.0 = -1 } else { touchedLow.1 = width; touchedHigh.1 = -1 }
        openRow += 1
    }
}

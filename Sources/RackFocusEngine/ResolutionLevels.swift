/// Per focus: every layer's sources split into resolution levels and sorted for the splat loop.
///
/// Level 0 is full resolution and takes radii up to 12 px. Level k (k >= 1) sums the sources of
/// each 2^k x 2^k block whose radius lies in (12 · 2^(k−1), 12 · 2^k] into one source at their
/// weighted centroid (exact along x; along y shared between the two nearest block rows) with their
/// weighted mean radius / 2^k, so every level splats radii of at most 12 of its own pixels. In the top sixth of each band (r in (0.84 · 12 · 2^k, 12 · 2^k]) a source is shared
/// linearly between level k and k + 1, so the result changes continuously with focus.
struct LevelEntries: Sendable {
    /// Grid size at this level.
    let width: Int
    let height: Int
    /// Entries of row y are rowStart[y]..<rowStart[y + 1], sorted by extent, largest first.
    var rowStart: [Int]
    /// Source position along the row, in this level's pixels (pixel i spans [i, i + 1)).
    var x: [Float]
    /// Rows the kernel reaches above and below.
    var extent: [Int32]
    /// Index of the kernel's middle row (dy = 0) in the span table; −1 for a delta (in focus).
    var middleRow: [Int32]
    /// Premultiplied colour and weight, divided by the kernel area (and by 4^k at level k).
    var colour: [SIMD4<Float>]

    var isEmpty: Bool { x.isEmpty }
}

/// Collects one level's entries row by row, then sorts each row by extent (counting sort).
struct LevelBuilder {
    let width: Int
    let height: Int
    var rowStart: [Int]
    var x: [Float] = []
    var q: [Int32] = []
    var colour: [SIMD4<Float>] = []

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rowStart = [Int](repeating: 0, count: height + 1)
    }

    mutating func startRow(_ y: Int) { rowStart[y] = x.count }

    @inline(__always)
    mutating func add(x px: Float, radiusIndex: Int, colour c: SIMD4<Float>) {
        x.append(px); q.append(Int32(radiusIndex)); colour.append(c)
    }

    /// Sorted entries; colours divided by the kernel area (deltas kept as they are) and by `scale`.
    func finish(kernel: ApertureKernel, scale: Float) -> LevelEntries {
        var rows = rowStart
        rows[height] = x.count
        let n = x.count
        var sx = [Float](repeating: 0, count: n)
        var se = [Int32](repeating: 0, count: n)
        var sm = [Int32](repeating: 0, count: n)
        var sc = [SIMD4<Float>](repeating: .zero, count: n)
        let maxExtent = Int(kernel.extent[kernel.maximumIndex])
        var counts = [Int](repeating: 0, count: maxExtent + 2)
        for y in 0..<height {
            let start = rows[y], end = rows[y + 1]
            if start == end { continue }
            for i in 0..<counts.count { counts[i] = 0 }
            for e in start..<end { counts[maxExtent - Int(kernel.extent[Int(q[e])])] += 1 }
            var offset = start
            for i in 0..<counts.count {
                let c = counts[i]
                counts[i] = offset
                offset += c
            }
            for e in start..<end {
                let index = Int(q[e])
                let ext = kernel.extent[index]
                let slot = counts[maxExtent - Int(ext)]
                counts[maxExtent - Int(ext)] += 1
                sx[slot] = x[e]
                se[slot] = ext
                sm[slot] = index == 0 ? -1 : kernel.rowStart[index] + ext
                sc[slot] = index == 0 ? colour[e] * scale : colour[e] * (kernel.inverseArea[index] * scale)
            }
        }
        return LevelEntries(width: width, height: height, rowStart: rows, x: sx, extent: se, middleRow: sm, colour: sc)
    }
}

extension DefocusEngine {
    /// For every layer, its entries at levels 0...coarseLevels.
    func levelEntries(_ frame: PreparedFrame, coc: CircleOfConfusion) -> [[LevelEntries]] {
        let slots = LevelSlots(count: frame.sources.count)
        parallelFor(frame.sources.count, threads: threadCount, chunk: 1) { _, items in
            for l in items { slots.store(l, self.levels(of: frame.sources[l], coc: coc, width: frame.width, height: frame.height)) }
        }
        return slots.values()
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

    func levels(of layer: LayerSources, coc: CircleOfConfusion, width: Int, height: Int) -> [LevelEntries] {
        let subdivisions = ApertureKernel.subdivisions
        let maximumIndex = kernel.maximumIndex
        var full = LevelBuilder(width: width, height: height)
        var coarse: [CoarseAccumulator] = (0..<coarseLevels).map { CoarseAccumulator(level: $0 + 1, width: width, height: height) }
        for y in 0..<height {
            full.startRow(y)
            let start = layer.rowStart[y], end = layer.rowStart[y + 1]
            for e in start..<end {
                let r = abs(coc.radius(disparity: layer.disparity[e]))
                let (level, next) = levelShare(r)
                let c = layer.colour[e]
                let x = Int(layer.x[e])
                if next < 1 {
                    if level == 0 {
                        let index = min(maximumIndex, Int((r * subdivisions).rounded(.toNearestOrEven)))
                        full.add(x: Float(x), radiusIndex: index, colour: next > 0 ? c * (1 - next) : c)
                    } else {
                        coarse[level - 1].add(x: x, y: y, radius: r, colour: next > 0 ? c * (1 - next) : c)
                    }
                }
                if next > 0 { coarse[level].add(x: x, y: y, radius: r, colour: c * next) }
            }
            // Block row b is complete once no later pixel row can add to it: pixel rows map to
            // block rows (y + 0.5) / 2^k − 0.5 and the one below, so b closes after row 2^k (b + 1) + 2^(k−1) − 1.
            for k in 0..<coarseLevels {
                let level = k + 1
                while coarse[k].openRow < coarse[k].builder.height
                        && (y == height - 1 || (coarse[k].openRow + 1) << level + (1 << (level - 1)) - 1 <= y) {
                    coarse[k].flushRow(maximumIndex: maximumIndex)
                }
            }
        }
        var result = [full.finish(kernel: kernel, scale: 1)]
        for k in 0..<coarseLevels {
            let level = k + 1
            result.append(coarse[k].builder.finish(kernel: kernel, scale: 1 / Float(1 << (2 * level))))
        }
        return result
    }
}

/// Sums a coarse level's sources per block. Along y each source is shared between the two block
/// rows around it, which keeps the vertical centroid of everything. Along x a block's coverage sits
/// at the weight centroid and its light at the luminance centroid (two entries where they differ),
/// so a highlight's bokeh is centred where the highlight is. Two block rows are open at a time.
struct CoarseAccumulator {
    let level: Int
    var builder: LevelBuilder
    /// Per open block row (current, next) and block column: Σ colour·w, Σ w·x, Σ w·radius.
    var sums: [[SIMD4<Float>]]
    var xSums: [[Float]]
    /// Σ luminance·x and Σ luminance, for the light's centroid.
    var xLightSums: [[Float]]
    var lightSums: [[Float]]
    var radiusSums: [[Float]]
    var touchedLow: [Int]
    var touchedHigh: [Int]
    /// Block row that `sums[0]` holds.
    var openRow = 0

    init(level: Int, width: Int, height: Int) {
        self.level = level
        let w = (width + (1 << level) - 1) >> level
        let h = (height + (1 << level) - 1) >> level
        builder = LevelBuilder(width: w, height: h)
        sums = Array(repeating: [SIMD4<Float>](repeating: .zero, count: w), count: 2)
        xSums = Array(repeating: [Float](repeating: 0, count: w), count: 2)
        xLightSums = Array(repeating: [Float](repeating: 0, count: w), count: 2)
        lightSums = Array(repeating: [Float](repeating: 0, count: w), count: 2)
        radiusSums = Array(repeating: [Float](repeating: 0, count: w), count: 2)
        touchedLow = [w, w]
        touchedHigh = [-1, -1]
    }

    /// Adds a full-resolution source at pixel (x, y).
    @inline(__always)
    mutating func add(x: Int, y: Int, radius: Float, colour: SIMD4<Float>) {
        let scale = Float(1 << level)
        let bx = x >> level
        // Block-row coordinate of the pixel centre; the weight goes to the rows around it.
        let cy = (Float(y) + 0.5) / scale - 0.5
        let below = Int(cy.rounded(.down))
        let t = cy - Float(below)
        let centre = (Float(x) + 0.5) / scale
        if t < 1 { addToRow(below, bx: bx, centre: centre, radius: radius / scale, colour: colour * (1 - t)) }
        if t > 0 { addToRow(below + 1, bx: bx, centre: centre, radius: radius / scale, colour: colour * t) }
    }

    @inline(__always)
    private mutating func addToRow(_ row: Int, bx: Int, centre: Float, radius: Float, colour c: SIMD4<Float>) {
        let slot = max(0, min(builder.height - 1, row)) - openRow
        guard slot == 0 || slot == 1 else { return }
        sums[slot][bx] += c
        xSums[slot][bx] += centre * c.w
        let light = 0.2126 * c.x + 0.7152 * c.y + 0.0722 * c.z
        xLightSums[slot][bx] += centre * light
        lightSums[slot][bx] += light
        radiusSums[slot][bx] += radius * c.w
        touchedLow[slot] = min(touchedLow[slot], bx)
        touchedHigh[slot] = max(touchedHigh[slot], bx)
    }

    /// Emits the oldest open block row and opens the next one.
    mutating func flushRow(maximumIndex: Int) {
        builder.startRow(openRow)
        if touchedHigh[0] >= 0 {
            for bx in touchedLow[0]...touchedHigh[0] {
                let c = sums[0][bx]
                if c.w > 0 {
                    let r = radiusSums[0][bx] / c.w
                    let index = min(maximumIndex, Int((r * ApertureKernel.subdivisions).rounded(.toNearestOrEven)))
                    let coverageX = xSums[0][bx] / c.w - 0.5
                    let light = lightSums[0][bx]
                    let lightX = light > 0 ? xLightSums[0][bx] / light - 0.5 : coverageX
                    if abs(lightX - coverageX) < 0.05 {
                        builder.add(x: coverageX, radiusIndex: index, colour: c)
                    } else {
                        builder.add(x: lightX, radiusIndex: index, colour: SIMD4(c.x, c.y, c.z, 0))
                        builder.add(x: coverageX, radiusIndex: index, colour: SIMD4(0, 0, 0, c.w))
                    }
                }
                sums[0][bx] = .zero
                xSums[0][bx] = 0
                xLightSums[0][bx] = 0
                lightSums[0][bx] = 0
                radiusSums[0][bx] = 0
            }
        }
        sums.swapAt(0, 1); xSums.swapAt(0, 1); radiusSums.swapAt(0, 1)
        xLightSums.swapAt(0, 1); lightSums.swapAt(0, 1)
        touchedLow.swapAt(0, 1); touchedHigh.swapAt(0, 1)
        touchedLow[1] = sums[1].count
        touchedHigh[1] = -1
        openRow += 1
    }
}

/// Per-layer results written by parallel workers (each slot written once, by one worker).
final class LevelSlots: @unchecked Sendable {
    private var slots: [[LevelEntries]?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func store(_ index: Int, _ value: [LevelEntries]) { slots.withUnsafeMutableBufferPointer { $0[index] = value } }
    func values() -> [[LevelEntries]] { slots.map { $0! } }
}

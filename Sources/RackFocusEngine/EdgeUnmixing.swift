import RackFocusCore

/// Splits anti-aliased pixels at depth edges between the two surfaces they show (ENGINE.md §3 rule 6).
///
/// Renderers write anti-aliased colour but depth sampled at the pixel centre, so a pixel on the edge
/// of a small light carries much of the light under the depth of the wall behind it. Scattered as
/// one source with that depth, the light becomes a wide soft halo; a dark subject's edge pixel
/// carries window light to the subject's blur. Here such a pixel becomes two sources:
///
///     c = a·N + (1 − a)·F          N, F: the near and far surfaces' colours, from clean neighbours
///     near source:  light a·N,      coverage a,      at the near disparity
///     far source:   light c − a·N,  coverage 1 − a,  at the far disparity
///
/// so the pixel's light (and coverage 1) is kept exactly. a is the least-squares solution of the
/// mix, clamped to [0, 1] and so that no channel of the far light goes negative. Pixels whose 3 × 3
/// neighbourhood holds no depth step are interior and untouched.
enum EdgeUnmixing {
    /// A pixel is split only when it differs from its own surface by more than `varianceFactor` times
    /// that surface's variance around it, and the mix fits it `residualFactor` times better than its
    /// own surface does (squared errors). Chosen on the shared ground truth: on textured 8-bit planes
    /// whose edges fall between pixels, looser gates split texture and lose up to 0.4 dB.
    static let varianceFactor: Float = 4
    static let residualFactor: Float = 16
    /// One edge pixel's split: its own source keeps its disparity, the other surface's is added.
    struct Split: Sendable {
        /// Light (premultiplied) and coverage (w) left at the pixel's own disparity.
        var own: SIMD4<Float>
        /// Light and coverage of the other surface, and its disparity.
        var other: SIMD4<Float>
        var otherDisparity: Float
    }

    /// The splits of a frame, row by row, x ascending.
    struct Splits: Sendable {
        var rowStart: [Int]
        var x: [Int32]
        var split: [Split]

        static func none(height: Int) -> Splits { Splits(rowStart: [Int](repeating: 0, count: height + 1), x: [], split: []) }
    }

    /// Finds and splits every edge pixel. `step`: the disparity difference between neighbours that
    /// counts as a depth edge. Rows in bands on all workers; the result does not depend on the count.
    static func splits(image: PlanarImage, disparity: [Float], step: Float, threads: Int, pool: ArrayPool = ArrayPool()) -> Splits {
        let width = image.width, height = image.height
        let band = 16
        let bands = (height + band - 1) / band
        let parts = Slots<(x: [Int32], split: [Split], rowCount: [Int])>(count: bands)
        let edges = edgeMap(disparity: disparity, width: width, height: height, step: step, threads: threads, pool: pool)
        parallelFor(bands, threads: threads, chunk: 1) { _, items in
            withNeighbourhood(image: image, disparity: disparity, edges: edges, step: step) { around in
                for b in items {
                    var xs: [Int32] = [], list: [Split] = [], rowCount: [Int] = []
                    for y in (b * band)..<min(height, (b + 1) * band) {
                        let row = around.edges + y * width
                        for x in 0..<width where row[x] != 0 {
                            if let split = split(x: x, y: y, around) {
                                xs.append(Int32(x))
                                list.append(split)
                            }
                        }
                        rowCount.append(xs.count)
                    }
                    for r in stride(from: rowCount.count - 1, to: 0, by: -1) { rowCount[r] -= rowCount[r - 1] }
                    parts.store(b, (xs, list, rowCount))
                }
            }
        }
        pool.give(edges)
        var result = Splits(rowStart: [0], x: [], split: [])
        for part in parts.takeValues() {
            for n in part.rowCount { result.rowStart.append(result.rowStart.last! + n) }
            result.x += part.x
            result.split += part.split
        }
        return result
    }

    /// Per pixel, 1 where its 3 × 3 neighbourhood holds a depth step (disparities more than `step`
    /// apart), else 0: the minimum and maximum of three rows, column by column, then of three columns,
    /// eight pixels at a time. A NaN never replaces a value (comparisons with it are false), as in
    /// `neighbourRange`.
    static func edgeMap(disparity: [Float], width: Int, height: Int, step: Float, threads: Int, pool: ArrayPool) -> [UInt8] {
        var edges: [UInt8] = pool.unset(width * height)  // every pixel written below
        edges.withUnsafeMutableBufferPointer { out in
        disparity.withUnsafeBufferPointer { db in
            let edgeBase = SharedPointer(base: out.baseAddress!)
            let depth = SharedPointer(base: UnsafeMutablePointer(mutating: db.baseAddress!))  // read only
            parallelFor(height, threads: threads, chunk: 32) { _, rows in
                // Column minima and maxima at 1...width; 0 and width + 1 repeat the border columns
                // (a pixel compared with itself changes nothing), so no column needs a bounds test.
                let low = UnsafeMutablePointer<Float>.allocate(capacity: width + 2)
                let high = UnsafeMutablePointer<Float>.allocate(capacity: width + 2)
                defer { low.deallocate(); high.deallocate() }
                for y in rows {
                    let above = depth.base + max(0, y - 1) * width, here = depth.base + y * width
                    let below = depth.base + min(height - 1, y + 1) * width
                    columnRanges(above, here, below, width: width, low: low + 1, high: high + 1)
                    low[0] = low[1]; high[0] = high[1]
                    low[width + 1] = low[width]; high[width + 1] = high[width]
                    markSteps(low: low, high: high, width: width, step: step, into: edgeBase.base + y * width)
                }
            }
        }}
        return edges
    }

    /// low[x], high[x] = the minimum and maximum of the three rows at column x.
    @inline(__always)
    static func columnRanges(_ above: UnsafePointer<Float>, _ here: UnsafePointer<Float>, _ below: UnsafePointer<Float>,
                             width: Int, low: UnsafeMutablePointer<Float>, high: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + 8 <= width {
            @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
                UnsafeRawPointer(p + x).loadUnaligned(as: SIMD8<Float>.self)
            }
            let a = load(above), m = load(here), b = load(below)
            var l = m, h = m
            l.replace(with: a, where: a .< l); l.replace(with: b, where: b .< l)
            h.replace(with: a, where: a .> h); h.replace(with: b, where: b .> h)
            UnsafeMutableRawPointer(low + x).storeBytes(of: l, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(high + x).storeBytes(of: h, as: SIMD8<Float>.self)
            x += 8
        }
        while x < width {
            var l = here[x], h = here[x]
            if above[x] < l { l = above[x] }; if below[x] < l { l = below[x] }
            if above[x] > h { h = above[x] }; if below[x] > h { h = below[x] }
            low[x] = l; high[x] = h
            x += 1
        }
    }

    /// Row of the edge map from padded column ranges (column x at x + 1): 1 where the three columns
    /// around x span more than `step`.
    @inline(__always)
    static func markSteps(low: UnsafePointer<Float>, high: UnsafePointer<Float>, width: Int, step: Float,
                          into row: UnsafeMutablePointer<UInt8>) {
        var x = 0
        while x + 8 <= width {
            @inline(__always) func load(_ p: UnsafePointer<Float>, _ at: Int) -> SIMD8<Float> {
                UnsafeRawPointer(p + at).loadUnaligned(as: SIMD8<Float>.self)
            }
            var l = load(low, x + 1), h = load(high, x + 1)
            let ll = load(low, x), lr = load(low, x + 2), hl = load(high, x), hr = load(high, x + 2)
            l.replace(with: ll, where: ll .< l); h.replace(with: hl, where: hl .> h)
            l.replace(with: lr, where: lr .< l); h.replace(with: hr, where: hr .> h)
            let steps = h - l .> step
            for lane in 0..<8 { row[x + lane] = steps[lane] ? 1 : 0 }
            x += 8
        }
        while x < width {
            var l = low[x + 1], h = high[x + 1]
            if low[x] < l { l = low[x] }; if high[x] > h { h = high[x] }
            if low[x + 2] < l { l = low[x + 2] }; if high[x + 2] > h { h = high[x + 2] }
            row[x] = h - l > step ? 1 : 0
            x += 1
        }
    }

    /// Runs `body` with read access to a frame for `split`.
    static func withNeighbourhood<T>(image: PlanarImage, disparity: [Float], edges: [UInt8], step: Float,
                                     _ body: (Neighbourhood) -> T) -> T {
        disparity.withUnsafeBufferPointer { db in
        image.samples.withUnsafeBufferPointer { samples in
        edges.withUnsafeBufferPointer { edgeBuffer in
            body(Neighbourhood(samples: samples.baseAddress!, disparity: db.baseAddress!, edges: edgeBuffer.baseAddress!,
                               width: image.width, height: image.height, step: step))
        }}}
    }

    /// The disparity range of pixel (x, y)'s 3 × 3 neighbourhood (clamped at the frame's border).
    @inline(__always)
    static func neighbourRange(_ d: UnsafePointer<Float>, x: Int, y: Int, width: Int, height: Int) -> (low: Float, high: Float) {
        var low = Float.infinity, high = -Float.infinity
        for ny in max(0, y - 1)...min(height - 1, y + 1) {
            for nx in max(0, x - 1)...min(width - 1, x + 1) {
                let v = d[ny * width + nx]
                if v < low { low = v }
                if v > high { high = v }
            }
        }
        return (low, high)
    }

    /// Read access to one frame's colour and disparity, for the per-pixel split.
    struct Neighbourhood {
        let samples: UnsafePointer<Float>
        let disparity: UnsafePointer<Float>
        /// `edgeMap`: 1 where a pixel's 3 × 3 neighbourhood holds a depth step.
        let edges: UnsafePointer<UInt8>
        let width: Int
        let height: Int
        /// Disparity difference between neighbours that counts as a depth edge.
        let step: Float

        @inline(__always)
        func colour(_ i: Int) -> SIMD4<Float> {
            let n = width * height
            return DefocusEngine.linear(samples[i], samples[n + i], samples[2 * n + i])
        }

        /// No depth step in the 3 × 3 neighbourhood of (x, y).
        @inline(__always)
        func isClean(_ x: Int, _ y: Int) -> Bool { edges[y * width + x] == 0 }
    }

    /// The near and far surfaces' colours around an edge pixel: the mean of each one's clean pixels
    /// (no depth step around them) in the 5 × 5 window, with their count and the mean squared norm
    /// (for the texture's variance); a surface without a clean pixel (one or two pixels thin) is
    /// represented by its purest pixel, the one least like the other surface (count 0). Nil when
    /// neither surface has a clean pixel. Also the disparity of each surface next to the pixel.
    struct Surfaces {
        var near: SIMD4<Float>, far: SIMD4<Float>
        var nearCount: Float, farCount: Float
        var nearSquares: Float, farSquares: Float
        var nearDisparity: Float, farDisparity: Float
    }

    static func surfaces(x: Int, y: Int, middle: Float, _ around: Neighbourhood) -> Surfaces? {
        let d = around.disparity, width = around.width, height = around.height
        var s = Surfaces(near: .zero, far: .zero, nearCount: 0, farCount: 0, nearSquares: 0, farSquares: 0,
                         nearDisparity: 0, farDisparity: 0)
        var nearNext: Float = 0, farNext: Float = 0
        for ny in max(0, y - 2)...min(height - 1, y + 2) {
            for nx in max(0, x - 2)...min(width - 1, x + 2) {
                let j = ny * width + nx
                let near = d[j] > middle
                if abs(nx - x) <= 1 && abs(ny - y) <= 1 {
                    if near { s.nearDisparity += d[j]; nearNext += 1 } else { s.farDisparity += d[j]; farNext += 1 }
                }
                guard around.isClean(nx, ny) else { continue }
                let c = around.colour(j)
                if near {
                    s.near += c; s.nearSquares += (c * c).sum(); s.nearCount += 1
                } else {
                    s.far += c; s.farSquares += (c * c).sum(); s.farCount += 1
                }
            }
        }
        s.nearDisparity /= max(1, nearNext)
        s.farDisparity /= max(1, farNext)
        switch (s.nearCount > 0, s.farCount > 0) {
        case (true, true):
            s.near /= s.nearCount; s.far /= s.farCount
        case (true, false):
            s.near /= s.nearCount
            s.far = purest(of: false, middle: middle, against: s.near, x: x, y: y, around)
        case (false, true):
            s.far /= s.farCount
            s.near = purest(of: true, middle: middle, against: s.far, x: x, y: y, around)
        case (false, false):
            return nil  // nothing to measure the mix against
        }
        s.nearSquares /= max(1, s.nearCount)
        s.farSquares /= max(1, s.farCount)
        return s
    }

    /// Pixel (x, y)'s split, or nil when it stays one source: an interior pixel, or one its own
    /// surface explains.
    static func split(x: Int, y: Int, _ around: Neighbourhood) -> Split? {
        let d = around.disparity
        guard !around.isClean(x, y) else { return nil }  // interior: untouched
        let (low, high) = neighbourRange(d, x: x, y: y, width: around.width, height: around.height)
        let middle = (low + high) / 2
        guard let s = surfaces(x: x, y: y, middle: middle, around) else { return nil }
        let i = y * around.width + x
        let c = around.colour(i)
        let ownNear = d[i] > middle
        // c = a·N + (1 − a)·F, least squares over R, G, B.
        let difference = s.near - s.far
        let length = (difference * difference).sum()
        guard length > 1e-12 else { return nil }
        var a = ((c - s.far) * difference).sum() / length
        // Depth is sampled at the pixel's centre, so its own surface covers at least half of it
        // where the edge is smooth. Without this bound, dark text on a far plane next to a dark near
        // edge was read as near surface (-0.8 dB on the planes scene). A pixel brighter than white
        // is a light's, whose mix is well measured, and a small round light's edge pixels are mostly
        // light even where the centre sample missed it (clipped 8-bit lamps: +2 to +3 dB).
        let light = HighlightBoost.luminance(c) > 1
        a = light ? max(0, min(1, a)) : ownNear ? max(0.5, min(1, a)) : max(0, min(0.5, a))
        // No negative light in the far share: a·N ≤ c per channel.
        for ch in 0..<3 where s.near[ch] > 0 { a = min(a, max(0, c[ch]) / s.near[ch]) }
        // A pixel that is (nearly) all one surface stays one source.
        if (ownNear && a > 0.999) || (!ownNear && a < 0.001) { return nil }
        // Only a pixel the mix explains: unlike its own surface (beyond that surface's own texture),
        // and close to the mix. On textured surfaces whose edge falls between pixels the estimates
        // are noisy, and splitting would move texture to the wrong depth.
        let own = ownNear ? s.near : s.far
        let ownVariance = max(0, (ownNear ? s.nearSquares : s.farSquares) - (own * own).sum())
        let ownError = ((c - own) * (c - own)).sum()
        let misfit = c - (s.far + difference * a)
        if ownError <= varianceFactor * ownVariance + 1e-3 * length || (misfit * misfit).sum() * residualFactor > ownError {
            return nil
        }
        var nearLight = s.near * a
        nearLight.w = a
        var farLight = c - nearLight
        farLight.w = 1 - a
        return ownNear ? Split(own: nearLight, other: farLight, otherDisparity: s.farDisparity)
                       : Split(own: farLight, other: nearLight, otherDisparity: s.nearDisparity)
    }

    /// Among the 5 × 5 window's pixels of one surface (near or far of `middle`), the colour least
    /// like `against`.
    static func purest(of near: Bool, middle: Float, against: SIMD4<Float>, x: Int, y: Int, _ around: Neighbourhood) -> SIMD4<Float> {
        var best = against, bestDistance: Float = -1
        for ny in max(0, y - 2)...min(around.height - 1, y + 2) {
            for nx in max(0, x - 2)...min(around.width - 1, x + 2) {
                let j = ny * around.width + nx
                guard (around.disparity[j] > middle) == near else { continue }
                let c = around.colour(j)
                let distance = ((c - against) * (c - against)).sum()
                if distance > bestDistance { bestDistance = distance; best = c }
            }
        }
        return best
    }
}

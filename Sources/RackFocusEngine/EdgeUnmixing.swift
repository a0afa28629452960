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
    static func splits(image: PlanarImage, disparity: [Float], step: Float, highlights: HighlightBoost?,
                       threads: Int) -> Splits {
        let width = image.width, height = image.height
        let band = 16
        let bands = (height + band - 1) / band
        let parts = Slots<(x: [Int32], split: [Split], rowCount: [Int])>(count: bands)
        parallelFor(bands, threads: threads, chunk: 1) { _, items in
            for b in items {
                var xs: [Int32] = [], list: [Split] = [], rowCount: [Int] = []
                for y in (b * band)..<min(height, (b + 1) * band) {
                    let before = xs.count
                    splitRow(y, image: image, disparity: disparity, step: step, highlights: highlights,
                             width: width, height: height, xs: &xs, splits: &list)
                    rowCount.append(xs.count - before)
                }
                parts.store(b, (xs, list, rowCount))
            }
        }
        var result = Splits(rowStart: [0], x: [], split: [])
        for part in parts.takeValues() {
            for n in part.rowCount { result.rowStart.append(result.rowStart.last! + n) }
            result.x += part.x
            result.split += part.split
        }
        return result
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
        let width: Int
        let height: Int
        let highlights: HighlightBoost?
        /// Disparity difference between neighbours that counts as a depth edge.
        let step: Float

        @inline(__always)
        func colour(_ i: Int) -> SIMD4<Float> {
            let n = width * height
            return DefocusEngine.linear(samples[i], samples[n + i], samples[2 * n + i], highlights)
        }

        /// No depth step in the 3 × 3 neighbourhood of (x, y).
        @inline(__always)
        func isClean(_ x: Int, _ y: Int) -> Bool {
            let range = EdgeUnmixing.neighbourRange(disparity, x: x, y: y, width: width, height: height)
            return range.high - range.low <= step
        }
    }

    /// Appends the splits of row y.
    static func splitRow(_ y: Int, image: PlanarImage, disparity: [Float], step: Float, highlights: HighlightBoost?,
                         width: Int, height: Int, xs: inout [Int32], splits: inout [Split]) {
        disparity.withUnsafeBufferPointer { db in
        image.samples.withUnsafeBufferPointer { samples in
            let around = Neighbourhood(samples: samples.baseAddress!, disparity: db.baseAddress!, width: width, height: height,
                                       highlights: highlights, step: step)
            for x in 0..<width {
                if let split = split(x: x, y: y, around) {
                    xs.append(Int32(x))
                    splits.append(split)
                }
            }
        }}
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
        let (low, high) = neighbourRange(d, x: x, y: y, width: around.width, height: around.height)
        guard high - low > around.step else { return nil }  // interior: untouched
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
        // (where the edge is smooth). Without this bound, dark text on a far plane next to a dark
        // near edge was read as near surface: -0.8 dB on the planes scene.
        a = ownNear ? max(0.5, min(1, a)) : max(0, min(0.5, a))
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

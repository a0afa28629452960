import RackFocusCore

/// Turns clipped highlights of integer (8/16-bit) input back into bright light, so they bloom into
/// bright bokeh as a lens draws them (Nuke ZDefocus `bloom`). Computed from the input only, never
/// from focus, so a lamp keeps its brightness while focus moves.
///
/// Two parts, both hue-preserving on linear luminance L, with t = clamp((L − threshold) / (1 − threshold), 0, 1)
/// the pixel's degree of clipping:
/// - a soft knee for every bright pixel: L' = L + gain · max(0, L − threshold)² / (1 − threshold);
/// - light for small clipped blobs: a clipped pixel stands for a light far brighter than white, and
///   the smaller the blob, the brighter (a lamp is a few clipped pixels, a window thousands). With n the
///   clipped pixels (Σ t) in the box of about (2R + 1)² pixels around it (4 x 4-pixel blocks), R = `lightRadius`, the pixel's luminance
///   becomes at least c² · t · πR² / n: the blob holds enough light to fill a disc of radius R at full
///   white, so a lamp defocused to that radius is a bright, saturated disc, while a window (n near
///   the box's area) keeps about the knee's brightness. c = 1 − m / threshold is the contrast with
///   the mean luminance m of the box's other pixels: a lamp in the dark gets its light, a speck of
///   clipped white paper (compression ringing on a label) next to nothing.
public struct HighlightBoost: Sendable, Equatable {
    /// Linear luminance where the boost starts (0-1).
    public var threshold: Float
    /// Strength of the knee; at L = 1 the light becomes 1 + gain · (1 − threshold).
    public var gain: Float
    /// Radius (px) of the disc a small clipped light fills at full white; 0 = knee only; nil = 1/40
    /// of the picture's width (24 px at 960, 48 at 1920), so a proxy and a full-size render agree.
    public var lightRadius: Float?

    public init(threshold: Float = 0.9, gain: Float = 16, lightRadius: Float? = nil) {
        self.threshold = threshold
        self.gain = gain
        self.lightRadius = lightRadius
    }

    @inline(__always)
    static func luminance(_ rgb: SIMD4<Float>) -> Float { 0.2126 * rgb.x + 0.7152 * rgb.y + 0.0722 * rgb.z }

    /// The knee alone, for one pixel (linear RGB, w unused).
    @inline(__always)
    func knee(_ rgb: SIMD4<Float>) -> SIMD4<Float> {
        let luminance = Self.luminance(rgb)
        guard luminance > threshold, threshold < 1 else { return rgb }
        let excess = luminance - threshold
        let boosted = luminance + gain * excess * excess / (1 - threshold)
        return rgb * (boosted / luminance)
    }

    /// Degree of clipping (0-1) of a pixel with linear luminance L.
    @inline(__always)
    func clipping(_ luminance: Float) -> Float {
        guard threshold < 1 else { return 0 }
        return max(0, min(1, (luminance - threshold) / (1 - threshold)))
    }

    /// The boosted picture: linear R, G, B planes (NaN read as 0), from the first three channels of
    /// `image` (linear light).
    public func apply(to image: PlanarImage, threads: Int = 1, pool: ArrayPool = ArrayPool()) -> PlanarImage {
        boosted(image, threads: threads, pool: pool) ?? PlanarImage(width: image.width, height: image.height, channels: 3,
                                                  samples: Array(image.samples[0..<3 * image.pixelCount]))
    }

    /// As `apply`, or nil when no pixel reaches the threshold (the picture is used as it is).
    /// Speed-up, schedule: the passes over the picture run on `threads` workers over bands of rows;
    /// the hot pixels are listed in band order and the block sums are integers, so the result is the
    /// same for any thread count.
    func boosted(_ image: PlanarImage, threads: Int, pool: ArrayPool) -> PlanarImage? {
        guard threshold < 1, let (hot, box) = hotPixels(image, threads: threads) else { return nil }
        var samples = kneed(image, hot: hot, threads: threads, pool: pool)
        let lightRadius = self.lightRadius ?? Float(image.width) / 40
        let radius = Int(lightRadius.rounded())
        if radius > 0 {
            let grid = BlockGrid(around: box, radius: radius, width: image.width, height: image.height)
            let sums = blockSums(image, grid: grid, threads: threads, pool: pool)
            addSmallLights(image, hot: hot, grid: grid, sums: sums, lightRadius: lightRadius, into: &samples, pool: pool)
        }
        return PlanarImage(width: image.width, height: image.height, channels: 3, samples: samples)
    }

    /// The pixels above the threshold (usually a few lamps and windows) in raster order and the box
    /// around them (x0, x1, y0, y1 inclusive), or nil when there are none.
    func hotPixels(_ image: PlanarImage, threads: Int) -> (hot: [Int32], box: (Int, Int, Int, Int))? {
        let band = 32
        let parts = Slots<[Int32]>(count: (image.height + band - 1) / band)
        image.samples.withUnsafeBufferPointer { source in
            let samples = SharedPointer(base: UnsafeMutablePointer(mutating: source.baseAddress!))  // read only
            parallelFor(image.height, threads: threads, chunk: band) { _, rows in
                parts.store(rows.lowerBound / band, hotPixels(samples.base, width: image.width, plane: image.pixelCount, rows: rows))
            }
        }
        let hot = parts.takeValues().flatMap { $0 }
        guard let first = hot.first, let last = hot.last else { return nil }
        let width = image.width
        var x0 = width, x1 = -1
        for i in hot { let x = Int(i) % width; x0 = min(x0, x); x1 = max(x1, x) }
        return (hot, (x0, x1, Int(first) / width, Int(last) / width))
    }

    /// The hot pixels of `rows`, in raster order.
    func hotPixels(_ r: UnsafePointer<Float>, width: Int, plane n: Int, rows: Range<Int>) -> [Int32] {
        let g = r + n, b = g + n
        var hot: [Int32] = []
        for y in rows {
            var x = 0
            while x < width {
                // Eight pixels at a time while none is hot (NaN compares false: not hot).
                if x + 8 <= width {
                    @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
                        UnsafeRawPointer(p + y * width + x).loadUnaligned(as: SIMD8<Float>.self)
                    }
                    let luminance = 0.2126 * load(r) + 0.7152 * load(g) + 0.0722 * load(b)
                    if !any(luminance .> threshold) { x += 8; continue }
                }
                let i = y * width + x
                if Self.luminance(SIMD4(r[i], g[i], b[i], 0)) > threshold { hot.append(Int32(i)) }
                x += 1
            }
        }
        return hot
    }

    /// The picture's R, G, B planes with NaN read as 0 and the knee applied to the hot pixels.
    func kneed(_ image: PlanarImage, hot: [Int32], threads: Int, pool: ArrayPool) -> [Float] {
        let n = image.pixelCount
        var samples: [Float] = pool.unset(3 * n)  // every sample written below
        image.samples.withUnsafeBufferPointer { source in
        samples.withUnsafeMutableBufferPointer { out in
            let from = SharedPointer(base: UnsafeMutablePointer(mutating: source.baseAddress!))  // read only
            let to = SharedPointer(base: out.baseAddress!)
            // The three planes as one array, in stretches of 64 K samples (a sample's copy does
            // not depend on its neighbours).
            parallelFor(3 * n, threads: threads, chunk: 1 << 16) { _, part in
                var i = part.lowerBound
                while i + 8 <= part.upperBound {  // NaN read as 0, eight samples at a time
                    var v = UnsafeRawPointer(from.base + i).loadUnaligned(as: SIMD8<Float>.self)
                    v.replace(with: 0, where: .!(v .== v))
                    UnsafeMutableRawPointer(to.base + i).storeBytes(of: v, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < part.upperBound { let v = from.base[i]; to.base[i] = v == v ? v : 0; i += 1 }
            }
            for i in hot.map(Int.init) {
                let k = knee(SIMD4(out[i], out[n + i], out[2 * n + i], 0))
                out[i] = k.x; out[n + i] = k.y; out[2 * n + i] = k.z
            }
        }}
        return samples
    }

    /// The hot pixels' box grown by the light radius, on a grid of 4 x 4-pixel blocks (the sums are a
    /// heuristic's, and blocks keep them to a few percent of a frame's time).
    struct BlockGrid {
        static let block = 4
        /// The grown box (inclusive) and the grid's size in blocks.
        let x0: Int, x1: Int, y0: Int, y1: Int
        let columns: Int, rows: Int

        init(around box: (Int, Int, Int, Int), radius: Int, width: Int, height: Int) {
            x0 = max(0, box.0 - radius); x1 = min(width - 1, box.1 + radius)
            y0 = max(0, box.2 - radius); y1 = min(height - 1, box.3 + radius)
            columns = (x1 - x0) / Self.block + 1
            rows = (y1 - y0) / Self.block + 1
        }

        /// The block holding pixel (x, y).
        @inline(__always)
        func index(_ x: Int, _ y: Int) -> Int { ((y - y0) / Self.block) * columns + (x - x0) / Self.block }
    }

    /// Per block: the degree of clipping Σt, and the surroundings, the count and luminance of the
    /// pixels not above the threshold, in 1/1024 steps. Integer sums are exact in any order.
    struct BlockSums {
        var clipped: [Int32], cold: [Int32], coldLight: [Int32]

        func recycle(into pool: ArrayPool) { pool.give(clipped); pool.give(cold); pool.give(coldLight) }
    }

    func blockSums(_ image: PlanarImage, grid: BlockGrid, threads: Int, pool: ArrayPool) -> BlockSums {
        let cells = grid.columns * grid.rows
        var sums = BlockSums(clipped: pool.filled(cells, with: 0), cold: pool.filled(cells, with: 0),
                             coldLight: pool.filled(cells, with: 0))
        image.samples.withUnsafeBufferPointer { source in
        sums.clipped.withUnsafeMutableBufferPointer { clipped in
        sums.cold.withUnsafeMutableBufferPointer { cold in
        sums.coldLight.withUnsafeMutableBufferPointer { coldLight in
            let samples = SharedPointer(base: UnsafeMutablePointer(mutating: source.baseAddress!))  // read only
            let out = (SharedPointer(base: clipped.baseAddress!), SharedPointer(base: cold.baseAddress!),
                       SharedPointer(base: coldLight.baseAddress!))
            // Each worker sums whole block rows, so it alone writes their cells.
            parallelFor(grid.rows, threads: threads, chunk: 4) { _, blockRows in
                let y0 = grid.y0 + blockRows.lowerBound * BlockGrid.block
                let y1 = min(grid.y1, grid.y0 + blockRows.upperBound * BlockGrid.block - 1)
                for y in y0...y1 {
                    let cell = ((y - grid.y0) / BlockGrid.block) * grid.columns
                    blockSumsRow(samples.base, y: y, width: image.width, plane: image.pixelCount, grid: grid,
                                 clipped: out.0.base + cell, cold: out.1.base + cell, coldLight: out.2.base + cell)
                }
            }
        }}}}
        return sums
    }

    /// Adds row y's pixels to the sums of its row of blocks (`clipped`, `cold`, `coldLight` start at
    /// its first block): whole blocks four pixels at a time while none is hot (the common case), else
    /// pixel by pixel.
    @inline(__always)
    func blockSumsRow(_ r: UnsafePointer<Float>, y: Int, width: Int, plane n: Int, grid: BlockGrid,
                      clipped: UnsafeMutablePointer<Int32>, cold: UnsafeMutablePointer<Int32>,
                      coldLight: UnsafeMutablePointer<Int32>) {
        let g = r + n, b = g + n
        for j in 0..<grid.columns {
            let x0 = grid.x0 + j * BlockGrid.block
            let x1 = min(grid.x1 + 1, x0 + BlockGrid.block)
            if x1 - x0 == 4 {
                let i = y * width + x0
                @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
                    var v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Float>.self)
                    v.replace(with: 0, where: .!(v .== v))
                    return v
                }
                var luminance = 0.2126 * load(r) + 0.7152 * load(g) + 0.0722 * load(b)
                if !any(luminance .> threshold) {
                    luminance.replace(with: 0, where: luminance .< 0)
                    // (Wrapping sums: a block holds 16 pixels of at most 1024 · threshold each.)
                    cold[j] &+= 4
                    coldLight[j] &+= truncatedToInt32(luminance * 1024 + 0.5).wrappedSum()
                    continue
                }
            }
            for x in x0..<x1 {
                let i = y * width + x
                let luminance = Self.luminance(DefocusEngine.linear(r[i], g[i], b[i]))
                if luminance > threshold {
                    clipped[j] += Int32(clipping(luminance) * 1024 + 0.5)
                } else {
                    cold[j] += 1
                    coldLight[j] += Int32(max(0, luminance) * 1024 + 0.5)
                }
            }
        }
    }

    /// Raises each hot pixel of `samples` to the light of its small clipped blob (see the type's
    /// comment), summing the block sums over the box of the light radius around it.
    func addSmallLights(_ image: PlanarImage, hot: [Int32], grid: BlockGrid, sums: BlockSums, lightRadius: Float,
                        into samples: inout [Float], pool: ArrayPool) {
        let width = image.width, n = image.pixelCount
        let blocks = max(1, Int((lightRadius / Float(BlockGrid.block)).rounded()))
        let counts = Self.boxSums(sums.clipped, width: grid.columns, height: grid.rows, radius: blocks, pool: pool)
        let coldCounts = Self.boxSums(sums.cold, width: grid.columns, height: grid.rows, radius: blocks, pool: pool)
        let coldSums = Self.boxSums(sums.coldLight, width: grid.columns, height: grid.rows, radius: blocks, pool: pool)
        sums.recycle(into: pool)
        let light = Float.pi * lightRadius * lightRadius
        image.samples.withUnsafeBufferPointer { source in
        samples.withUnsafeMutableBufferPointer { out in
            for i in hot.map(Int.init) {
                let j = grid.index(i % width, i / width)
                let t = clipping(Self.luminance(DefocusEngine.linear(source[i], source[n + i], source[2 * n + i])))
                guard t > 0 else { continue }
                let rgb = SIMD4<Float>(out[i], out[n + i], out[2 * n + i], 0)
                let luminance = Self.luminance(rgb)
                // t · πR² / n (n in 1/1024 units), times the squared contrast with the surroundings:
                // a lamp in the dark, not a speck of clipped white paper.
                let surroundings = coldCounts[j] > 0 ? Float(coldSums[j]) / (1024 * Float(coldCounts[j])) : threshold
                let contrast = max(0, 1 - surroundings / threshold)
                let target = contrast * contrast * t * light * 1024 / Float(max(1024, counts[j]))
                guard target > luminance, luminance > 0 else { continue }
                let scaled = rgb * (target / luminance)
                out[i] = scaled.x; out[n + i] = scaled.y; out[2 * n + i] = scaled.z
            }
        }}
        pool.give(counts); pool.give(coldCounts); pool.give(coldSums)
    }

    /// Sum of `values` over the (2r + 1)² box around each cell (cut at the grid's edges): running
    /// sums along rows, then along columns. In 64 bits: a box of a large light radius over a clipped
    /// frame holds more than 2^31 (16 pixels a block, 1024 a pixel); the sums are exact in any order.
    static func boxSums(_ values: [Int32], width: Int, height: Int, radius r: Int, pool: ArrayPool) -> [Int] {
        var rows: [Int] = pool.unset(values.count)  // both written in full below
        var out: [Int] = pool.unset(values.count)
        var column: [Int] = pool.filled(width, with: 0)
        values.withUnsafeBufferPointer { v in
        rows.withUnsafeMutableBufferPointer { h in
        out.withUnsafeMutableBufferPointer { o in
        column.withUnsafeMutableBufferPointer { column in
            for y in 0..<height {
                let row = v.baseAddress! + y * width, sums = h.baseAddress! + y * width
                var sum = 0
                for x in 0..<min(width, r) { sum += Int(row[x]) }
                for x in 0..<width {
                    if x + r < width { sum += Int(row[x + r]) }
                    if x - r - 1 >= 0 { sum -= Int(row[x - r - 1]) }
                    sums[x] = sum
                }
            }
            @inline(__always) func add(row y: Int, _ sign: Int) {
                let row = h.baseAddress! + y * width
                for x in 0..<width { column[x] += sign * row[x] }
            }
            for y in 0..<min(height, r) { add(row: y, 1) }
            for y in 0..<height {
                if y + r < height { add(row: y + r, 1) }
                if y - r - 1 >= 0 { add(row: y - r - 1, -1) }
                (o.baseAddress! + y * width).update(from: column.baseAddress!, count: width)
            }
        }}}}
        pool.give(rows)
        pool.give(column)
        return out
    }
}

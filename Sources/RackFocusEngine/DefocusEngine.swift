import RackFocusCore

/// The depth-aware lens blur: layered, multi-resolution row-span splatting.
///
/// For each output row, every source pixel whose aperture reaches that row adds one span of its
/// colour (colour / aperture area, its own radius: "scatter" semantics) to a per-layer difference
/// row: 4 read-modify-writes per span. Sources blurred by more than `levelRadius` (12 px) are
/// splatted at 1/2, 1/4, 1/8... resolution (2^k x 2^k blocks, radius / 2^k), so no splat ever
/// spans more than 25 rows and the cost per pixel stays bounded whatever the radius; a source near
/// a level boundary is shared by both levels, so nothing pops while focus moves. Coarse levels are
/// upsampled bilinearly and added to the full-resolution sums. A prefix sum turns the difference
/// rows into layer colours, which are composited front to back with normalisation:
///
///     per layer:  α = min(1, Σw),  C = Σwc / Σw;    out += T·α·C,  T *= 1 − α;    pixel = out / (1 − T)
///
/// so a blurred foreground spreads over a sharp background, a blurred background never covers a
/// sharp foreground, and frame borders do not darken. Each output row is computed by one thread
/// in one fixed order, so results are bit-identical for any thread count.
///
/// The engine holds tables fixed for a shot (aperture spans) and the scratch memory it reuses from
/// frame to frame (`ArrayPool`; give frames and outputs back with `recycle`); it does no file I/O.
public final class DefocusEngine: Sendable {
    public let settings: DefocusSettings
    /// Big per-frame arrays, kept for the next frame. Shared with whoever decodes the frames, so the
    /// memory of one frame's colour and depth serves the next frame's.
    public let pool: ArrayPool
    /// Span tables for every radius up to the maximum (coarse levels use those up to `levelRadius`, in their own pixels).
    let kernel: ApertureKernel
    /// Number of coarse levels (level k has 2^k x 2^k-pixel cells).
    let coarseLevels: Int
    /// Largest radius splatted at a level, in that level's pixels.
    static let levelRadius = 12.0

    public init(settings: DefocusSettings, pool: ArrayPool = ArrayPool()) {
        self.settings = settings
        self.pool = pool
        // Every radius: lights are splatted at full resolution at any radius, the rest up to levelRadius.
        self.kernel = ApertureKernel(shape: settings.aperture, maximumRadius: Float(max(0, settings.maximumRadius)))
        var levels = 0
        while DefocusEngine.levelRadius * Double(1 << levels) < settings.maximumRadius { levels += 1 }
        self.coarseLevels = levels
    }

    /// The public entry points' contract, checked in every build (`if ... fatalError`, which no
    /// optimisation level removes): the hot loops index these arrays through raw pointers, without
    /// bounds checks.
    func checkArguments(colour: PlanarImage, disparity: [Float], caller: String) {
        if colour.channels < 3 { fatalError("\(caller): colour needs R, G and B, got \(colour.channels) channel(s)") }
        if colour.samples.count < colour.pixelCount * colour.channels {
            fatalError("\(caller): colour holds \(colour.samples.count) samples, \(colour.width)x\(colour.height)x\(colour.channels) needs \(colour.pixelCount * colour.channels)")
        }
        if disparity.count != colour.pixelCount {
            fatalError("\(caller): \(disparity.count) disparities for a \(colour.width)x\(colour.height) image")
        }
    }

    var threadCount: Int { settings.threads > 0 ? settings.threads : availableCores() }

    /// Convenience: prepare and render one frame.
    public func render(colour: PlanarImage, disparity: [Float], focusDistance: Double) -> PlanarImage {
        render(prepare(colour: colour, disparity: disparity, typicalFocus: focusDistance), focusDistance: focusDistance)
    }

    /// The blur model used for `focusDistance` on this frame (with `lens`, or the settings' lens).
    public func circleOfConfusion(focusDistance: Double, width: Int, lens: LensModel? = nil) -> CircleOfConfusion {
        (lens ?? settings.lens).circleOfConfusion(focus: focusDistance, imageWidth: width, maximumRadius: settings.maximumRadius)
    }

    /// Defocuses a 2D plate (straight-alpha RGBA or RGB, linear light) lying at one depth: every
    /// pixel is spread over the aperture of that depth's blur radius and the plate's coverage is
    /// kept, so the result (premultiplied RGBA) can be composited over what lies behind it.
    /// Outside the frame counts as transparent.
    public func blurPlate(_ plate: PlanarImage, disparity: Float, focusDistance: Double, lens: LensModel? = nil) -> PlanarImage {
        blurPlate(plate, disparity: [Float](repeating: disparity, count: plate.pixelCount), focusDistance: focusDistance, lens: lens)
    }

    /// As above, for a plate with its own depth (disparity per pixel; no occlusion inside a plate).
    public func blurPlate(_ plate: PlanarImage, disparity depth: [Float], focusDistance: Double, lens: LensModel? = nil) -> PlanarImage {
        checkArguments(colour: plate, disparity: depth, caller: "blurPlate")
        let width = plate.width, height = plate.height, n = plate.pixelCount
        let colour = settings.highlights.flatMap { $0.boosted(plate, pool: pool) } ?? plate
        var builder = LayerSourceBuilder(height: height)
        for y in 0..<height {
            builder.startRow(y)
            for x in 0..<width {
                let i = y * width + x
                let alpha = plate.channels == 4 ? max(0, min(1, plate.samples[3 * n + i])) : 1
                let rgb = Self.linear(colour.samples[i], colour.samples[n + i], colour.samples[2 * n + i])
                if alpha > 0 { builder.add(x: x, disparity: depth[i], colour: rgb, weight: alpha) }
            }
        }
        let frame = PreparedFrame(
            width: width, height: height,
            layers: DepthLayers(disparity: [depth.first ?? 0], pixelsPerDisparity: 1, layerThickness: 1, maximumLayers: 1),
            sources: [builder.finish()], fills: [.empty(height: height)],
            image: colour, disparity: depth, layerIndex: [Int32](repeating: 0, count: n))
        let coc = circleOfConfusion(focusDistance: focusDistance, width: width, lens: lens)
        return splat(frame, levelEntries(frame, coc: coc), raw: true)
    }

    /// Every pixel's signed blur radius (px) at `focusDistance`: < 0 in front of the focal plane.
    public func radii(_ frame: PreparedFrame, focusDistance: Double, lens: LensModel? = nil) -> [Float] {
        let coc = circleOfConfusion(focusDistance: focusDistance, width: frame.width, lens: lens)
        return frame.disparity.map { coc.radius(disparity: $0) }
    }

    /// Renders a prepared frame focused at `focusDistance` (metres). Returns linear RGB.
    /// - Parameter lens: this frame's lens when it changes over the shot; default `settings.lens`.
    public func render(_ frame: PreparedFrame, focusDistance: Double, lens: LensModel? = nil) -> PlanarImage {
        let coc = circleOfConfusion(focusDistance: focusDistance, width: frame.width, lens: lens)
        let levels = levelEntries(frame, coc: coc)
        defer { for layer in levels { for level in layer { level.recycle(into: pool) } } }
        return splat(frame, levels)
    }

    /// Gives a prepared frame's memory back to the engine, for the next frames to reuse instead of
    /// having fresh memory mapped. Optional (without it the memory is simply freed), and always safe:
    /// arrays are copy-on-write, so a frame still used afterwards only stops the reuse. The colour and
    /// disparity it was prepared from stay the caller's (give them to `pool` when done with them).
    public func recycle(_ frame: consuming PreparedFrame) {
        pool.give(frame.layerIndex)
        if frame.ownsImage { pool.give(frame.image.samples) }
        for list in frame.sources + frame.fills { list.recycle(into: pool) }
    }

    /// Gives a rendered image's memory back to the engine, for the next frame's output (as above).
    public func recycle(_ image: consuming PlanarImage) {
        pool.give(image.samples)
    }

    // MARK: - Splat and composite

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

    /// - Parameter raw: return the first layer's sums (premultiplied R, G, B and coverage) as four
    ///   planes instead of compositing: a blurred RGBA plate.
    func splat(_ frame: PreparedFrame, _ levels: [[LevelEntries]], raw: Bool = false) -> PlanarImage {
        let width = frame.width
        let height = frame.height
        let layerCount = levels.count
        let levelCount = coarseLevels + 1
        let pad = Int(kernel.extent[kernel.maximumIndex]) + 3
        let widths = (0..<levelCount).map { (width + (1 << $0) - 1) >> $0 }
        let heights = (0..<levelCount).map { (height + (1 << $0) - 1) >> $0 }
        // Where output pixel x samples level k: left cell and weight of the right one.
        let columns: [[(Int32, Int32, Float)]] = (0..<levelCount).map { k in
            (0..<width).map { x in
                let c = (Float(x) + 0.5) / Float(1 << k) - 0.5
                let j0 = max(0, min(widths[k] - 1, Int(c.rounded(.down))))
                let j1 = min(widths[k] - 1, j0 + 1)
                return (Int32(j0), Int32(j1), max(0, min(1, c - Float(j0))))
            }
        }
        // Composited output sets every sample of every row; a raw plate only where layers land.
        var output = raw ? PlanarImage(width: width, height: height, channels: 4)
            : PlanarImage(width: width, height: height, channels: 3, samples: pool.unset(3 * width * height))
        let kernel = self.kernel
        let chunk = 32
        // One scratch per worker, made on first use by that worker.
        let scratches = Slots<Scratch>(count: max(1, threadCount))
        output.samples.withUnsafeMutableBufferPointer { outBuffer in
            let out = SharedPointer(base: outBuffer.baseAddress!)
            parallelFor(height, threads: threadCount, chunk: chunk) { worker, rows in
                let scratch: Scratch
                if let found = scratches.value(worker) {
                    scratch = found
                } else {
                    scratch = Scratch(layerCount: layerCount, widths: widths, pad: pad, chunk: chunk)
                    scratches.store(worker, scratch)
                }
                // The coarse rows this chunk needs, per level: first row and count.
                var coarseFirst = [Int](repeating: 0, count: levelCount)
                var coarseCount = [Int](repeating: 0, count: levelCount)
                kernel.left.withUnsafeBufferPointer { left in
                kernel.right.withUnsafeBufferPointer { right in
                    let spans = (left.baseAddress!, right.baseAddress!)
                    for k in 1..<max(1, levelCount) where levelCount > 1 {
                        let scale = Float(1 << k)
                        let first = max(0, Int(((Float(rows.lowerBound) + 0.5) / scale - 0.5).rounded(.down)))
                        let last = min(heights[k] - 1, Int(((Float(rows.upperBound - 1) + 0.5) / scale - 0.5).rounded(.down)) + 1)
                        coarseFirst[k] = first
                        coarseCount[k] = last - first + 1
                        precondition(coarseCount[k] <= scratch.coarseCapacity[k], "coarse row window too small")
                        for l in 0..<layerCount {
                            for cy in first...last {
                                let slot = l * scratch.coarseCapacity[k] + cy - first
                                scratch.coarseRanges[k][slot] = levels[l][k].isEmpty ? .empty
                                    : Self.splatAndSum(y: cy, entries: levels[l][k], scratch: scratch, level: k, layer: l,
                                                       spans: spans, into: scratch.coarseRows[k] + slot * widths[k])
                            }
                        }
                    }
                    let accumulated = scratch.accumulated
                    let transmittance = scratch.transmittance
                    let layerSum = scratch.layerSum
                    let plane = width * height
                    // (accumulated and transmittance start each row at 0 and 1: set so at creation, reset
                    // by the output loop as it reads them.)
                    for y in rows {
                        // Front (nearest layer) to back.
                        for l in stride(from: layerCount - 1, through: 0, by: -1) {
                            // Full resolution: splat and prefix-sum straight into layerSum.
                            var range = levels[l][0].isEmpty ? RowRange.empty
                                : Self.splatAndSum(y: y, entries: levels[l][0], scratch: scratch, level: 0, layer: l,
                                                   spans: spans, into: layerSum)
                            // Coarse levels: blend the two coarse rows around y, then upsample into layerSum.
                            for k in 1..<max(1, levelCount) where levelCount > 1 {
                                let scale = Float(1 << k)
                                let cy = (Float(y) + 0.5) / scale - 0.5
                                let y0 = max(0, min(heights[k] - 1, floorToInt(cy)))
                                let y1 = min(heights[k] - 1, y0 + 1)
                                let fy = max(0, min(1, cy - Float(y0)))
                                let i0 = l * scratch.coarseCapacity[k] + y0 - coarseFirst[k]
                                let i1 = l * scratch.coarseCapacity[k] + y1 - coarseFirst[k]
                                let r0 = scratch.coarseRanges[k][i0], r1 = scratch.coarseRanges[k][i1]
                                if r0.isEmpty && r1.isEmpty { continue }
                                let low = max(0, (min(r0.low, r1.low) - 1) << k)
                                let high = min(width, (max(r0.high, r1.high) + 1) << k)
                                Self.addUpsampled(from: scratch.coarseRows[k] + i0 * widths[k], scratch.coarseRows[k] + i1 * widths[k],
                                                  r0.isEmpty, r1.isEmpty, fy, blended: scratch.blended[k],
                                                  columns: columns[k], low: low, high: high,
                                                  into: layerSum, range: &range)
                            }
                            if range.isEmpty { continue }
                            if raw {
                                for x in range.low..<range.high {
                                    let v = layerSum[x]
                                    layerSum[x] = .zero
                                    for c in 0..<4 { out.base[c * plane + y * width + x] = v[c] }
                                }
                                continue
                            }
                            Self.composite(layerSum, range: range, accumulated: accumulated, transmittance: transmittance)
                        }
                        if raw { continue }
                        Self.resolve(accumulated: accumulated, transmittance: transmittance, width: width,
                                     into: out.base + y * width, plane: plane) { frame.inputColour(y * width + $0) }
                    }
                    // Leave the coarse rows zero for the next chunk.
                    for k in 1..<max(1, levelCount) where levelCount > 1 {
                        for l in 0..<layerCount {
                            for row in 0..<coarseCount[k] {
                                let slot = l * scratch.coarseCapacity[k] + row
                                let range = scratch.coarseRanges[k][slot]
                                if !range.isEmpty {
                                    (scratch.coarseRows[k] + slot * widths[k] + range.low).update(repeating: .zero, count: range.high - range.low)
                                }
                            }
                        }
                    }
                }}
            }
        }
        return output
    }

    /// Splats every span of `entries` that reaches row y and writes the row's sums into `into`
    /// (which must be zero where nothing lands). Returns the x-range written.
    @inline(__always)
    static func splatAndSum(y: Int, entries: LevelEntries, scratch: Scratch, level: Int, layer: Int,
                            spans: (UnsafePointer<Float>, UnsafePointer<Float>),
                            into values: UnsafeMutablePointer<SIMD4<Float>>) -> RowRange {
        let width = entries.width
        let pad = scratch.pad
        let difference = scratch.difference[level] + layer * scratch.rowStride[level]
        let direct = scratch.direct[level] + layer * width
        let reach = entries.reach  // no run reaches further (at most the longest kernel's extent, pad − 3)
        var diffLow = Int.max, diffHigh = Int.min
        var directLow = Int.max, directHigh = Int.min
        let (left, right) = spans
        entries.rowStart.withUnsafeBufferPointer { rowStart in
        entries.x.withUnsafeBufferPointer { xs in
        entries.length.withUnsafeBufferPointer { lengths in
        entries.first.withUnsafeBufferPointer { firsts in
        entries.extent.withUnsafeBufferPointer { extents in
        entries.middleRow.withUnsafeBufferPointer { middles in
        entries.colour.withUnsafeBufferPointer { cs in
            let offset = Float(pad) + 0.5
            for sy in max(0, y - reach)...min(entries.height - 1, y + reach) {
                let dy = y - sy
                let distance = Int32(abs(dy))
                var e = rowStart[sy]
                let end = rowStart[sy + 1]
                while e < end {
                    if extents[e] < distance { break }  // sorted by extent: nothing further reaches
                    let n = Int(lengths[e])
                    let colours = cs.baseAddress! + Int(firsts[e])
                    let xf = xs[e]
                    let middle = Int(middles[e])
                    e += 1
                    if middle < 0 {  // deltas: in focus (always at whole pixels)
                        let x = Int(xf)
                        for j in 0..<n { direct[x + j] += colours[j] }
                        directLow = min(directLow, x); directHigh = max(directHigh, x + n - 1)
                        continue
                    }
                    let row = middle + dy
                    let a = xf + offset + left[row]
                    let b = xf + offset + right[row]
                    let i0 = Int(a)
                    let i1 = Int(b)
                    if i0 == i1 {
                        // Each span lies inside one pixel: add its area directly (no cancellation error).
                        let area = b - a
                        let low = max(0, i0 - pad), high = min(width - 1, i0 - pad + n - 1)
                        if low <= high {
                            for px in low...high { direct[px] += colours[px - (i0 - pad)] * area }
                            directLow = min(directLow, low); directHigh = max(directHigh, high)
                        }
                        continue
                    }
                    // Source j adds c_j·(1 − f0) at i0 + j and c_j·f0 at i0 + j + 1 (and the same, negated,
                    // at the right edge), so cell i0 + j takes c_j·(1 − f0) + c_(j−1)·f0 in one write.
                    let f0 = a - Float(i0), f1 = b - Float(i1)
                    let g0 = 1 - f0, g1 = 1 - f1
                    let leftCells = difference + i0, rightCells = difference + i1
                    var previous = SIMD4<Float>.zero
                    for j in 0..<n {
                        let c = colours[j]
                        leftCells[j] += c * g0 + previous * f0
                        rightCells[j] -= c * g1 + previous * f1
                        previous = c
                    }
                    leftCells[n] += previous * f0
                    rightCells[n] -= previous * f1
                    diffLow = min(diffLow, i0); diffHigh = max(diffHigh, i1 + n)
                }
            }
        }}}}}}}
        var range = RowRange.empty
        if diffLow <= diffHigh {
            // Prefix sum over the touched part only; beyond it the sum is zero by construction.
            var running = SIMD4<Float>.zero
            for i in diffLow...diffHigh {
                running += difference[i]
                difference[i] = .zero
                let x = i - pad
                if x >= 0 && x < width { values[x] += running }
            }
            range.include(max(0, diffLow - pad), min(width, diffHigh - pad + 1))
        }
        if directLow <= directHigh {
            for x in directLow...directHigh {
                values[x] += direct[x]
                direct[x] = .zero
            }
            range.include(directLow, directHigh + 1)
        }
        return range
    }

    /// Adds level-k rows (blended vertically by fy into `blended`, a coarse row, then upsampled
    /// horizontally per `columns`) into `into`. An empty row is zero and is not read.
    @inline(__always)
    static func addUpsampled(from a: UnsafeMutablePointer<SIMD4<Float>>, _ b: UnsafeMutablePointer<SIMD4<Float>>,
                             _ empty0: Bool, _ empty1: Bool, _ fy: Float,
                             blended: UnsafeMutablePointer<SIMD4<Float>>,
                             columns: [(Int32, Int32, Float)], low: Int, high: Int,
                             into values: UnsafeMutablePointer<SIMD4<Float>>, range: inout RowRange) {
        guard low < high else { return }
        columns.withUnsafeBufferPointer { cols in
            let first = Int(cols[low].0), last = Int(cols[high - 1].1)
            let w0 = 1 - fy, w1 = fy
            if empty1 {
                for j in first...last { blended[j] = a[j] * w0 }
            } else if empty0 {
                for j in first...last { blended[j] = b[j] * w1 }
            } else {
                for j in first...last { blended[j] = a[j] * w0 + b[j] * w1 }
            }
            for x in low..<high {
                let (j0, j1, fx) = cols[x]
                values[x] += blended[Int(j0)] * (1 - fx) + blended[Int(j1)] * fx
            }
        }
        range.include(low, high)
    }

    /// Composites one layer's row sums under what is already in front, and clears them. Four pixels at
    /// a time share one vector division; every lane computes exactly what the one-pixel tail does.
    @inline(__always)
    static func composite(_ sums: UnsafeMutablePointer<SIMD4<Float>>, range: RowRange,
                          accumulated: UnsafeMutablePointer<SIMD4<Float>>, transmittance: UnsafeMutablePointer<Float>) {
        var x = range.low
        while x + 4 <= range.high {
            let s0 = sums[x], s1 = sums[x + 1], s2 = sums[x + 2], s3 = sums[x + 3]
            (sums + x).update(repeating: .zero, count: 4)
            let weight = SIMD4<Float>(s0.w, s1.w, s2.w, s3.w)
            let covers = weight .> 1e-6
            if any(covers) {
                let alpha = weight.replacing(with: 1, where: weight .> 1)
                let t = UnsafeRawPointer(transmittance + x).loadUnaligned(as: SIMD4<Float>.self)
                let factor = t * alpha / weight
                if covers[0] { accumulated[x] += s0 * factor[0] }
                if covers[1] { accumulated[x + 1] += s1 * factor[1] }
                if covers[2] { accumulated[x + 2] += s2 * factor[2] }
                if covers[3] { accumulated[x + 3] += s3 * factor[3] }
                UnsafeMutableRawPointer(transmittance + x).storeBytes(of: t.replacing(with: t * (1 - alpha), where: covers),
                                                                      as: SIMD4<Float>.self)
            }
            x += 4
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
            x += 1
        }
    }

    /// Writes one output row: composited light divided by its coverage (planar R, G, B at `row`,
    /// `row + plane`, `row + 2·plane`), or `uncovered(x)` where nothing landed; resets the row's
    /// accumulators. Four pixels at a time are divided as R, G and B vectors (the same division per
    /// value as one pixel at a time).
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

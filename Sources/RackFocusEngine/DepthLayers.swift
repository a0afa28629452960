/// Depth layers: the frame's disparity range cut into slabs that are composited front to back.
///
/// Layers are fixed per input frame (they never depend on focus), so a focus pull cannot make
/// pixels jump between layers and pop. Cuts go where the disparity histogram is empty (real depth
/// edges: hard boundaries); a continuous surface thicker than one layer is cut evenly, and pixels
/// near such a cut are shared by the two layers with tent weights, so no seam shows on it.
struct DepthLayers: Sendable {
    /// Most layers a frame can have: the render keeps accumulator rows per layer and resolution
    /// level, so the cap bounds its scratch memory (`--layers` is checked against it).
    static let limit = 64

    /// Layer boundaries in disparity, ascending (far to near); layer i covers [bounds[i], bounds[i+1]).
    let bounds: [Float]
    /// Soft half-width (disparity) around each interior boundary; 0 where the cut is a hard gap.
    let softness: [Float]
    /// Lookup: per each of `lookupBins` equal disparity bins, the layer when the bin and its two
    /// neighbours hold no boundary (then `assign` needs no search), else −1 − (the layer one below
    /// the bin's low edge), where a step or two upwards finds the answer. Speed-up, schedule: the
    /// same layer as searching `bounds` (bit-identical).
    private var lookup: [Int32] = []
    private var lookupLow: Float = 0
    private var lookupScale: Float = 0
    private static let lookupBins = 4096

    var count: Int { bounds.count - 1 }

    /// - Parameters:
    ///   - disparity: the frame's disparity plane.
    ///   - pixelsPerDisparity: blur radius (px) per unit of disparity (the lens's K).
    ///   - layerThickness: the largest blur-radius spread (px) one layer may hold.
    ///   - maximumLayers: cap on the layer count (at most `DepthLayers.limit`).
    init(disparity: [Float], pixelsPerDisparity: Float, layerThickness: Float, maximumLayers: Int) {
        let (low, high) = Self.range(disparity)
        let k = max(pixelsPerDisparity, 1e-6)
        if !(high - low > 1e-9) || (high - low) * k < layerThickness * 0.25 {
            bounds = [low, high.nextUp]
            softness = []
            buildLookup()
            return
        }
        // Histogram in disparity.
        let binCount = 2048
        let binWidth = (high - low) / Float(binCount)
        var histogram = [Int](repeating: 0, count: binCount)
        var last = Float.nan, lastBin = 0, run = 0  // runs of one value are counted at once
        for d in disparity {
            if d == last { run += 1; continue }
            histogram[lastBin] += run
            let position = (d - low) / binWidth
            lastBin = position.isFinite ? min(binCount - 1, max(0, Int(position))) : 0
            last = d
            run = 1
        }
        histogram[lastBin] += run
        // Clusters separated by empty runs at least half a pixel of blur wide.
        let gapBins = max(1, Int(min(Float(binCount), (0.5 / k / binWidth).rounded(.up))))
        var clusters: [(first: Int, last: Int)] = []
        var bin = 0
        while bin < binCount {
            while bin < binCount && histogram[bin] == 0 { bin += 1 }
            guard bin < binCount else { break }
            let first = bin
            var last = bin
            var empty = 0
            while bin < binCount && empty < gapBins {
                if histogram[bin] == 0 { empty += 1 } else { empty = 0; last = bin }
                bin += 1
            }
            clusters.append((first, last))
        }
        // Split each cluster into even slabs no thicker than layerThickness.
        var pieces: [(lo: Float, hi: Float, slabs: Int)] = []
        for cluster in clusters {
            let lo = low + Float(cluster.first) * binWidth
            let hi = low + Float(cluster.last + 1) * binWidth
            let raw = ((hi - lo) * k / layerThickness).rounded(.up)
            let slabs = raw.isFinite ? max(1, Int(min(raw, 4096))) : 4096
            pieces.append((lo, hi, slabs))
        }
        // Respect the layer cap by merging the thinnest neighbouring pieces' slabs.
        let maximumLayers = max(1, min(maximumLayers, DepthLayers.limit))
        var total = pieces.reduce(0) { $0 + $1.slabs }
        while total > maximumLayers {
            // Reduce the piece with the most slabs first; then merge clusters.
            if let i = pieces.indices.max(by: { pieces[$0].slabs < pieces[$1].slabs }), pieces[i].slabs > 1 {
                pieces[i].slabs -= 1
            } else if pieces.count > 1 {
                // Merge the two neighbours with the smallest gap.
                var best = 0
                var bestGap = Float.infinity
                for i in 0..<pieces.count - 1 where pieces[i + 1].lo - pieces[i].hi < bestGap {
                    bestGap = pieces[i + 1].lo - pieces[i].hi
                    best = i
                }
                pieces[best] = (pieces[best].lo, pieces[best + 1].hi, 1)
                pieces.remove(at: best + 1)
            } else { break }
            total = pieces.reduce(0) { $0 + $1.slabs }
        }
        var bounds: [Float] = []
        var softness: [Float] = []
        for (index, piece) in pieces.enumerated() {
            let start = index == 0 ? low : (pieces[index - 1].hi + piece.lo) / 2
            bounds.append(start)
            if index > 0 { softness.append(0) }  // a gap: hard cut
            let step = (piece.hi - piece.lo) / Float(piece.slabs)
            for s in 1..<max(1, piece.slabs) {
                bounds.append(piece.lo + step * Float(s))
                softness.append(step * 0.25)
            }
        }
        bounds.append(high.nextUp)
        self.bounds = bounds
        self.softness = softness
        buildLookup()
    }

    /// Smallest and largest value (NaN ignored), eight lanes at a time.
    static func range(_ values: [Float]) -> (low: Float, high: Float) {
        values.withUnsafeBufferPointer { p in
            var low8 = SIMD8<Float>(repeating: .infinity), high8 = SIMD8<Float>(repeating: -.infinity)
            var i = 0
            if let base = p.baseAddress {
                while i + 8 <= p.count {
                    let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
                    low8.replace(with: v, where: v .< low8)  // (the generic pointwiseMin/Max are not inlined)
                    high8.replace(with: v, where: high8 .< v)
                    i += 8
                }
            }
            var low = low8.min(), high = high8.max()
            while i < p.count { low = min(low, p[i]); high = max(high, p[i]); i += 1 }
            return (low, high)
        }
    }

    private mutating func buildLookup() {
        let bounds = self.bounds
        let low = bounds[0], high = bounds[bounds.count - 1]
        lookupLow = low
        let binsPerDisparity = Float(DepthLayers.lookupBins) / (high - low)
        let scale: Float = high > low && binsPerDisparity.isFinite ? binsPerDisparity : 0
        lookupScale = scale
        func layer(at d: Float) -> Int {
            var layer = 0
            while layer + 1 < bounds.count - 1 && d >= bounds[layer + 1] { layer += 1 }
            return layer
        }
        func edge(_ bin: Int) -> Float { scale > 0 ? low + Float(bin) / scale : low }
        lookup = (0..<DepthLayers.lookupBins).map { bin in
            let below = layer(at: edge(bin))
            // Rounding may put d one bin off: only a layer that spans bins bin − 1 ... bin + 1 is certain.
            if scale > 0 && layer(at: edge(bin - 1)) == below && layer(at: edge(bin + 2)) == below {
                return Int32(below)
            }
            return Int32(-1 - max(0, below - 1))
        }
    }

    /// The layer of disparity d, and the weight it gives the next nearer layer (0 if none).
    @inline(__always)
    func assign(_ d: Float) -> (layer: Int, nearerWeight: Float, fartherWeight: Float) {
        let position = (d - lookupLow) * lookupScale
        let bin = position.isFinite ? max(0, min(DepthLayers.lookupBins - 1, Int(max(0, position)))) : 0
        var layer = position.isFinite ? Int(lookup[bin]) : -1
        if layer < 0 {
            layer = -1 - layer
            while layer + 1 < count && d >= bounds[layer + 1] { layer += 1 }
        }
        // Shared with the nearer layer above the top cut, or with the farther one below the bottom cut.
        if layer + 1 < count {
            let h = softness[layer]
            let cut = bounds[layer + 1]
            if h > 0 && d > cut - h { return (layer, (d - (cut - h)) / (2 * h), 0) }
        }
        if layer > 0 {
            let h = softness[layer - 1]
            let cut = bounds[layer]
            if h > 0 && d < cut + h { return (layer, 0, ((cut + h) - d) / (2 * h)) }
        }
        return (layer, 0, 0)
    }
}

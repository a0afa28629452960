import RackFocusCore

/// The depth-aware lens blur: layered row-span splatting.
///
/// For each output row, every source pixel whose aperture reaches that row adds one span of its
/// colour (colour / aperture area, its own radius: "scatter" semantics) to a per-layer difference
/// row: 4 read-modify-writes per span, O(r) per pixel. A prefix sum turns the difference rows
/// into layer colours, which are composited front to back with normalisation:
///
///     per layer:  α = min(1, Σw),  C = Σwc / Σw;    out += T·α·C,  T *= 1 − α;    pixel = out / (1 − T)
///
/// so a blurred foreground spreads over a sharp background, a blurred background never covers a
/// sharp foreground, and frame borders do not darken. Each output row is computed by one thread
/// in one fixed order, so results are bit-identical for any thread count.
///
/// The engine holds only tables fixed for a shot (aperture spans); it does no file I/O.
public final class DefocusEngine: Sendable {
    public let settings: DefocusSettings
    let kernel: ApertureKernel

    public init(settings: DefocusSettings) {
        self.settings = settings
        self.kernel = ApertureKernel(shape: settings.aperture, maximumRadius: Float(max(0, settings.maximumRadius)))
    }

    var threadCount: Int { settings.threads > 0 ? settings.threads : availableCores() }

    /// Convenience: prepare and render one frame.
    public func render(colour: PlanarImage, disparity: [Float], focusDistance: Double) -> PlanarImage {
        render(prepare(colour: colour, disparity: disparity, typicalFocus: focusDistance), focusDistance: focusDistance)
    }

    /// The blur model used for `focusDistance` on this frame.
    public func circleOfConfusion(focusDistance: Double, width: Int) -> CircleOfConfusion {
        settings.lens.circleOfConfusion(focus: focusDistance, imageWidth: width, maximumRadius: settings.maximumRadius)
    }

    /// Renders a prepared frame focused at `focusDistance` (metres). Returns linear RGB.
    public func render(_ frame: PreparedFrame, focusDistance: Double) -> PlanarImage {
        let coc = circleOfConfusion(focusDistance: focusDistance, width: frame.width)
        let sorted = frame.sources.map { sortByRadius($0, coc: coc, height: frame.height) }
        return splat(frame, sorted)
    }

    // MARK: - Per-focus sort

    /// A layer's sources with their kernel index, sorted per row by radius (largest first), so the
    /// splat loop stops at the first source whose kernel cannot reach the output row.
    struct SortedLayer: Sendable {
        var rowStart: [Int]
        var x: [Int32]
        /// How many rows the kernel reaches above and below (its extent).
        var extent: [Int32]
        /// Index in the kernel's span table of the kernel's middle row (dy = 0); −1 for a delta.
        var middleRow: [Int32]
        /// Colour already divided by the kernel's area.
        var colour: [SIMD4<Float>]
    }

    func sortByRadius(_ layer: LayerSources, coc: CircleOfConfusion, height: Int) -> SortedLayer {
        let n = layer.x.count
        var x = [Int32](repeating: 0, count: n)
        var extent = [Int32](repeating: 0, count: n)
        var middle = [Int32](repeating: 0, count: n)
        var c = [SIMD4<Float>](repeating: .zero, count: n)
        let maximumIndex = kernel.maximumIndex
        let inverseArea = kernel.inverseArea
        let kernelExtent = kernel.extent
        let kernelRow = kernel.rowStart
        x.withUnsafeMutableBufferPointer { xb in
        extent.withUnsafeMutableBufferPointer { eb in
            middle.withUnsafeMutableBufferPointer { mb in
                c.withUnsafeMutableBufferPointer { cb in
                    let xp = SharedPointer(base: xb.baseAddress!), ep = SharedPointer(base: eb.baseAddress!)
                    let mp = SharedPointer(base: mb.baseAddress!), cp = SharedPointer(base: cb.baseAddress!)
                    parallelFor(height, threads: threadCount, chunk: 32) { _, rows in
                        var keys: [UInt64] = []
                        for y in rows {
                            let start = layer.rowStart[y]
                            let end = layer.rowStart[y + 1]
                            keys.removeAll(keepingCapacity: true)
                            for e in start..<end {
                                let index = min(maximumIndex, ApertureKernel.index(coc.radius(disparity: layer.disparity[e])))
                                keys.append(UInt64(maximumIndex - index) << 32 | UInt64(e - start))
                            }
                            keys.sort()
                            for (j, key) in keys.enumerated() {
                                let e = start + Int(key & 0xFFFF_FFFF)
                                let index = maximumIndex - Int(key >> 32)
                                xp.base[start + j] = layer.x[e]
                                ep.base[start + j] = kernelExtent[index]
                                mp.base[start + j] = index == 0 ? -1 : kernelRow[index] + kernelExtent[index]
                                cp.base[start + j] = index == 0 ? layer.colour[e] : layer.colour[e] * inverseArea[index]
                            }
                        }
                    }
                }
            }
        }}
        return SortedLayer(rowStart: layer.rowStart, x: x, extent: extent, middleRow: middle, colour: c)
    }

    // MARK: - Splat and composite

    func splat(_ frame: PreparedFrame, _ layers: [SortedLayer]) -> PlanarImage {
        let width = frame.width
        let height = frame.height
        let layerCount = layers.count
        let reach = Int(kernel.extent[kernel.maximumIndex])
        let pad = reach + 2
        let rowStride = width + 2 * pad
        var output = PlanarImage(width: width, height: height, channels: 3)
        let kernel = self.kernel
        output.samples.withUnsafeMutableBufferPointer { outBuffer in
            let out = SharedPointer(base: outBuffer.baseAddress!)
            parallelFor(height, threads: threadCount, chunk: 4) { _, rows in
                // Per-worker scratch, reused for every row of this chunk.
                let difference = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: layerCount * rowStride)
                difference.initialize(repeating: .zero, count: layerCount * rowStride)
                let direct = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: layerCount * width)
                direct.initialize(repeating: .zero, count: layerCount * width)
                let accumulated = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: width)
                let transmittance = UnsafeMutablePointer<Float>.allocate(capacity: width)
                var active = [Bool](repeating: false, count: layerCount)
                defer {
                    difference.deallocate(); direct.deallocate(); accumulated.deallocate(); transmittance.deallocate()
                }
                kernel.left.withUnsafeBufferPointer { left in
                kernel.right.withUnsafeBufferPointer { right in
                    for y in rows {
                        for k in 0..<layerCount {
                            active[k] = Self.splatRow(
                                y: y, layer: layers[k], width: width, height: height, reach: reach, pad: pad,
                                difference: difference + k * rowStride, direct: direct + k * width,
                                left: left.baseAddress!, right: right.baseAddress!)
                        }
                        // Front (nearest layer) to back.
                        accumulated.initialize(repeating: .zero, count: width)
                        transmittance.initialize(repeating: 1, count: width)
                        for k in stride(from: layerCount - 1, through: 0, by: -1) where active[k] {
                            Self.compositeLayer(difference: difference + k * rowStride, direct: direct + k * width,
                                                width: width, pad: pad, accumulated: accumulated,
                                                transmittance: transmittance)
                        }
                        let plane = width * height
                        for x in 0..<width {
                            let covered = 1 - transmittance[x]
                            var pixel: SIMD4<Float>
                            if covered > 1e-6 {
                                pixel = accumulated[x] / covered
                            } else {
                                pixel = frame.colour[y * width + x]
                            }
                            out.base[y * width + x] = pixel.x
                            out.base[plane + y * width + x] = pixel.y
                            out.base[2 * plane + y * width + x] = pixel.z
                        }
                    }
                }}
            }
        }
        return output
    }

    /// Adds every span that reaches output row y from layer `layer` into its difference row
    /// (spans inside one pixel go straight to `direct`). Returns whether anything was added.
    @inline(__always)
    static func splatRow(y: Int, layer: SortedLayer, width: Int, height: Int, reach: Int, pad: Int,
                         difference: UnsafeMutablePointer<SIMD4<Float>>, direct: UnsafeMutablePointer<SIMD4<Float>>,
                         left: UnsafePointer<Float>, right: UnsafePointer<Float>) -> Bool {
        var touched = false
        layer.rowStart.withUnsafeBufferPointer { rowStart in
        layer.x.withUnsafeBufferPointer { xs in
        layer.extent.withUnsafeBufferPointer { extents in
        layer.middleRow.withUnsafeBufferPointer { middles in
        layer.colour.withUnsafeBufferPointer { cs in
            let offset = Float(pad) + 0.5
            for sy in max(0, y - reach)...min(height - 1, y + reach) {
                let dy = y - sy
                let distance = Int32(abs(dy))
                var e = rowStart[sy]
                let end = rowStart[sy + 1]
                while e < end {
                    if extents[e] < distance { break }  // sorted by radius: nothing further reaches
                    let c = cs[e]
                    let x = Int(xs[e])
                    let middle = Int(middles[e])
                    touched = true
                    if middle < 0 {  // a delta: in focus
                        direct[x] += c
                        e += 1
                        continue
                    }
                    let row = middle + dy
                    let a = Float(x) + offset + left[row]
                    let b = Float(x) + offset + right[row]
                    let i0 = Int(a)
                    let i1 = Int(b)
                    if i0 == i1 {
                        // The span lies inside one pixel: add its area directly (no cancellation error).
                        let px = i0 - pad
                        if px >= 0 && px < width { direct[px] += c * (b - a) }
                    } else {
                        let f0 = a - Float(i0)
                        let f1 = b - Float(i1)
                        difference[i0] += c * (1 - f0)
                        difference[i0 + 1] += c * f0
                        difference[i1] += c * (f1 - 1)
                        difference[i1 + 1] -= c * f1
                    }
                    e += 1
                }
            }
        }}}}}
        return touched
    }

    /// Prefix-sums one layer's difference row, composites it under what is already in front, and
    /// clears the row for the next use.
    @inline(__always)
    static func compositeLayer(difference: UnsafeMutablePointer<SIMD4<Float>>, direct: UnsafeMutablePointer<SIMD4<Float>>,
                               width: Int, pad: Int, accumulated: UnsafeMutablePointer<SIMD4<Float>>,
                               transmittance: UnsafeMutablePointer<Float>) {
        var running = SIMD4<Float>.zero
        for i in 0..<pad {
            running += difference[i]
            difference[i] = .zero
        }
        for x in 0..<width {
            running += difference[pad + x]
            difference[pad + x] = .zero
            let sum = running + direct[x]
            direct[x] = .zero
            let weight = sum.w
            if weight > 1e-6 {
                let alpha = min(1, weight)
                let t = transmittance[x]
                accumulated[x] += sum * (t * alpha / weight)
                transmittance[x] = t * (1 - alpha)
            }
        }
        for i in (pad + width)..<(2 * pad + width) { difference[i] = .zero }
    }
}

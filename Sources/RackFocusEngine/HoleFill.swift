import RackFocusCore

/// Pull-push extrapolation (Gortler et al. 1996; Kraus & Strengert 2007): fills the pixels where
/// `weight` is 0 with a smooth continuation of the pixels around them.
///
/// Used once per input frame and layer to invent the background hidden behind nearer layers, so a
/// blurred foreground edge shows plausible background instead of black or smeared foreground.
enum HoleFill {
    /// Pull-push on scratch buffers of width × height cells holding any 4 quantities (e.g. R, G, B,
    /// disparity) and a weight in [0, 1]: `initialize` writes the finest level's values and weights (both
    /// zero-filled; values are read where weight > 0), `use` reads the filled values (unchanged where
    /// weight == 1), valid only inside it.
    static func pullPush<Result>(width: Int, height: Int, pool: ArrayPool,
                                 initialize: (UnsafeMutablePointer<SIMD4<Float>>, UnsafeMutablePointer<Float>,
                                              UnsafeMutablePointer<Float>) -> Void,
                                 use: (UnsafePointer<SIMD4<Float>>, UnsafePointer<Float>) -> Result) -> Result {
        // Level sizes, finest first, down to 1 x 1.
        var sizes = [(width, height)]
        while sizes.last!.0 > 1 || sizes.last!.1 > 1 {
            let (w, h) = sizes.last!
            sizes.append(((w + 1) / 2, (h + 1) / 2))
        }
        var offsets = [0]
        for (w, h) in sizes { offsets.append(offsets.last! + w * h) }
        let total = offsets.last!
        // The finest level starts at zero; every coarser cell is written by the pull.
        var values: [SIMD4<Float>] = pool.unset(total)
        var weights: [Float] = pool.unset(total)
        var densities: [Float] = pool.unset(total)
        let result = values.withUnsafeMutableBufferPointer { values in
        weights.withUnsafeMutableBufferPointer { weights in
        densities.withUnsafeMutableBufferPointer { densities in
        let v = values.baseAddress!, wt = weights.baseAddress!, dn = densities.baseAddress!
        v.update(repeating: .zero, count: width * height)
        wt.update(repeating: 0, count: width * height)
        dn.update(repeating: 0, count: width * height)
        initialize(v, wt, dn)
        // Pull: each coarser cell holds the weighted average of its 2 x 2 children and min(1, Σw).
        for l in 1..<sizes.count {
            let (fw, fh) = sizes[l - 1]
            let (cw, ch) = sizes[l]
            let fv = v + offsets[l - 1], fwt = wt + offsets[l - 1]
            let cv = v + offsets[l], cwt = wt + offsets[l]
            let fdn = dn + offsets[l - 1], cdn = dn + offsets[l]
            for y in 0..<ch {
                let y0 = 2 * y, y1 = min(2 * y + 1, fh - 1)
                for x in 0..<cw {
                    let x0 = 2 * x, x1 = min(2 * x + 1, fw - 1)
                    var sum = fv[y0 * fw + x0] * fwt[y0 * fw + x0]
                    var total = fwt[y0 * fw + x0]
                    var density = fdn[y0 * fw + x0]
                    var children: Float = 1
                    if x1 != x0 {
                        sum += fv[y0 * fw + x1] * fwt[y0 * fw + x1]; total += fwt[y0 * fw + x1]
                        density += fdn[y0 * fw + x1]; children += 1
                    }
                    if y1 != y0 {
                        sum += fv[y1 * fw + x0] * fwt[y1 * fw + x0]; total += fwt[y1 * fw + x0]
                        density += fdn[y1 * fw + x0]; children += 1
                        if x1 != x0 {
                            sum += fv[y1 * fw + x1] * fwt[y1 * fw + x1]; total += fwt[y1 * fw + x1]
                            density += fdn[y1 * fw + x1]; children += 1
                        }
                    }
                    cv[y * cw + x] = total > 0 ? sum / total : .zero
                    cwt[y * cw + x] = min(1, total)
                    cdn[y * cw + x] = density / children
                }
            }
        }
        // Push: blend each level's holes with the bilinearly upsampled coarser level.
        for l in stride(from: sizes.count - 2, through: 0, by: -1) {
            let (fw, fh) = sizes[l]
            let (cw, ch) = sizes[l + 1]
            let fv = v + offsets[l], fwt = wt + offsets[l]
            let cv = v + offsets[l + 1]
            let fdn = dn + offsets[l], cdn = dn + offsets[l + 1]
            for y in 0..<fh {
                let cy = (Float(y) + 0.5) / 2 - 0.5
                let y0 = max(0, min(ch - 1, floorToInt(cy)))
                let y1 = min(ch - 1, y0 + 1)
                let fy = max(0, min(1, cy - Float(y0)))
                for x in 0..<fw {
                    let index = y * fw + x
                    let w = fwt[index]
                    if w >= 1 { continue }
                    let cx = (Float(x) + 0.5) / 2 - 0.5
                    let x0 = max(0, min(cw - 1, floorToInt(cx)))
                    let x1 = min(cw - 1, x0 + 1)
                    let fx = max(0, min(1, cx - Float(x0)))
                    let top = cv[y0 * cw + x0] * (1 - fx) + cv[y0 * cw + x1] * fx
                    let bottom = cv[y1 * cw + x0] * (1 - fx) + cv[y1 * cw + x1] * fx
                    fv[index] = fv[index] * w + (top * (1 - fy) + bottom * fy) * (1 - w)
                    let densityTop = cdn[y0 * cw + x0] * (1 - fx) + cdn[y0 * cw + x1] * fx
                    let densityBottom = cdn[y1 * cw + x0] * (1 - fx) + cdn[y1 * cw + x1] * fx
                    fdn[index] = fdn[index] * w + (densityTop * (1 - fy) + densityBottom * fy) * (1 - w)
                    fwt[index] = 1
                }
            }
        }
        return use(v, dn)
        }}}
        pool.give(consume values)
        pool.give(consume weights)
        pool.give(consume densities)
        return result
    }

    /// Chebyshev dilation of a mask by `radius` pixels (separable running counts; O(pixels)).
    static func dilate(_ mask: [Bool], width: Int, height: Int, radius: Int, pool: ArrayPool) -> [Bool] {
        guard radius > 0 else { return mask }
        var horizontal: [Bool] = pool.unset(mask.count)  // both written in full below
        var out: [Bool] = pool.unset(mask.count)
        // Wrapping arithmetic (`&+`, `&-`): indices lie in the mask (the tests before each read keep
        // them there) and counts are at most 2 · radius + 1.
        mask.withUnsafeBufferPointer { m in
        horizontal.withUnsafeMutableBufferPointer { h in
        out.withUnsafeMutableBufferPointer { o in
            for y in 0..<height {
                var count = 0
                let row = m.baseAddress! + y &* width, dilated = h.baseAddress! + y &* width
                var x = 0
                while x < min(width, radius) { if row[x] { count &+= 1 }; x &+= 1 }
                x = 0
                while x < width {
                    if x &+ radius < width && row[x &+ radius] { count &+= 1 }
                    if x &- radius &- 1 >= 0 && row[x &- radius &- 1] { count &-= 1 }
                    dilated[x] = count > 0
                    x &+= 1
                }
            }
            // Vertical pass row by row (cache-friendly): a running count per column.
            var counts = [Int32](repeating: 0, count: width)
            counts.withUnsafeMutableBufferPointer { c in
                @inline(__always) func add(row y: Int, _ step: Int32) {
                    let row = h.baseAddress! + y &* width
                    var x = 0
                    while x < width { if row[x] { c[x] &+= step }; x &+= 1 }
                }
                for y in 0..<min(height, radius) { add(row: y, 1) }
                for y in 0..<height {
                    if y &+ radius < height { add(row: y &+ radius, 1) }
                    if y &- radius &- 1 >= 0 { add(row: y &- radius &- 1, -1) }
                    let row = o.baseAddress! + y &* width
                    var x = 0
                    while x < width { row[x] = c[x] > 0; x &+= 1 }
                }
            }
        }}}
        pool.give(consume horizontal)
        return out
    }
}

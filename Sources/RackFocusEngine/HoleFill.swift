/// Pull-push extrapolation (Gortler et al. 1996; Kraus & Strengert 2007): fills the pixels where
/// `weight` is 0 with a smooth continuation of the pixels around them.
///
/// Used once per input frame and layer to invent the background hidden behind nearer layers, so a
/// blurred foreground edge shows plausible background instead of black or smeared foreground.
enum HoleFill {
    /// - Parameters:
    ///   - values: width × height values (any 4 quantities, e.g. R, G, B, disparity), read where weight > 0.
    ///   - weight: width × height weights in [0, 1].
    /// - Returns: values everywhere (unchanged where weight == 1).
    static func pullPush(values: [SIMD4<Float>], weight: [Float], width: Int, height: Int) -> [SIMD4<Float>] {
        // Pull: halve until one pixel remains. Each level stores weighted averages and min(1, Σw).
        var levels: [(v: [SIMD4<Float>], w: [Float], width: Int, height: Int)] = [(values, weight, width, height)]
        while levels.last!.width > 1 || levels.last!.height > 1 {
            let fine = levels.last!
            let w2 = (fine.width + 1) / 2
            let h2 = (fine.height + 1) / 2
            var v = [SIMD4<Float>](repeating: .zero, count: w2 * h2)
            var w = [Float](repeating: 0, count: w2 * h2)
            for y in 0..<h2 {
                for x in 0..<w2 {
                    var sum = SIMD4<Float>.zero
                    var total: Float = 0
                    for sy in (2 * y)..<min(2 * y + 2, fine.height) {
                        for sx in (2 * x)..<min(2 * x + 2, fine.width) {
                            let weight = fine.w[sy * fine.width + sx]
                            sum += fine.v[sy * fine.width + sx] * weight
                            total += weight
                        }
                    }
                    if total > 0 {
                        v[y * w2 + x] = sum / total
                        w[y * w2 + x] = min(1, total)
                    }
                }
            }
            levels.append((v, w, w2, h2))
        }
        // Push: blend each level's holes with the bilinearly upsampled coarser level.
        for l in stride(from: levels.count - 2, through: 0, by: -1) {
            let coarse = levels[l + 1]
            var fine = levels[l]
            for y in 0..<fine.height {
                // Position of this row's centre in the coarse grid.
                let cy = (Float(y) + 0.5) / 2 - 0.5
                let y0 = max(0, min(coarse.height - 1, Int(cy.rounded(.down))))
                let y1 = min(coarse.height - 1, y0 + 1)
                let fy = max(0, min(1, cy - Float(y0)))
                for x in 0..<fine.width {
                    let index = y * fine.width + x
                    let w = fine.w[index]
                    if w >= 1 { continue }
                    let cx = (Float(x) + 0.5) / 2 - 0.5
                    let x0 = max(0, min(coarse.width - 1, Int(cx.rounded(.down))))
                    let x1 = min(coarse.width - 1, x0 + 1)
                    let fx = max(0, min(1, cx - Float(x0)))
                    let top = coarse.v[y0 * coarse.width + x0] * (1 - fx) + coarse.v[y0 * coarse.width + x1] * fx
                    let bottom = coarse.v[y1 * coarse.width + x0] * (1 - fx) + coarse.v[y1 * coarse.width + x1] * fx
                    let up = top * (1 - fy) + bottom * fy
                    fine.v[index] = fine.v[index] * w + up * (1 - w)
                    fine.w[index] = 1
                }
            }
            levels[l] = fine
        }
        return levels[0].v
    }

    /// Chebyshev dilation of a mask by `radius` pixels (separable running counts; O(pixels)).
    static func dilate(_ mask: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        guard radius > 0 else { return mask }
        var horizontal = [Bool](repeating: false, count: mask.count)
        for y in 0..<height {
            var count = 0
            let row = y * width
            for x in 0..<min(width, radius) where mask[row + x] { count += 1 }
            for x in 0..<width {
                if x + radius < width && mask[row + x + radius] { count += 1 }
                if x - radius - 1 >= 0 && mask[row + x - radius - 1] { count -= 1 }
                horizontal[row + x] = count > 0
            }
        }
        var out = [Bool](repeating: false, count: mask.count)
        for x in 0..<width {
            var count = 0
            for y in 0..<min(height, radius) where horizontal[y * width + x] { count += 1 }
            for y in 0..<height {
                if y + radius < height && horizontal[(y + radius) * width + x] { count += 1 }
                if y - radius - 1 >= 0 && horizontal[(y - radius - 1) * width + x] { count -= 1 }
                out[y * width + x] = count > 0
            }
        }
        return out
    }
}

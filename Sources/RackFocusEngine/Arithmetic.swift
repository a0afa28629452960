/// ⌊x⌋ as an Int for |x| < 2^31, without a libm call (`rounded(.down)` calls floorf): used where a
/// floor is taken per pixel or per source. Exact, so results are the same as with `rounded(.down)`.
@inline(__always)
func floorToInt(_ x: Float) -> Int {
    let truncated = Int(x)
    return x < Float(truncated) ? truncated - 1 : truncated
}

/// Int32(v) lane by lane, for 0 ≤ v < 2^22 (the same integers), without a check and a branch per
/// lane: adding 2^23 rounds v to the nearest integer, which lands in the sum's low mantissa bits;
/// one less where that rounded up. Used where four values are truncated per block of pixels (the
/// generic SIMD conversion is not specialised).
@inline(__always)
func truncatedToInt32(_ v: SIMD4<Float>) -> SIMD4<Int32> {
    let magic = SIMD4<Float>(repeating: 0x1p23)
    let shifted = v + magic
    let nearest = unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- 0x4B00_0000  // the bits of 2^23
    return nearest.replacing(with: nearest &- 1, where: shifted - magic .> v)
}

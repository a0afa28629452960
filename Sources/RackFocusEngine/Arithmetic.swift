/// ⌊x⌋ as an Int for |x| < 2^31, without a libm call (`rounded(.down)` calls floorf): used where a
/// floor is taken per pixel or per source. Exact, so results are the same as with `rounded(.down)`.
@inline(__always)
func floorToInt(_ x: Float) -> Int {
    let truncated = Int(x)
    return x < Float(truncated) ? truncated - 1 : truncated
}

/// The keyframe segment that governs a frame: indices of the keys before and after it and the
/// linear progress between them. Before the first and after the last key the value holds
/// (both indices name that key, progress 0).
func keySegment(frames: [Int], at frame: Int) -> (from: Int, to: Int, progress: Double) {
    let last = frames.count - 1
    if frame <= frames[0] { return (0, 0, 0) }
    if frame >= frames[last] { return (last, last, 0) }
    var index = 1
    while frames[index] <= frame { index += 1 }
    // In Double: the difference of two frame numbers far apart (user keys at ±Int.max) overflows Int.
    return (index - 1, index, (Double(frame) - Double(frames[index - 1])) / (Double(frames[index]) - Double(frames[index - 1])))
}

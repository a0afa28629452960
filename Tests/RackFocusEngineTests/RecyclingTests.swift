import Testing
import RackFocusCore
@testable import RackFocusEngine

@Suite struct RecyclingTests {
    /// Frames, outputs and the engine's own level lists recycled through the pool (stale contents,
    /// frames of two sizes, two threads) give exactly what a fresh engine gives.
    @Test func recycledMemoryNeverChangesAResult() {
        let recycling = Scene.linearEngine(threads: 2, maximum: 16)
        let sizes = [(256, 160), (240, 150)]
        var scenes: [(PlanarImage, [Float])] = []
        for (width, height) in sizes {
            let image = Scene.image(width: width, height: height) { x, y in
                (x * 7 + y * 3) % 41 == 0 ? SIMD3(4, 4, 4) : SIMD3(Float(x % 9) / 9, Float(y % 5) / 5, 0.4)
            }
            let disparity = Scene.disparity(width: width, height: height) { x, y in
                let dx = x - width / 3, dy = y - height / 2
                return dx * dx + dy * dy < 40 * 40 ? 0.6 : (x > width / 2 ? 1.5 : 4 + Float(y) / 100)
            }
            scenes.append((image, disparity))
        }
        for round in 0..<2 {
            for (image, disparity) in scenes {
                let frame = recycling.prepare(colour: image, disparity: disparity)
                for focus in [0.6, 2.0] {
                    let fresh = Scene.linearEngine(threads: 1, maximum: 16).render(colour: image, disparity: disparity,
                                                                                   focusDistance: focus)
                    let out = recycling.render(frame, focusDistance: focus)
                    #expect(out.samples == fresh.samples, "round \(round), \(image.width)x\(image.height), focus \(focus)")
                    recycling.recycle(out)
                }
                recycling.recycle(frame)
            }
        }
        #expect(recycling.pool.heldBytes > 0)
    }
}

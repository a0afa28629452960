import Testing
@testable import RackFocusCore
@testable import RackFocusEngine

@Suite struct ArrayPoolTests {
    static func address<T>(_ array: [T]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func givenBackArraysAreHandedOutAgain() {
        let pool = ArrayPool()
        var first: [Float] = pool.unset(300_000)
        first[299_999] = 7
        let storage = Self.address(first)
        pool.give(consume first)
        #expect(pool.heldBytes >= 300_000 * 4)
        // A request within 4x of the kept capacity reuses it; contents are whatever it held (unset).
        let again: [Float] = pool.unset(200_000)
        #expect(again.count == 200_000)
        #expect(Self.address(again) == storage)
        #expect(pool.heldBytes == 0)
        pool.give(consume again)  // (a copy still alive elsewhere would make the next user copy it)
        // `filled` sets every element, also in a reused array that held other values.
        let filled: [Float] = pool.filled(250_000, with: 3)
        #expect(Self.address(filled) == storage)
        #expect(filled.count == 250_000 && filled.allSatisfy { $0 == 3 })
        pool.give(consume filled)
        let empty: [Float] = pool.empty(capacity: 150_000)  // (the kept capacity is 2^19: within 4x)
        #expect(empty.isEmpty && empty.capacity >= 150_000 && Self.address(empty) == storage)
    }

    @Test func smallRequestsLeaveBigArraysAndSmallArraysAreNotKept() {
        let pool = ArrayPool()
        let big: [SIMD4<Float>] = pool.unset(1 << 20)  // 16 MB
        pool.give(big)
        let held = pool.heldBytes
        let small: [SIMD4<Float>] = pool.unset(100_000)  // 1.6 MB: less than a quarter of the big one
        #expect(pool.heldBytes == held, "a small request must not take a big array")
        pool.give(small)
        let tiny: [Float] = pool.unset(1000)  // 4 KB: malloc's business
        pool.give(tiny)
        #expect(pool.heldBytes == held + small.capacity * 16)
    }

    @Test func keepsNoMoreThanItsLimit() {
        let pool = ArrayPool(limit: 1 << 20)
        for _ in 0..<3 { pool.give(pool.unset(100_000) as [Float]) }  // 3 x 512 KB (rounded capacity)
        #expect(pool.heldBytes <= 1 << 20)
        #expect(pool.heldBytes > 0)
    }

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

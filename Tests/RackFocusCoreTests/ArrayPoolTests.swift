import Testing
@testable import RackFocusCore

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

    /// Conversions that take their memory from the pool write every sample: stale contents of a
    /// reused array never show (8-bit sRGB in, RGBA 16-bit in, 8-bit sRGB out).
    @Test func pooledConversionsEqualFreshOnes() {
        let pool = ArrayPool()
        let (w, h) = (320, 240)
        let rgb8 = RasterImage(width: w, height: h, channels: 3,
                               samples: .uint8((0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 9) }))
        let rgba16 = RasterImage(width: w, height: h, channels: 4,
                                 samples: .uint16((0..<(w * h * 4)).map { UInt16(truncatingIfNeeded: $0 &* 40503) }))
        for raster in [rgb8, rgba16] {
            let count = w * h * raster.channels
            pool.give([Float](repeating: .nan, count: count))  // stale contents
            let held = pool.heldBytes
            let pooled = raster.planar(transfer: .sRGB, pool: pool)
            #expect(pool.heldBytes < held, "the conversion took the pooled array")
            let fresh = raster.planar(transfer: .sRGB)
            #expect(pooled.samples == fresh.samples)
            pool.give([UInt8](repeating: 0xAB, count: count))
            let encoded = fresh.raster(format: .uint8, transfer: .sRGB, pool: pool)
            #expect(encoded == fresh.raster(format: .uint8, transfer: .sRGB))
            #expect(pool.heldBytes < held)
        }
    }
}

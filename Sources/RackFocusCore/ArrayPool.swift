#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Element types the pool hands out; `poolFill` pads an array grown within its capacity.
public protocol PoolElement: BitwiseCopyable {
    static var poolFill: Self { get }
}

extension Float: PoolElement { public static var poolFill: Float { 0 } }
extension Int: PoolElement { public static var poolFill: Int { 0 } }
extension Int32: PoolElement { public static var poolFill: Int32 { 0 } }
extension Int8: PoolElement { public static var poolFill: Int8 { 0 } }
extension UInt8: PoolElement { public static var poolFill: UInt8 { 0 } }
extension UInt64: PoolElement { public static var poolFill: UInt64 { 0 } }
extension UInt16: PoolElement { public static var poolFill: UInt16 { 0 } }
extension Bool: PoolElement { public static var poolFill: Bool { false } }
extension SIMD4: PoolElement where Scalar == Float { public static var poolFill: SIMD4<Float> { .zero } }

/// Big arrays kept from frame to frame: the engine's scratch memory, and in a sequence render also
/// the decoded files, their planar conversions and the encoded output's samples.
///
/// A 1080p frame needs a few hundred MB of short-lived arrays (decoded pixels, colour, layer lists,
/// level lists, the output). Allocated afresh, every one of those pages is mapped and zeroed by the kernel again each
/// frame: on these machines that cost as much as the rendering itself. Big arrays given back here are
/// handed out again, so a sequence of frames allocates almost nothing after its first frame. New big
/// arrays get a capacity rounded up to a power of two and a request takes the smallest kept array
/// with room for it but less than 4x the room, so arrays of frames whose lists differ a little in
/// length serve each other and a small request never takes a big array. Small arrays (< 256 KB) are
/// left to malloc, which keeps them in its heap anyway. Contents of a reused array are whatever it
/// held: `unset` is only for arrays whose every element is written before it is read; `filled` and
/// `empty` say what they give.
///
/// The element-wise parts (`unset`, `filled`, `empty`) are `@inlinable`: called from other modules,
/// a generic fill would otherwise run unspecialised, one runtime value-witness call per element.
///
/// Bounded: at most `limit` bytes are kept (beyond that a given-back array is simply freed), and the
/// pool holds only arrays given back to it. Thread-safe; which array is reused never changes a result.
/// An array given back while something else still holds it is safe too (copy-on-write: whoever
/// writes to it first gets a copy), it only saves nothing.
public final class ArrayPool: @unchecked Sendable {
    /// Kept arrays of one element type.
    private final class Shelf<T> {
        var arrays: [[T]] = []
    }
    private var shelves: [ObjectIdentifier: AnyObject] = [:]
    private var bytes = 0
    public let limit: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Arrays smaller than this many bytes are not pooled.
    @usableFromInline static let smallest = 256 << 10

    public init(limit: Int = 1 << 30) {
        self.limit = limit
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Bytes held now (for tests).
    public var heldBytes: Int {
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        return bytes
    }

    /// The smallest kept array of T with room for `capacity` elements, removed from the pool; of those,
    /// the one whose count is closest to `capacity` from above (none to pad, least to cut), else the longest.
    @usableFromInline func takeArray<T: PoolElement>(capacity: Int) -> [T]? {
        guard capacity * MemoryLayout<T>.stride >= Self.smallest else { return nil }
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        guard let shelf = shelves[ObjectIdentifier(T.self)] as! Shelf<T>? else { return nil }
        var best = -1, bestCapacity = Int.max, bestMiss = Int.max
        for i in shelf.arrays.indices {
            let c = shelf.arrays[i].capacity
            guard c >= capacity && c / 4 < capacity && c <= bestCapacity else { continue }
            let count = shelf.arrays[i].count
            let miss = count >= capacity ? count - capacity : c + capacity - count  // padding is worse than cutting
            if c < bestCapacity || miss < bestMiss { best = i; bestCapacity = c; bestMiss = miss }
        }
        guard best >= 0 else { return nil }
        let array = shelf.arrays.remove(at: best)
        bytes -= array.capacity * MemoryLayout<T>.stride
        return array
    }

    /// Capacity of a new array for `count` elements: big ones get a power of two (see the type's note).
    @usableFromInline static func room<T>(_ count: Int, _: T.Type) -> Int {
        count * MemoryLayout<T>.stride < smallest ? count : 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
    }

    /// `count` elements, unset (see the type's note). A new array is not zero-filled either: at 1080p
    /// that would be ~150 MB of memory writes per frame.
    @inlinable public func unset<T: PoolElement>(_ count: Int) -> [T] {
        guard var array: [T] = takeArray(capacity: count) else {
            // (An empty array is the runtime's shared empty storage: setting its count from several
            // threads at once is a data race, so it is not touched.)
            return count == 0 ? [] : [T](unsafeUninitializedCapacity: Self.room(count, T.self)) { _, initialized in
                initialized = count
            }
        }
        if array.count > count {
            array.removeLast(array.count - count)
        } else if array.count < count {
            // Grown within its capacity: appended from a small block of fill values, a memcpy per block
            // (appending a repeated element goes element by element).
            withUnsafeTemporaryAllocation(of: T.self, capacity: 4096) { block in
                block.initialize(repeating: T.poolFill)
                while array.count < count {
                    array.append(contentsOf: UnsafeBufferPointer(rebasing: block[0..<min(block.count, count - array.count)]))
                }
            }
        }
        return array
    }

    /// `count` copies of `value`.
    @inlinable public func filled<T: PoolElement>(_ count: Int, with value: T) -> [T] {
        var array: [T] = unset(count)
        array.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
        return array
    }

    /// An empty array with room for at least `capacity` elements.
    @inlinable public func empty<T: PoolElement>(capacity: Int) -> [T] {
        guard var array: [T] = takeArray(capacity: capacity) else {
            var made: [T] = []
            made.reserveCapacity(Self.room(capacity, T.self))
            return made
        }
        array.removeAll(keepingCapacity: true)
        return array
    }

    /// Keeps `array` for reuse (or frees it when the pool is full).
    public func give<T: PoolElement>(_ array: consuming [T]) {
        let size = array.capacity * MemoryLayout<T>.stride
        guard size >= Self.smallest else { return }
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        guard bytes + size <= limit else { return }
        bytes += size
        let key = ObjectIdentifier(T.self)
        if shelves[key] == nil { shelves[key] = Shelf<T>() }
        (shelves[key] as! Shelf<T>).arrays.append(array)
    }
}

extension ArrayPool {
    /// `count` unset elements (every one must be written before it is read): from `pool` when there
    /// is one, else a new array. For code that works with or without a pool.
    @inlinable public static func unset<T: PoolElement>(_ count: Int, from pool: ArrayPool?) -> [T] {
        if let pool { return pool.unset(count) }
        return count == 0 ? [] : [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Gives a raster's samples back (a decoded file, once converted).
    public func give(_ raster: consuming RasterImage) {
        switch raster.samples {
        case .uint8(let values): give(values)
        case .uint16(let values): give(values)
        case .float32(let values): give(values)
        }
    }
}

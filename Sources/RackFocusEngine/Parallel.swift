import Dispatch

/// Runs `body(worker, items)` over 0..<count in chunks of `chunk` items on `threads` workers. Worker w
/// takes the fixed chunks w, w + workers, ..., so which thread computes an item never changes what it
/// computes: results are identical for any thread count.
func parallelFor(_ count: Int, threads: Int, chunk: Int = 8, _ body: @Sendable (_ worker: Int, _ items: Range<Int>) -> Void) {
    let workers = max(1, min(threads, (count + chunk - 1) / chunk))
    if workers == 1 {
        var start = 0
        while start < count {
            body(0, start..<min(count, start + chunk))
            start += chunk
        }
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var start = worker * chunk
        while start < count {
            body(worker, start..<min(count, start + chunk))
            start += workers * chunk
        }
    }
}

/// One result slot per item, written by parallel workers: each slot is written by one worker only,
/// through raw storage (never through a shared Array, whose copy-on-write bookkeeping would race).
final class Slots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(1, count))
        storage.initialize(repeating: nil, count: max(1, count))
    }

    deinit {
        storage.deinitialize(count: max(1, count))
        storage.deallocate()
    }

    func store(_ index: Int, _ value: T) { storage[index] = value }

    func value(_ index: Int) -> T? { storage[index] }

    /// All values, once every slot has been stored.
    func values() -> [T] { (0..<count).map { storage[$0]! } }

    /// All values, moved out (the slots are left empty).
    func takeValues() -> [T] { (0..<count).map { storage[$0].take()! } }
}

/// A pointer shared by workers that write disjoint parts of one buffer.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// Number of CPU cores available to this process.
public func availableCores() -> Int {
    max(1, sysconfCores())
}

#if canImport(Glibc)
import Glibc
private func sysconfCores() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Darwin
private func sysconfCores() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif

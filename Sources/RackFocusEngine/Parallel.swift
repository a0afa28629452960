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

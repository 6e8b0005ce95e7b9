import Foundation

/// Exclusive use of the database's writer connection, handed out first come, first served.
///
/// SQLite has one writer; GRDB serializes the statements on it, but a unit of work keeps a transaction open on
/// it across several accesses (and across suspension points of the code in between), so every write waits for
/// the lease first. An async waiter is suspended, not blocked: a unit whose code awaits something can always
/// go on, however many writes are waiting. A blocking waiter (setup code, see
/// ``IMISDatabase/writeBlocking(_:)``) holds its thread.
final class WriterLease: @unchecked Sendable {
    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)
    }

    private let lock = NSLock()
    // Guarded by `lock`.
    private var held = false
    private var waiters: [Waiter] = []
    private var head = 0

    /// Waits (suspended) until the lease is this task's.
    func acquire() async {
        if lock.withLock({ takeIfFree() }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = lock.withLock {
                if takeIfFree() { return true }
                waiters.append(.task(continuation))
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Waits (blocking the thread) until the lease is the caller's.
    func acquireBlocking() {
        let semaphore = DispatchSemaphore(value: 0)
        let granted = lock.withLock {
            if takeIfFree() { return true }
            waiters.append(.thread(semaphore))
            return false
        }
        if !granted { semaphore.wait() }
    }

    /// Hands the lease to the longest waiter, or frees it.
    func release() {
        wake(lock.withLock { nextWaiter(freeing: true) })
    }

    /// Hands the lease to the longest waiter and returns true; with nobody waiting, keeps it (the caller still
    /// holds it) and returns false. A waiter never leaves the queue, so a holder that saw ``hasWaiters`` true is
    /// sure to hand over.
    func handOver() -> Bool {
        guard let next = lock.withLock({ nextWaiter(freeing: false) }) else { return false }
        wake(next)
        return true
    }

    /// Whether someone waits for the lease.
    var hasWaiters: Bool { waiterCount > 0 }

    /// How many wait for the lease.
    var waiterCount: Int { lock.withLock { waiters.count - head } }

    /// The longest waiter, taken from the queue; nil when nobody waits (then the lease is freed if `freeing`).
    private func nextWaiter(freeing: Bool) -> Waiter? {
        guard head < waiters.count else {
            if freeing { held = false }
            waiters.removeAll(keepingCapacity: true)
            head = 0
            return nil
        }
        let waiter = waiters[head]
        head += 1
        if head >= 1024 {
            waiters.removeFirst(head)
            head = 0
        }
        return waiter
    }

    private func wake(_ waiter: Waiter?) {
        switch waiter {
        case .task(let continuation): continuation.resume()
        case .thread(let semaphore): semaphore.signal()
        case nil: break
        }
    }

    private func takeIfFree() -> Bool {
        if held { return false }
        held = true
        return true
    }
}

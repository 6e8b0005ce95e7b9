import Foundation
import Synchronization

/// Sign-in failures counted in this process, for a database without the project's table of them (an openIMIS
/// database served as it is): the lockout rule still holds, per instance, until the database is migrated.
final class LoginFailureMemory: Sendable {
    private let entries = Mutex<[String: LoginThrottle]>([:])
    /// Login names kept at most; beyond it, names that are not locked are forgotten first.
    static let capacity = 10_000

    /// Counts one failure of `username`, under the same rules as the table (a lock that has run out starts a new
    /// count; `limit` failures in a row lock the name for `lockFor`).
    func record(_ username: String, now: Date, limit: Int, lockFor: TimeInterval) -> LoginThrottle {
        entries.withLock { entries in
            var current = entries[username] ?? LoginThrottle(failures: 0, lockedUntil: nil)
            if let until = current.lockedUntil, until <= now { current = LoginThrottle(failures: 0, lockedUntil: nil) }
            current.failures += 1
            current.lockedUntil = current.failures >= limit ? now.addingTimeInterval(lockFor) : nil
            if entries[username] == nil, entries.count >= Self.capacity {
                entries = entries.filter { $0.value.lockedUntil.map { $0 > now } ?? false }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[username] = current
            return current
        }
    }

    /// The counter of `username`.
    func throttle(_ username: String) -> LoginThrottle? {
        entries.withLock { $0[username] }
    }

    /// Forgets `username` (after a successful sign-in).
    func clear(_ username: String) {
        _ = entries.withLock { $0.removeValue(forKey: username) }
    }
}

import NIOConcurrencyHelpers

/// How the one-time-code challenges of the process went, for `/metrics`: started, verified, failed (a wrong,
/// expired, used or unknown code) and locked (the wrong code that used up the last attempt). Never a code, an id or
/// a destination.
public final class OTPStatistics: Sendable {
    /// A reading of the counters.
    public struct Reading: Sendable, Hashable {
        public var started = 0
        public var verified = 0
        public var failed = 0
        public var locked = 0
    }

    /// The counters of the process.
    public static let shared = OTPStatistics()
    private let state = NIOLockedValueBox(Reading())

    init() {}

    /// The counters now.
    public var reading: Reading { state.withLockedValue { $0 } }

    /// A challenge was started (202).
    public func started() { state.withLockedValue { $0.started += 1 } }
    func verified() { state.withLockedValue { $0.verified += 1 } }
    /// A verification failed; `locked` when it used the challenge's last attempt.
    func failed(locked: Bool) {
        state.withLockedValue {
            $0.failed += 1
            if locked { $0.locked += 1 }
        }
    }
}

import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Keeps the number of open connections at `HTTP_MAX_CONNECTIONS` without locking clients out.
///
/// Accepting stops only while every connection has a request in flight. When a connection is accepted past the
/// limit, the connections idle the longest (no request in flight, not even a partial head) are closed to make
/// room: an idle keep-alive connection costs its client nothing to reopen, while a client kept out cannot be
/// served at all. A thousand idle connections therefore cannot lock anyone out, and the limit keeps `accept`
/// below the open-file limit.
///
/// Connections register when set up and report each change between idle and busy; the server channel calls
/// ``opened()``, ``closed()`` and ``isAccepting`` through ``delegate``.
final class ConnectionGovernor: Sendable {
    /// One connection: how to ask it to close if still idle, and since when it is idle (nil: busy).
    struct Entry {
        let evict: @Sendable () -> Void
        var idleSince: NIODeadline?
        var evicting = false
    }

    struct State {
        var open = 0
        var entries: [Int: Entry] = [:]
        var nextID = 0
        var serverChannel: (any Channel)?
    }

    let maximum: Int
    private let state = NIOLockedValueBox(State())

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// The delegate Hummingbird's accept handler consults.
    var delegate: Delegate { Delegate(governor: self) }

    /// ``ConnectionGovernor`` as Hummingbird's `AvailableConnectionsDelegate`.
    struct Delegate: AvailableConnectionsDelegate {
        let governor: ConnectionGovernor
        func connectionOpened() { governor.opened() }
        func connectionClosed() { governor.closed() }
        func isAcceptingNewConnections() -> Bool { governor.isAccepting }
    }

    /// The listening channel, so that accepting can resume as soon as a connection turns idle.
    func serverStarted(_ channel: any Channel) {
        state.withLockedValue { $0.serverChannel = channel }
    }

    /// Whether another connection may be accepted: below the limit, or one can be made room for.
    var isAccepting: Bool {
        state.withLockedValue { state in
            let evicting = state.entries.values.count { $0.evicting }
            return state.open - evicting < maximum || state.entries.values.contains { $0.idleSince != nil && !$0.evicting }
        }
    }

    /// A connection was accepted: past the limit, the longest-idle connections are asked to close.
    func opened() {
        let victims = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.open += 1
            let evicting = state.entries.values.count { $0.evicting }
            let excess = state.open - evicting - maximum
            guard excess > 0 else { return [] }
            let idle = state.entries.filter { $0.value.idleSince != nil && !$0.value.evicting }
                .sorted { ($0.value.idleSince ?? .distantFuture) < ($1.value.idleSince ?? .distantFuture) }
                .prefix(excess)
            for (id, _) in idle { state.entries[id]?.evicting = true }
            return idle.map { $0.value.evict }
        }
        for evict in victims { evict() }
    }

    func closed() {
        state.withLockedValue { $0.open -= 1 }
    }

    /// Registers a new connection (idle until its first byte); answers its id.
    func register(evict: @escaping @Sendable () -> Void) -> Int {
        state.withLockedValue { state in
            state.nextID += 1
            state.entries[state.nextID] = Entry(evict: evict, idleSince: .now())
            return state.nextID
        }
    }

    func unregister(_ id: Int) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }

    /// The connection has no request in flight (true) or has one (false). A connection asked to close that turned
    /// busy in the meantime declines, and may be chosen again once idle.
    func report(_ id: Int, idle: Bool) {
        let wake = state.withLockedValue { state -> (any Channel)? in
            guard state.entries[id] != nil else { return nil }
            state.entries[id]?.idleSince = idle ? .now() : nil
            if !idle { state.entries[id]?.evicting = false }
            return idle && state.open >= maximum ? state.serverChannel : nil
        }
        // Accepting may be paused because every connection was busy: this one can now make room.
        wake?.read()
    }
}

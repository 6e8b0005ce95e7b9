import Foundation

/// The last messages sent, kept in memory so that a developer can read an OTP without an SMS gateway or a mail
/// server. Exists only in `MODE=DEV` (security.md: the code never appears in an API answer otherwise).
public final class DevelopmentOutbox: Sendable {
    /// How many messages are kept (the oldest go first).
    public let capacity: Int
    private let messages = Locked<[OutgoingMessage]>([])

    /// An outbox when `mode` is `DEV`, nil otherwise.
    public static func forMode(_ mode: String, capacity: Int = 50) -> DevelopmentOutbox? {
        mode.uppercased() == "DEV" ? DevelopmentOutbox(capacity: capacity) : nil
    }

    private init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func record(_ message: OutgoingMessage) {
        messages.withLock { list in
            list.append(message)
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }

    /// The kept messages, newest first.
    public func recent() -> [OutgoingMessage] {
        messages.withLock { Array($0.reversed()) }
    }

    /// Forgets every kept message.
    public func clear() {
        messages.withLock { $0.removeAll() }
    }
}

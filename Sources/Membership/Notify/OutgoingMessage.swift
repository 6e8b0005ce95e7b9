import Foundation
import IMISData

/// One message to a person: an OTP, a policy reminder, a payment receipt.
///
/// Its text may hold a secret (an OTP): it is never logged, and its `description` says only where it goes.
public struct OutgoingMessage: Sendable, Hashable, CustomStringConvertible {
    /// The channel that carries it.
    public var channel: ContactChannel
    /// A phone number (SMS), an e-mail address (e-mail) or a device registration token (push).
    public var destination: String
    /// E-mail subject or push notification title (unused by SMS).
    public var subject: String
    /// The text: e-mail body, SMS text, push notification body.
    public var text: String
    /// Key-value data for the app (push only).
    public var data: [String: String]

    public init(channel: ContactChannel, destination: String, subject: String, text: String, data: [String: String] = [:]) {
        self.channel = channel
        self.destination = destination
        self.subject = subject
        self.text = text
        self.data = data
    }

    public var description: String { "OutgoingMessage(\(channel.rawValue))" }
}

/// A way of delivering messages of one channel kind.
public protocol MessageChannel: Sendable {
    /// The kind of message it delivers.
    var channel: ContactChannel { get }
    /// Delivers `message` once (the `Notifier` retries). Throws `DeliveryError.permanent` when trying again
    /// cannot help; any other error counts as transient.
    func deliver(_ message: OutgoingMessage) async throws
}

/// Why a delivery failed. Descriptions never carry the message's text.
public enum DeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Trying again cannot help (a refused recipient, an unregistered device, a bad request).
    case permanent(String)
    /// May work later (a timeout, a 5xx, a 4xx SMTP reply).
    case transient(String)
    /// No channel of this kind is configured.
    case noChannel(ContactChannel)

    public var description: String {
        switch self {
        case .permanent(let reason): return "permanent delivery failure: \(reason)"
        case .transient(let reason): return "transient delivery failure: \(reason)"
        case .noChannel(let kind): return "no \(kind.rawValue) channel configured"
        }
    }

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        if case .transient = self { return true }
        return false
    }
}

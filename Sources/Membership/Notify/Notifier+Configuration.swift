import Foundation
import IMISData
import Logging

extension NotificationConfiguration {
    /// The channels these settings configure: e-mail, FCM push (pruning tokens in `pushTokens`), SMS gateway.
    public func makeChannels(pushTokens: (any PushTokenStore)?,
                             logger: Logger = Logger(label: "imis.notify")) throws -> [any MessageChannel] {
        var channels: [any MessageChannel] = []
        if let email { channels.append(try EmailChannel(configuration: email)) }
        if let fcm { channels.append(FCMChannel(configuration: fcm, pushTokens: pushTokens, logger: logger)) }
        if let sms { channels.append(SMSGatewayChannel(configuration: sms)) }
        return channels
    }

    /// A notifier over the configured channels; `outbox` (`DevelopmentOutbox.forMode(mode)`) only in `MODE=DEV`.
    public func makeNotifier(pushTokens: (any PushTokenStore)?, outbox: DevelopmentOutbox? = nil,
                             retry: RetryPolicy = RetryPolicy(),
                             logger: Logger = Logger(label: "imis.notify")) throws -> Notifier {
        Notifier(channels: try makeChannels(pushTokens: pushTokens, logger: logger), outbox: outbox, retry: retry,
                 logger: logger)
    }
}

extension Notifier {
    /// Queues a push notification to every device of `userID`.
    public func enqueuePush(toUser userID: Int64, title: String, body: String, data: [String: String] = [:],
                            pushTokens: any PushTokenStore) async throws {
        for device in try await pushTokens.pushTokens(userID: userID) {
            enqueue(OutgoingMessage(channel: .push, destination: device.token, subject: title, text: body, data: data))
        }
    }
}

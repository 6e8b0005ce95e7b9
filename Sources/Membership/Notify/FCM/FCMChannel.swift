import Foundation
import IMISData
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Push notifications through Firebase Cloud Messaging HTTP v1
/// (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send).
///
/// The service account's RS256 assertion is exchanged at its `token_uri` for an access token, kept until a minute
/// before it expires; each message is `POST {FCM_URL}/v1/projects/{project}/messages:send` with that bearer token.
/// A device FCM reports as gone (404, or `UNREGISTERED`) has its token dropped from the `PushTokenStore`.
public final class FCMChannel: MessageChannel {
    public let configuration: FCMConfiguration
    private let pushTokens: (any PushTokenStore)?
    private let post: HTTPPost
    private let clock: @Sendable () -> Date
    private let timeout: TimeInterval
    private let logger: Logger
    private let cached = Locked<CachedToken>(.none)

    /// The access token: none, being fetched (concurrent deliveries wait for the same request), or ready.
    private enum CachedToken {
        case none
        case fetching(Task<(token: String, expires: Date), any Error>)
        case ready(token: String, expires: Date)
    }

    public init(configuration: FCMConfiguration, pushTokens: (any PushTokenStore)?, session: URLSession = .shared,
                timeout: TimeInterval = 30, clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "imis.notify.fcm")) {
        self.configuration = configuration
        self.pushTokens = pushTokens
        self.post = HTTPPost(session: session)
        self.clock = clock
        self.timeout = timeout
        self.logger = logger
    }

    public var channel: ContactChannel { .push }

    /// The URL messages are posted to.
    public var sendURL: URL { configuration.sendURL }

    /// A current access token: the cached one, or a new one from the token endpoint (one request at a time).
    func accessToken() async throws -> String {
        let now = clock()
        let fetch: Task<(token: String, expires: Date), any Error>
        switch cached.withLock({ state -> CachedToken in
            switch state {
            case .ready(_, let expires) where expires > now:
                return state
            case .fetching:
                return state
            default:
                state = .fetching(Task { try await self.requestToken(now: now) })
                return state
            }
        }) {
        case .ready(let token, _): return token
        case .fetching(let task): fetch = task
        case .none: throw DeliveryError.transient("no access token")
        }
        do {
            let result = try await fetch.value
            cached.withLock { state in
                if case .fetching = state { state = .ready(token: result.token, expires: result.expires) }
            }
            return result.token
        } catch {
            cached.withLock { state in
                if case .fetching = state { state = .none }
            }
            throw error
        }
    }

    /// Exchanges a new assertion for an access token (RFC 7523 §2.1).
    private func requestToken(now: Date) async throws -> (token: String, expires: Date) {
        let account = configuration.serviceAccount
        let assertion: String
        do {
            assertion = try account.assertion(now: now)
        } catch {
            throw DeliveryError.permanent("the service account key cannot sign")
        }
        let body = HTTPPost.form([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
        let answer = try await post(account.tokenURI, headers: ["Content-Type": "application/x-www-form-urlencoded",
                                                                "Accept": "application/json"],
                                    body: body, timeout: timeout)
        guard (200..<300).contains(answer.status) else {
            let reason = "token endpoint answered \(answer.status)"
            throw answer.retryable ? DeliveryError.transient(reason) : DeliveryError.permanent(reason)
        }
        struct Token: Decodable {
            let access_token: String
            let expires_in: Int?
        }
        guard let token = try? JSONDecoder().decode(Token.self, from: answer.body), !token.access_token.isEmpty else {
            throw DeliveryError.transient("token endpoint answered without an access token")
        }
        // A minute's margin, so that a token is not used as it expires.
        let lifetime = TimeInterval(max(0, (token.expires_in ?? 3600) - 60))
        return (token.access_token, now.addingTimeInterval(lifetime))
    }

    public func deliver(_ message: OutgoingMessage) async throws {
        struct Notification: Encodable {
            let title: String
            let body: String
        }
        struct Message: Encodable {
            let token: String
            let notification: Notification
            let data: [String: String]?
        }
        struct Envelope: Encodable {
            let message: Message
        }
        let accessToken = try await accessToken()
        let body = try JSONEncoder().encode(Envelope(message: Message(
            token: message.destination, notification: Notification(title: message.subject, body: message.text),
            data: message.data.isEmpty ? nil : message.data)))
        let answer = try await post(sendURL, headers: ["Authorization": "Bearer \(accessToken)",
                                                       "Content-Type": "application/json; charset=UTF-8"],
                                    body: body, timeout: timeout)
        switch answer.status {
        case 200..<300:
            return
        case 401:
            // The token was revoked or expired early: forget it, so that the next try gets a new one.
            cached.withLock { state in
                if case .ready(accessToken, _) = state { state = .none }
            }
            throw DeliveryError.transient("FCM refused the access token")
        case _ where Self.isUnregistered(status: answer.status, body: answer.body):
            try? await pushTokens?.deletePushToken(message.destination)
            logger.info("dropped an unregistered push token")
            throw DeliveryError.permanent("the device is no longer registered")
        case _ where answer.retryable:
            throw DeliveryError.transient("FCM answered \(answer.status)")
        default:
            throw DeliveryError.permanent("FCM answered \(answer.status)")
        }
    }

    /// FCM's answer for a token that is no longer valid: 404 `NOT_FOUND`, or an `UNREGISTERED` error code
    /// in the error details.
    static func isUnregistered(status: Int, body: Data) -> Bool {
        if status == 404 { return true }
        struct Answer: Decodable {
            struct Failure: Decodable {
                struct Detail: Decodable { let errorCode: String? }
                let status: String?
                let details: [Detail]?
            }
            let error: Failure?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: body), let error = answer.error else { return false }
        return error.status == "UNREGISTERED" || (error.details ?? []).contains { $0.errorCode == "UNREGISTERED" }
    }
}

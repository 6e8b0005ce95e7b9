import Foundation
import Logging
import Membership
import NIOConcurrencyHelpers
import ServiceLifecycle
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `SENTRY_DSN`: where a Sentry (or a compatible server) takes events.
public struct SentryConfiguration: Sendable, Hashable {
    /// `https://<public key>@<host>[:port]/<project id>`.
    public let dsn: String
    public let publicKey: String
    /// `<scheme>://<host>[:port][/path]/api/<project>/envelope/`.
    public let envelopeURL: URL
    /// `SENTRY_ENVIRONMENT` (else `production` in PROD, `development` in DEV).
    public var environment: String
    /// The release events name: `imis-fhir@<version>`.
    public var release: String

    /// Parses `dsn`; nil when it is not a Sentry DSN.
    public init?(dsn: String, environment: String, release: String) {
        guard let url = URLComponents(string: dsn), let scheme = url.scheme, scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty, let key = url.user, !key.isEmpty
        else { return nil }
        var path = url.path.split(separator: "/").map(String.init)
        guard let project = path.popLast(), !project.isEmpty, project.allSatisfy(\.isNumber) else { return nil }
        var target = URLComponents()
        target.scheme = scheme
        target.host = host
        target.port = url.port
        target.path = "/" + (path + ["api", project, "envelope"]).joined(separator: "/") + "/"
        guard let envelopeURL = target.url else { return nil }
        self.dsn = dsn
        self.publicKey = key
        self.envelopeURL = envelopeURL
        self.environment = environment
        self.release = release
    }
}

/// One error, as it is reported: what went wrong in words the server chose, and where — never a body, a path with
/// ids, a query string, a token, a name, a CHF ID or an address.
public struct ErrorReport: Sendable {
    /// A message made by the server (`500 on GET /fhir/{type}/{id}`, `subscription delivery failed`).
    public var message: String
    /// The Swift type of the error, when one was caught.
    public var errorType: String?
    /// The route template, or the background work (`subscription-delivery`, `otp-expiry`).
    public var transaction: String
    /// Bounded values: `route`, `method`, `status`, `request_id`, `resource_type`.
    public var tags: [String: String]
    /// The W3C trace of the request.
    public var trace: TraceContextReport?

    public init(message: String, errorType: String? = nil, transaction: String, tags: [String: String] = [:],
                trace: TraceContextReport? = nil) {
        self.message = message
        self.errorType = errorType
        self.transaction = transaction
        self.tags = tags
        self.trace = trace
    }
}

/// The trace ids of a report.
public struct TraceContextReport: Sendable, Encodable {
    public var trace_id: String
    public var span_id: String
}

/// Sends ``ErrorReport``s to Sentry as events over its envelope endpoint (`POST /api/<project>/envelope/`). Capturing
/// never waits: reports go to a bounded queue (past 100 waiting, new ones are dropped and counted) that one
/// background task sends one by one with a 5-second timeout, so a slow or dead Sentry costs memory for 100 reports
/// and nothing else. As a service, it waits for the graceful shutdown and then gives the queue at most 3 seconds.
public final class SentryReporter: Service, Sendable {
    public let configuration: SentryConfiguration
    private let session: URLSession
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    static let queueLimit = 100

    struct State {
        var queue: [Data] = []
        var sending = false
        var sent = 0
        var failed = 0
        var dropped = 0
    }

    /// The reporter of the running process, for background work that has no request (deliveries, sweeps).
    static let current = NIOLockedValueBox<SentryReporter?>(nil)

    public init(configuration: SentryConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        session = URLSession(configuration: .bounded(5))
    }

    /// Queues `report`; returns at once.
    public func capture(_ report: ErrorReport) {
        let envelope = Self.envelope(report, configuration: configuration)
        let start = state.withLockedValue { state -> Bool in
            guard state.queue.count < Self.queueLimit else {
                state.dropped += 1
                return false
            }
            state.queue.append(envelope)
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        if start { Task { await self.sendQueued() } }
    }

    /// Sends until the queue is empty.
    private func sendQueued() async {
        while let next = state.withLockedValue({ state -> Data? in
            guard !state.queue.isEmpty else {
                state.sending = false
                return nil
            }
            return state.queue.removeFirst()
        }) {
            await send(next)
        }
    }

    /// Reports an error of background work (a delivery, an expiry sweep) to the process's Sentry, when configured:
    /// `component` names the work, `error`'s type is sent, never its description (it may hold data).
    public static func reportBackground(component: String, error: any Error) {
        current.withLockedValue { $0 }?.capture(ErrorReport(
            message: "\(component) failed", errorType: String(describing: type(of: error)), transaction: component,
            tags: ["component": component]))
    }

    /// Events sent, failed, and dropped because the queue was full.
    public var statistics: (sent: Int, failed: Int, dropped: Int) {
        state.withLockedValue { ($0.sent, $0.failed, $0.dropped) }
    }

    /// Takes the background errors of the process until the graceful shutdown, then sends what is queued for at most
    /// 3 seconds.
    public func run() async {
        Self.current.withLockedValue { $0 = self }
        BackgroundErrors.handler.withLockedValue { $0 = { component, error in Self.reportBackground(component: component, error: error) } }
        try? await gracefulShutdown()
        let deadline = ContinuousClock.now + .seconds(3)
        while state.withLockedValue({ $0.sending }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        Self.current.withLockedValue { if $0 === self { $0 = nil } }
    }

    private func send(_ envelope: Data) async {
        var request = URLRequest(url: configuration.envelopeURL, timeoutInterval: 5)
        request.httpMethod = "POST"
        request.setValue("application/x-sentry-envelope", forHTTPHeaderField: "Content-Type")
        request.setValue(
            "Sentry sentry_version=7, sentry_key=\(configuration.publicKey), sentry_client=imis-fhir/\(ServerVersion.current)",
            forHTTPHeaderField: "X-Sentry-Auth")
        request.httpBody = envelope
        do {
            let (_, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            state.withLockedValue { if (200..<300).contains(status) { $0.sent += 1 } else { $0.failed += 1 } }
            if !(200..<300).contains(status) { logger.warning("error report refused", metadata: ["status": "\(status)"]) }
        } catch {
            state.withLockedValue { $0.failed += 1 }
            logger.warning("error report not sent", metadata: ["error": "\((error as NSError).code)"])
        }
    }

    /// The envelope of one event: the envelope header, the item header, the event (one JSON line each).
    static func envelope(_ report: ErrorReport, configuration: SentryConfiguration) -> Data {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let now = Date()
        let event = SentryEvent(
            event_id: id, timestamp: now.timeIntervalSince1970, platform: "other", level: "error", logger: "imis-fhir",
            release: configuration.release, environment: configuration.environment, transaction: report.transaction,
            message: .init(formatted: report.message), tags: report.tags,
            exception: report.errorType.map { .init(values: [.init(type: $0, value: report.message)]) },
            contexts: report.trace.map { .init(trace: $0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = (try? encoder.encode(event)) ?? Data("{}".utf8)
        let sentAt = ISO8601DateFormatter().string(from: now)
        let header = (try? encoder.encode(["event_id": id, "sent_at": sentAt, "dsn": configuration.dsn])) ?? Data()
        let item = (try? encoder.encode(ItemHeader(type: "event", length: payload.count))) ?? Data()
        return header + Data("\n".utf8) + item + Data("\n".utf8) + payload + Data("\n".utf8)
    }

    struct ItemHeader: Encodable {
        var type: String
        var length: Int
    }

    /// The event payload (https://develop.sentry.dev/sdk/data-model/event-payloads/): no `user`, no `request`.
    struct SentryEvent: Encodable {
        struct Message: Encodable { var formatted: String }
        struct Exception: Encodable {
            struct Value: Encodable {
                var type: String
                var value: String
            }
            var values: [Value]
        }
        struct Contexts: Encodable { var trace: TraceContextReport }
        var event_id: String
        var timestamp: Double
        var platform: String
        var level: String
        var logger: String
        var release: String
        var environment: String
        var transaction: String
        var message: Message
        var tags: [String: String]
        var exception: Exception?
        var contexts: Contexts?
    }
}

import Foundation
import IMISData
import Logging
import Membership
import NIOConcurrencyHelpers
import ServiceLifecycle
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One finished span of a request: its W3C ids, what the metrics label it with, its times, and the database
/// statements it ran.
struct RequestSpan: Sendable {
    var trace: TraceParent
    var parentSpanID: String?
    /// `GET /fhir/{type}/{id}`: method and route template, nothing of the request itself.
    var name: String
    var method: String
    var route: String
    var status: Int
    var start: Date
    var end: Date
    /// The database statements the request ran, exported as its child spans.
    var statements: [StatementSpan] = []
    /// Statements past ``StatementSpans/limit``, not exported.
    var droppedStatements = 0
}

/// Exports the spans of sampled requests, each with its database statements as child spans, over OTLP/HTTP with JSON
/// bodies (`POST <endpoint>/v1/traces`, the OpenTelemetry protocol's JSON encoding: hex trace and span ids,
/// nanoseconds as strings), in batches of about 256 spans sent a second after the first span of a batch is recorded,
/// by a background task. Recording never waits: past 2,048 waiting requests, new ones are dropped. As a service, it waits for the graceful shutdown and then sends what is queued,
/// for at most 3 seconds.
public final class SpanExporter: Service, Sendable {
    /// Where the spans go (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`).
    public let endpoint: URL
    /// `OTEL_SERVICE_NAME`.
    public let serviceName: String
    private let session: URLSession
    private let logger: Logger
    private let queue = NIOLockedValueBox<[RequestSpan]>([])
    /// Whether a background task will send the queue.
    private let scheduled = NIOLockedValueBox(false)
    static let queueLimit = 2_048
    static let batchSize = 256

    public init(endpoint: URL, serviceName: String, logger: Logger) {
        self.endpoint = endpoint
        self.serviceName = serviceName
        self.logger = logger
        session = URLSession(configuration: .bounded(5))
    }

    /// Queues `span` when its trace is sampled; returns at once.
    func record(_ span: RequestSpan) {
        guard span.trace.sampled else { return }
        queue.withLockedValue { if $0.count < Self.queueLimit { $0.append(span) } }
        let start = scheduled.withLockedValue { scheduled -> Bool in
            defer { scheduled = true }
            return !scheduled
        }
        if start {
            Task {
                try? await Task.sleep(for: .seconds(1))
                self.scheduled.withLockedValue { $0 = false }
                await self.sendQueued(until: nil)
            }
        }
    }

    /// Waits for the graceful shutdown, then sends what is queued for at most 3 seconds.
    public func run() async {
        try? await gracefulShutdown()
        await sendQueued(until: .now + .seconds(3))
    }

    /// Sends batches until the queue is empty (or `deadline` passes).
    func sendQueued(until deadline: ContinuousClock.Instant?) async {
        while deadline.map({ ContinuousClock.now < $0 }) ?? true {
            let batch = queue.withLockedValue { spans -> [RequestSpan] in
                // Up to `batchSize` spans, statements counted, and at least one request.
                var count = 0
                var total = 0
                for span in spans {
                    total += 1 + span.statements.count
                    if count > 0, total > Self.batchSize { break }
                    count += 1
                }
                let batch = Array(spans.prefix(count))
                spans.removeFirst(batch.count)
                return batch
            }
            if batch.isEmpty { return }
            var request = URLRequest(url: endpoint, timeoutInterval: 5)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Self.body(batch, serviceName: serviceName)
            do {
                let (_, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if !(200..<300).contains(status) { logger.warning("span export refused", metadata: ["status": "\(status)"]) }
            } catch {
                logger.warning("span export failed", metadata: ["error": "\((error as NSError).code)"])
                return
            }
        }
    }

    /// An `ExportTraceServiceRequest` in OTLP's JSON encoding.
    static func body(_ spans: [RequestSpan], serviceName: String) -> Data {
        func text(_ key: String, _ value: String) -> [String: Any] { ["key": key, "value": ["stringValue": value]] }
        func nanos(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1e9).rounded())) }
        func integer(_ key: String, _ value: Int) -> [String: Any] { ["key": key, "value": ["intValue": String(value)]] }
        let encoded: [[String: Any]] = spans.flatMap { span -> [[String: Any]] in
            var attributes = [
                text("http.request.method", span.method), text("http.route", span.route),
                integer("http.response.status_code", span.status),
            ]
            if span.droppedStatements > 0 { attributes.append(integer("imisfhir.db.statements_dropped", span.droppedStatements)) }
            var object: [String: Any] = [
                "traceId": span.trace.traceID, "spanId": span.trace.spanID, "name": span.name, "kind": 2,
                "startTimeUnixNano": nanos(span.start), "endTimeUnixNano": nanos(span.end),
                "attributes": attributes, "status": ["code": span.status >= 500 ? 2 : 0],
            ]
            if let parent = span.parentSpanID { object["parentSpanId"] = parent }
            // A statement is a client span of the request's span, named and labelled as OpenTelemetry's database
            // conventions say: `SELECT tblInsuree`, the engine, the kind, the table. No SQL text, no values.
            let statements: [[String: Any]] = span.statements.map { statement in
                var attributes = [text("db.system.name", statement.system), text("db.operation.name", statement.operation)]
                if let table = statement.collection { attributes.append(text("db.collection.name", table)) }
                return [
                    "traceId": span.trace.traceID, "spanId": TraceParent.randomHex(bytes: 8),
                    "parentSpanId": span.trace.spanID,
                    "name": [statement.operation, statement.collection].compactMap { $0 }.joined(separator: " "),
                    "kind": 3, "startTimeUnixNano": nanos(statement.start), "endTimeUnixNano": nanos(statement.end),
                    "attributes": attributes,
                ]
            }
            return [object] + statements
        }
        let request: [String: Any] = [
            "resourceSpans": [[
                "resource": ["attributes": [text("service.name", serviceName), text("service.version", ServerVersion.current)]],
                "scopeSpans": [["scope": ["name": "imis-fhir"], "spans": encoded]],
            ]]
        ]
        return (try? JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])) ?? Data()
    }
}

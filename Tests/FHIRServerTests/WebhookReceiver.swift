import Crypto
import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import FHIRServer

/// A real HTTP receiver of webhooks on a loopback port: it records every request (method, path, headers, body,
/// arrival time) and answers what the test says (a status, a pause first).
final class WebhookReceiver: Sendable {
    /// One request received.
    struct Delivery: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var at: Date
        /// The status it was answered with.
        var answered: Int

        var json: JSON? { body.isEmpty ? nil : try? JSONParser.parse(body) }
        var webhookID: String { headers["webhook-id"] ?? "" }
    }

    private let received = NIOLockedValueBox<[Delivery]>([])
    /// The status answered next (and after, until changed).
    let status = NIOLockedValueBox<Int>(200)
    /// Seconds waited before answering.
    let delay = NIOLockedValueBox<Double>(0)
    /// Statuses answered first, one per request, before `status`.
    let script = NIOLockedValueBox<[Int]>([])

    /// Everything received so far.
    var deliveries: [Delivery] { received.withLockedValue { $0 } }
    /// What was received and acknowledged with a 2xx.
    var acknowledged: [Delivery] { deliveries.filter { (200..<300).contains($0.answered) } }

    /// Answers every request, whatever its method and path.
    func responder() -> CallbackResponder<BasicRequestContext> {
        CallbackResponder { [self] request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let pause = delay.withLockedValue { $0 }
            if pause > 0 { try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000)) }
            let answer = script.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() } ?? status.withLockedValue { $0 }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            received.withLockedValue {
                $0.append(Delivery(method: request.method.rawValue, path: request.uri.path, headers: headers,
                                   body: Array(buffer: body), at: Date(), answered: answer))
            }
            var fields = HTTPFields()
            if answer / 100 == 3 { fields[.location] = "/redirected" }
            return Response(status: HTTPResponse.Status(code: answer), headers: fields)
        }
    }

    /// Runs the receiver for the duration of `body`, which gets its base URL (`http://127.0.0.1:PORT`).
    func run<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let app = Application(responder: responder(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw ReceiverError("the receiver did not start") }
            return try await body("http://127.0.0.1:\(port)")
        }
    }

    /// Waits until `condition` holds of the deliveries (at most `timeout` seconds); whether it did.
    @discardableResult
    func wait(timeout: Double = 15, _ condition: ([Delivery]) -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition(deliveries) { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition(deliveries)
    }

    /// Whether `delivery` carries a valid Standard Webhooks signature under `secret`.
    static func verify(_ delivery: Delivery, secret: String) -> Bool {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))),
            let id = delivery.headers["webhook-id"], let timestamp = delivery.headers["webhook-timestamp"],
            let signature = delivery.headers["webhook-signature"], signature.hasPrefix("v1,")
        else { return false }
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: delivery.body)
        let expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
        return String(signature.dropFirst(3)) == expected
    }
}

struct ReceiverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A configuration whose delivery polls and retries fast enough for tests to take seconds.
func fastDeliveryConfiguration() -> ServerConfiguration {
    var configuration = ServerConfiguration()
    configuration.delivery.pollInterval = 0.02
    configuration.delivery.refreshInterval = 0.2
    configuration.delivery.firstRetry = 0.05
    configuration.delivery.maxRetry = 0.2
    configuration.delivery.timeout = 3
    return configuration
}

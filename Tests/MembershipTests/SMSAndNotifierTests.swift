import Foundation
import Hummingbird
import IMISData
import Testing

@testable import Membership

/// A stand-in SMS gateway: answers each request with the next status of `script` (then 200), and records bodies.
final class FakeSMSGateway: @unchecked Sendable {
    private let lock = NSLock()
    private var script: [HTTPResponse.Status]
    private var requests: [(authorization: String?, contentType: String?, body: Any?)] = []

    init(failing script: [HTTPResponse.Status] = []) { self.script = script }

    var received: [(authorization: String?, contentType: String?, body: Any?)] { lock.withLock { requests } }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/send") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let status: HTTPResponse.Status = self.lock.withLock {
                self.requests.append((request.headers[.authorization], request.headers[.contentType],
                                      try? JSONSerialization.jsonObject(with: Data(buffer: body))))
                return self.script.isEmpty ? .ok : self.script.removeFirst()
            }
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"queued"}"#)))
        }
        return router
    }
}

/// Records the waits a notifier asks for, instead of waiting.
final class RecordedSleeps: @unchecked Sendable {
    private let lock = NSLock()
    private var waits: [Duration] = []
    var all: [Duration] { lock.withLock { waits } }
    var sleep: @Sendable (Duration) async throws -> Void { { duration in self.lock.withLock { self.waits.append(duration) } } }
}

@Suite("SMS gateway and the notifier's retries")
struct SMSAndNotifierTests {
    let otp = OutgoingMessage(channel: .sms, destination: "+255700000001", subject: "ignored",
                              text: "Your openIMIS sign-in code is 482913.")

    func gatewayChannel(_ base: URL) throws -> SMSGatewayChannel {
        SMSGatewayChannel(configuration: try #require(try SMSGatewayConfiguration.from(environment: [
            "SMS_GATEWAY_URL": base.appendingPathComponent("send").absoluteString, "SMS_GATEWAY_TOKEN": "sms-token",
        ])))
    }

    @Test func theGatewayGetsTheBearerTokenAndTheJSONMessage() async throws {
        let gateway = FakeSMSGateway()
        try await withLocalServer(gateway.router) { base in try await gatewayChannel(base).deliver(otp) }
        let request = try #require(gateway.received.first)
        #expect(gateway.received.count == 1)
        #expect(request.authorization == "Bearer sms-token")
        #expect(request.contentType == "application/json")
        #expect((request.body as? NSDictionary)
                == (["to": "+255700000001", "message": "Your openIMIS sign-in code is 482913."] as NSDictionary))
    }

    @Test func aGatewayFailingTwiceThenSucceedingGetsTheMessageOnceWithThreeAttempts() async throws {
        let gateway = FakeSMSGateway(failing: [.serviceUnavailable, .badGateway])
        let sleeps = RecordedSleeps()
        try await withLocalServer(gateway.router) { base in
            let notifier = Notifier(channels: [try gatewayChannel(base)], retry: RetryPolicy(attempts: 3),
                                    sleep: sleeps.sleep, logger: LogCapture().logger)
            notifier.enqueue(otp)
            await notifier.drain()
        }
        #expect(gateway.received.count == 3)
        #expect(sleeps.all == [.seconds(1), .seconds(2)])
    }

    @Test func aGatewayStillFailingAfterThreeAttemptsIsGivenUp() async throws {
        let gateway = FakeSMSGateway(failing: [.serviceUnavailable, .serviceUnavailable, .serviceUnavailable, .ok])
        try await withLocalServer(gateway.router) { base in
            let notifier = Notifier(channels: [try gatewayChannel(base)], sleep: { _ in }, logger: LogCapture().logger)
            await #expect(throws: DeliveryError.transient("SMS gateway answered 503")) { try await notifier.send(otp) }
        }
        #expect(gateway.received.count == 3)
    }

    @Test func aRefusedMessageIsNotTriedAgain() async throws {
        let gateway = FakeSMSGateway(failing: [.badRequest])
        try await withLocalServer(gateway.router) { base in
            let notifier = Notifier(channels: [try gatewayChannel(base)], sleep: { _ in }, logger: LogCapture().logger)
            await #expect(throws: DeliveryError.permanent("SMS gateway answered 400")) { try await notifier.send(otp) }
        }
        #expect(gateway.received.count == 1)
    }

    @Test func backoffDoublesUpToItsCap() {
        let policy = RetryPolicy(attempts: 8, initialDelay: .seconds(1), multiplier: 2, maximumDelay: .seconds(10))
        #expect((1...6).map(policy.delay(after:)) == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10),
                                                      .seconds(10)])
    }

    @Test func aKindWithoutAChannelFailsUnlessTheDevelopmentOutboxTakesIt() async throws {
        await #expect(throws: DeliveryError.noChannel(.sms)) { try await Notifier(channels: []).send(otp) }
        #expect(DevelopmentOutbox.forMode("PROD") == nil)
        let outbox = try #require(DevelopmentOutbox.forMode("DEV", capacity: 2))
        let email = CapturingChannel(.email)
        let notifier = Notifier(channels: [email], outbox: outbox)
        try await notifier.send(otp)
        for n in 1...2 {
            notifier.enqueue(OutgoingMessage(channel: .email, destination: "a\(n)@example.org", subject: "s", text: "t\(n)"))
        }
        await notifier.drain()
        #expect(outbox.recent().map(\.destination).sorted() == ["a1@example.org", "a2@example.org"])
        #expect(email.messages.count == 2)
        #expect(!"\(otp)".contains("482913"))
    }
}

import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import IMISData
import Testing

@testable import Membership

/// A stand-in for Google's token endpoint and FCM's send endpoint that checks what it gets as Google would.
final class FakeGoogle: @unchecked Sendable {
    let publicKey: _RSA.Signing.PublicKey
    let clientEmail = "push@demo-project.iam.gserviceaccount.com"
    private let lock = NSLock()
    private var state = (audience: "", tokensIssued: 0, valid: Set<String>(), sent: [Any](), problems: [String]())
    private let now: @Sendable () -> Date

    init(publicKey: _RSA.Signing.PublicKey, now: @escaping @Sendable () -> Date) {
        self.publicKey = publicKey
        self.now = now
    }

    var tokensIssued: Int { lock.withLock { state.tokensIssued } }
    var sent: [Any] { lock.withLock { state.sent } }
    var problems: [String] { lock.withLock { state.problems } }
    func expectAudience(_ audience: String) { lock.withLock { state.audience = audience } }
    /// Revokes every access token issued so far.
    func revokeTokens() { lock.withLock { state.valid = [] } }

    private func problem(_ text: String) -> Response {
        lock.withLock { state.problems.append(text) }
        return Self.json(.badRequest, #"{"error":"invalid_grant"}"#)
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// RFC 7523 §2.1 / Google's service-account flow: checks the grant type, the RS256 signature and the claims.
    func token(_ body: String) -> Response {
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else { return problem("grant_type") }
        let segments = (form["assertion"] ?? "").split(separator: ".").map(String.init)
        guard segments.count == 3, let signature = Base64URL.decode(segments[2]),
              let headerData = Base64URL.decode(segments[0]), let claimsData = Base64URL.decode(segments[1]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
              let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any]
        else { return problem("malformed assertion") }
        let signed = Data((segments[0] + "." + segments[1]).utf8)
        guard publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                         for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        else { return problem("signature") }
        guard header["alg"] as? String == "RS256", header["kid"] as? String == "key-1" else { return problem("header") }
        let audience = lock.withLock { state.audience }
        guard claims["iss"] as? String == clientEmail, claims["aud"] as? String == audience,
              claims["scope"] as? String == "https://www.googleapis.com/auth/firebase.messaging",
              let iat = claims["iat"] as? Int, let exp = claims["exp"] as? Int, exp - iat == 3600,
              abs(TimeInterval(iat) - now().timeIntervalSince1970) < 60
        else { return problem("claims") }
        let issued = lock.withLock {
            state.tokensIssued += 1
            state.valid.insert("Bearer access-\(state.tokensIssued)")
            return state.tokensIssued
        }
        return Self.json(.ok, #"{"access_token":"access-\#(issued)","expires_in":3600,"token_type":"Bearer"}"#)
    }

    /// FCM HTTP v1 `messages:send`: the bearer must be a token issued and not revoked; "gone-device" is
    /// unregistered.
    func send(_ body: String, authorization: String?) -> Response {
        guard let authorization, lock.withLock({ state.valid.contains(authorization) }) else {
            return Self.json(.unauthorized, #"{"error":{"status":"UNAUTHENTICATED"}}"#)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) else { return problem("send body") }
        lock.withLock { state.sent.append(object) }
        let token = ((object as? [String: Any])?["message"] as? [String: Any])?["token"] as? String
        if token == "gone-device" {
            return Self.json(.notFound, """
                {"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[
                {"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}
                """)
        }
        return Self.json(.ok, #"{"name":"projects/demo-project/messages/0:1"}"#)
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/token") { request, _ -> Response in
            self.token(String(buffer: try await request.body.collect(upTo: 1 << 20)))
        }
        router.post("/v1/projects/demo-project/messages:send") { request, _ -> Response in
            self.send(String(buffer: try await request.body.collect(upTo: 1 << 20)),
                      authorization: request.headers[.authorization])
        }
        return router
    }
}

@Suite("FCM HTTP v1 push")
struct FCMChannelTests {
    let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// FCM settings as a deployment gives them: inline service-account JSON, project id, FCM_URL.
    func configuration(_ base: URL, google: FakeGoogle) throws -> FCMConfiguration {
        let account: [String: String] = [
            "type": "service_account", "project_id": "demo-project", "private_key_id": "key-1",
            "private_key": key.pkcs8PEMRepresentation, "client_email": google.clientEmail,
            "token_uri": base.appendingPathComponent("token").absoluteString,
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: account), as: UTF8.self)
        google.expectAudience(base.appendingPathComponent("token").absoluteString)
        return try #require(try FCMConfiguration.from(environment: [
            "FCM_CREDENTIALS": json, "FCM_PROJECT_ID": "demo-project", "FCM_URL": base.absoluteString,
        ]))
    }

    @Test func messagesGoWithATokenFromASignedAssertionThatIsReusedUntilItExpires() async throws {
        let clock = ManualClock()
        let google = FakeGoogle(publicKey: key.publicKey, now: { clock.now })
        try await withLocalServer(google.router) { base in
            let channel = FCMChannel(configuration: try configuration(base, google: google), pushTokens: nil,
                                     clock: { clock.now })
            let message = OutgoingMessage(channel: .push, destination: "device-1", subject: "Policy renewed",
                                          text: "Your family's policy runs until 2025-03-01.", data: ["policy": "42"])
            try await channel.deliver(message)
            try await channel.deliver(message)
            #expect(google.tokensIssued == 1)
            clock.advance(3541)
            try await channel.deliver(message)
            #expect(google.tokensIssued == 2)
        }
        #expect(google.problems.isEmpty)
        #expect(google.sent.count == 3)
        let expected: [String: Any] = ["message": [
            "token": "device-1",
            "notification": ["title": "Policy renewed", "body": "Your family's policy runs until 2025-03-01."],
            "data": ["policy": "42"],
        ]]
        #expect((google.sent.first as? NSDictionary) == (expected as NSDictionary))
    }

    @Test func anUnregisteredDeviceLosesItsPushToken() async throws {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        let tokens = SQLPushTokenStore(sql: SQLiteAccountSQL(database: database))
        #expect(try await tokens.savePushToken("gone-device", userID: 7, now: referenceDate))
        #expect(try await tokens.savePushToken("live-device", userID: 7, now: referenceDate))
        let google = FakeGoogle(publicKey: key.publicKey, now: { Date() })
        try await withLocalServer(google.router) { base in
            let channel = FCMChannel(configuration: try configuration(base, google: google), pushTokens: tokens,
                                     logger: LogCapture().logger)
            let notifier = Notifier(channels: [channel], sleep: { _ in }, logger: LogCapture().logger)
            try await notifier.enqueuePush(toUser: 7, title: "Payment received", body: "Thank you.", pushTokens: tokens)
            await notifier.drain()
        }
        #expect(google.problems.isEmpty)
        #expect(google.sent.count == 2)  // an unregistered device is not tried again
        #expect(try await tokens.pushTokens(userID: 7).map(\.token) == ["live-device"])
    }

    @Test func theUnregisteredAnswerIsRecognisedWithOrWithout404() {
        let body = Data(#"{"error":{"status":"INVALID_ARGUMENT","details":[{"errorCode":"UNREGISTERED"}]}}"#.utf8)
        #expect(FCMChannel.isUnregistered(status: 400, body: body))
        #expect(FCMChannel.isUnregistered(status: 404, body: Data()))
        #expect(!FCMChannel.isUnregistered(status: 400, body: Data(#"{"error":{"status":"INVALID_ARGUMENT"}}"#.utf8)))
    }

    @Test func aRefusedAccessTokenIsForgottenAndReplaced() async throws {
        let google = FakeGoogle(publicKey: key.publicKey, now: { Date() })
        try await withLocalServer(google.router) { base in
            let channel = FCMChannel(configuration: try configuration(base, google: google), pushTokens: nil)
            let message = OutgoingMessage(channel: .push, destination: "device-1", subject: "t", text: "b")
            try await channel.deliver(message)
            // The token is revoked early: it is refused, dropped, and a new one is fetched for the next try.
            google.revokeTokens()
            await #expect(throws: DeliveryError.transient("FCM refused the access token")) {
                try await channel.deliver(message)
            }
            try await channel.deliver(message)
            #expect(google.tokensIssued == 2)
            #expect(google.sent.count == 2)
        }
        #expect(google.problems.isEmpty)
    }
}

import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Synchronization
import Testing

/// A local stand-in for Google's OAuth token endpoint and FCM HTTP v1 `messages:send`, recording the messages it
/// gets, so that the server's own FCM channel is what delivers the notifications under test.
final class FCMStandIn: Sendable {
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    /// Each message FCM received: its `token` and `data.event`.
    struct Delivery: Sendable {
        var token: String
        var event: String?
    }

    let sent = Mutex([Delivery]())
    let bearer = "ya29.standin"

    var deliveries: [Delivery] { sent.withLock { $0 } }

    /// A notifier whose push channel is the server's FCM channel pointed at this stand-in on `port`.
    func notifier(port: Int, pushTokens: any PushTokenStore) -> Notifier {
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let account = ServiceAccount(clientEmail: "push@standin.iam.gserviceaccount.com", privateKeyPEM: Self.key.pemRepresentation,
                                     privateKeyID: "key-1", tokenURI: base.appendingPathComponent("token"))
        let channel = FCMChannel(configuration: FCMConfiguration(projectID: "standin", serviceAccount: account, baseURL: base),
                                 pushTokens: pushTokens)
        return Notifier(channels: [channel], retry: RetryPolicy(attempts: 1))
    }

    /// The messages sent, waiting a little for the background delivery.
    func waitForDeliveries(_ count: Int) async throws -> [Delivery] {
        for _ in 0..<150 where deliveries.count < count { try await Task.sleep(for: .milliseconds(20)) }
        return deliveries
    }

    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/token") { _, _ -> Response in
            Self.json(#"{"access_token":"ya29.standin","expires_in":3599,"token_type":"Bearer"}"#)
        }
        router.post("/v1/projects/standin/messages:send") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(self.bearer)" else {
                return Response(status: .unauthorized)
            }
            let data = try await request.body.collect(upTo: 1 << 16)
            if let json = (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any],
               let message = json["message"] as? [String: Any] {
                let delivery = Delivery(token: message["token"] as? String ?? "",
                                        event: (message["data"] as? [String: Any])?["event"] as? String)
                self.sent.withLock { $0.append(delivery) }
            }
            return Self.json(#"{"name":"projects/standin/messages/0:1"}"#)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

import Foundation
import IMISData
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// SMS through an HTTP gateway: `POST SMS_GATEWAY_URL` with `Authorization: Bearer SMS_GATEWAY_TOKEN` and
/// `{"to": phone, "message": text}`. A 2xx answer is a delivery; 408, 429 and 5xx are worth another try; any
/// other answer is permanent.
public struct SMSGatewayChannel: MessageChannel {
    public let configuration: SMSGatewayConfiguration
    private let post: HTTPPost

    public init(configuration: SMSGatewayConfiguration, session: URLSession = .shared) {
        self.configuration = configuration
        self.post = HTTPPost(session: session)
    }

    public var channel: ContactChannel { .sms }

    public func deliver(_ message: OutgoingMessage) async throws {
        struct Body: Encodable {
            let to: String
            let message: String
        }
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let token = configuration.token { headers["Authorization"] = "Bearer \(token)" }
        let body = try JSONEncoder().encode(Body(to: message.destination, message: message.text))
        let answer = try await post(configuration.url, headers: headers, body: body, timeout: configuration.timeout)
        switch answer.status {
        case 200..<300: return
        case _ where answer.retryable: throw DeliveryError.transient("SMS gateway answered \(answer.status)")
        default: throw DeliveryError.permanent("SMS gateway answered \(answer.status)")
        }
    }
}

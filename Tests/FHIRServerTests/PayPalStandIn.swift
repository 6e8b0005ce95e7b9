import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A local stand-in for PayPal's REST API as the server uses it, with PayPal's JSON shapes
/// (https://developer.paypal.com/docs/api/orders/v2/): `POST /v1/oauth2/token` (HTTP Basic client credentials),
/// `POST /v2/checkout/orders`, `GET /v2/checkout/orders/{id}`, `POST /v2/checkout/orders/{id}/capture` answering
/// COMPLETED, 422 `INSTRUMENT_DECLINED`, 422 `ORDER_ALREADY_CAPTURED`, or a capture of another amount.
final class PayPalStandIn: Sendable {
    enum Capture: Sendable { case complete, decline, otherAmount(String) }
    struct Order: Sendable { var id: String, reference: String, amount: String, currency: String, captured: Bool }

    static let clientID = "test-client", secret = "test-secret"
    let mode = Mutex(Capture.complete)
    let orders = Mutex([String: Order]())
    let captures = Mutex(0)
    let tokens = Mutex(0)

    func order(_ id: String) -> Order? { orders.withLock { $0[id] } }

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func unprocessable(_ issue: String, _ description: String) -> Response {
        json(.unprocessableContent, [
            "name": "UNPROCESSABLE_ENTITY", "debug_id": "f0c1ad2e33bb",
            "message": "The requested action could not be performed, semantically incorrect, or failed business validation.",
            "details": [["issue": issue, "description": description]],
            "links": [["href": "https://developer.paypal.com/docs/api/orders/v2/#error-\(issue)", "rel": "information_link", "method": "GET"]],
        ])
    }

    func body(_ order: Order, capturedAmount: String? = nil) -> [String: Any] {
        var unit: [String: Any] = ["reference_id": order.reference, "amount": ["currency_code": order.currency, "value": order.amount]]
        if order.captured {
            unit["payments"] = ["captures": [[
                "id": "CAP-\(order.id)", "status": "COMPLETED", "final_capture": true, "custom_id": order.reference,
                "amount": ["currency_code": order.currency, "value": capturedAmount ?? order.amount],
                "seller_protection": ["status": "ELIGIBLE"],
            ]]]
        }
        return ["id": order.id, "intent": "CAPTURE", "status": order.captured ? "COMPLETED" : "CREATED", "purchase_units": [unit],
                "links": [["href": "https://www.sandbox.paypal.com/checkoutnow?token=\(order.id)", "rel": "approve", "method": "GET"],
                          ["href": "/v2/checkout/orders/\(order.id)", "rel": "self", "method": "GET"],
                          ["href": "/v2/checkout/orders/\(order.id)/capture", "rel": "capture", "method": "POST"]]]
    }

    func authorized(_ request: Request) -> Bool { request.headers[.authorization] == "Bearer A21AAstandin" }

    /// Runs the stand-in on a local port for `body`.
    func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("v1/oauth2/token") { request, _ -> Response in
            let expected = "Basic " + Data("\(Self.clientID):\(Self.secret)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else {
                return Self.json(.unauthorized, ["error": "invalid_client", "error_description": "Client Authentication failed"])
            }
            self.tokens.withLock { $0 += 1 }
            return Self.json(.ok, ["scope": "https://uri.paypal.com/services/payments/payment", "access_token": "A21AAstandin",
                                   "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": 32400, "nonce": "n"])
        }
        router.post("v2/checkout/orders") { request, context -> Response in
            guard self.authorized(request) else { return Self.json(.unauthorized, ["name": "AUTHENTICATION_FAILURE"]) }
            let data = try await request.body.collect(upTo: 1 << 16)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any]
            guard let unit = (json?["purchase_units"] as? [[String: Any]])?.first, let amount = unit["amount"] as? [String: Any],
                  let value = amount["value"] as? String, let currency = amount["currency_code"] as? String
            else { return Self.unprocessable("MISSING_REQUIRED_PARAMETER", "purchase_units") }
            let order = Order(id: String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(17)),
                              reference: unit["reference_id"] as? String ?? "default", amount: value, currency: currency,
                              captured: false)
            self.orders.withLock { $0[order.id] = order }
            return Self.json(.created, self.body(order))
        }
        router.get("v2/checkout/orders/:id") { request, context -> Response in
            guard self.authorized(request) else { return Self.json(.unauthorized, ["name": "AUTHENTICATION_FAILURE"]) }
            guard let id = context.parameters.get("id"), let order = self.order(id) else {
                return Self.json(.notFound, ["name": "RESOURCE_NOT_FOUND", "details": [["issue": "INVALID_RESOURCE_ID"]]])
            }
            return Self.json(.ok, self.body(order))
        }
        router.post("v2/checkout/orders/:id/capture") { request, context -> Response in
            guard self.authorized(request) else { return Self.json(.unauthorized, ["name": "AUTHENTICATION_FAILURE"]) }
            guard let id = context.parameters.get("id"), var order = self.order(id) else {
                return Self.json(.notFound, ["name": "RESOURCE_NOT_FOUND", "details": [["issue": "INVALID_RESOURCE_ID"]]])
            }
            if order.captured {
                return Self.unprocessable("ORDER_ALREADY_CAPTURED",
                                          "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.")
            }
            switch self.mode.withLock({ $0 }) {
            case .decline:
                return Self.unprocessable("INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank.")
            case .complete:
                order.captured = true
                self.orders.withLock { $0[id] = order }
                self.captures.withLock { $0 += 1 }
                return Self.json(.created, self.body(order))
            case .otherAmount(let amount):
                order.captured = true
                order.amount = amount
                self.orders.withLock { $0[id] = order }
                self.captures.withLock { $0 += 1 }
                return Self.json(.created, self.body(order, capturedAmount: amount))
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where and as whom the server talks to PayPal (`PAYPAL_BASE_URL`, `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET`).
/// Never sent to a client.
public struct PayPalSettings: Sendable, Hashable {
    /// `https://api-m.sandbox.paypal.com` or `https://api-m.paypal.com` (or a stand-in in tests).
    public var baseURL: URL
    public var clientID: String
    public var clientSecret: String
    /// Where PayPal sends the payer after approving or cancelling (`PAYPAL_RETURN_URL`, `PAYPAL_CANCEL_URL`).
    public var returnURL: String?
    public var cancelURL: String?
    /// How long one call to PayPal may take.
    public var timeout: TimeInterval

    /// Settings with every part given.
    public init(baseURL: URL, clientID: String, clientSecret: String, returnURL: String? = nil, cancelURL: String? = nil,
                timeout: TimeInterval = 20) {
        self.baseURL = baseURL; self.clientID = clientID; self.clientSecret = clientSecret
        self.returnURL = returnURL; self.cancelURL = cancelURL; self.timeout = timeout
    }
}

/// An Orders v2 order as PayPal answered it, reduced to what the server checks.
public struct PayPalOrder: Sendable, Hashable {
    /// The order id.
    public var id: String
    /// `CREATED`, `APPROVED`, `COMPLETED`, ...
    public var status: String
    /// The `approve` (or `payer-action`) link.
    public var approvalURL: String?
    /// `purchase_units[0].reference_id`: the enrolment the order was created for.
    public var referenceID: String?
    /// The first capture of the first purchase unit: its id, status, amount and currency.
    public var captureID: String?
    public var captureStatus: String?
    public var capturedAmount: String?
    public var capturedCurrency: String?
}

/// Why a PayPal call did not give an order.
public enum PayPalError: Error, Sendable, Hashable {
    /// PayPal refused to capture: the payer's instrument was declined (`INSTRUMENT_DECLINED`) or similar.
    case declined(String)
    /// The order was captured before (`ORDER_ALREADY_CAPTURED`).
    case alreadyCaptured
    /// PayPal answered something else, or could not be reached (the detail names the step, never a secret).
    case unavailable(String)
}

/// PayPal's Orders v2 API as the server uses it: an OAuth 2.0 client-credentials token, create, read and capture
/// (https://developer.paypal.com/docs/api/orders/v2/). Only `settings.baseURL` is ever called.
public struct PayPalClient: Sendable {
    public let settings: PayPalSettings
    let session: URLSession

    /// A client of the PayPal API at `settings.baseURL`.
    public init(settings: PayPalSettings, session: URLSession = .shared) {
        self.settings = settings
        self.session = session
    }

    /// `POST /v1/oauth2/token` with HTTP Basic client credentials.
    func accessToken() async throws -> String {
        let basic = Data("\(settings.clientID):\(settings.clientSecret)".utf8).base64EncodedString()
        let (status, json) = try await call("POST", "/v1/oauth2/token", authorization: "Basic \(basic)",
                                            contentType: "application/x-www-form-urlencoded",
                                            body: Data("grant_type=client_credentials".utf8))
        guard status == 200, let token = json["access_token"] as? String, !token.isEmpty else {
            throw PayPalError.unavailable("token request answered \(status)")
        }
        return token
    }

    /// `POST /v2/checkout/orders`: an order to capture `amount` `currency`, its purchase unit referring to `reference`.
    public func createOrder(reference: String, amount: String, currency: String, description: String) async throws -> PayPalOrder {
        var unit: [String: Any] = [
            "reference_id": reference, "custom_id": reference, "description": String(description.prefix(127)),
            "amount": ["currency_code": currency, "value": amount],
        ]
        unit["invoice_id"] = reference
        var body: [String: Any] = ["intent": "CAPTURE", "purchase_units": [unit]]
        if let returnURL = settings.returnURL {
            var context: [String: Any] = ["return_url": returnURL, "user_action": "PAY_NOW", "shipping_preference": "NO_SHIPPING"]
            if let cancelURL = settings.cancelURL { context["cancel_url"] = cancelURL }
            body["payment_source"] = ["paypal": ["experience_context": context]]
        }
        let token = try await accessToken()
        let (status, json) = try await call("POST", "/v2/checkout/orders", authorization: "Bearer \(token)",
                                            body: try JSONSerialization.data(withJSONObject: body),
                                            requestID: "create-\(reference)")
        guard status == 200 || status == 201, let order = Self.order(json) else {
            throw PayPalError.unavailable("order creation answered \(status)")
        }
        return order
    }

    /// `GET /v2/checkout/orders/{id}`.
    public func order(id: String) async throws -> PayPalOrder {
        let token = try await accessToken()
        let (status, json) = try await call("GET", "/v2/checkout/orders/\(try Self.checked(id))", authorization: "Bearer \(token)")
        guard status == 200, let order = Self.order(json) else { throw PayPalError.unavailable("order read answered \(status)") }
        return order
    }

    /// `POST /v2/checkout/orders/{id}/capture`; ``PayPalError/declined(_:)`` or ``PayPalError/alreadyCaptured`` on
    /// PayPal's 422 answers.
    public func capture(id: String) async throws -> PayPalOrder {
        let token = try await accessToken()
        let (status, json) = try await call("POST", "/v2/checkout/orders/\(try Self.checked(id))/capture",
                                            authorization: "Bearer \(token)", body: Data("{}".utf8),
                                            requestID: "capture-\(id)")
        if status == 200 || status == 201, let order = Self.order(json) { return order }
        let issue = ((json["details"] as? [[String: Any]])?.first?["issue"] as? String) ?? (json["name"] as? String) ?? ""
        if issue == "ORDER_ALREADY_CAPTURED" { throw PayPalError.alreadyCaptured }
        if status == 422 { throw PayPalError.declined(issue.isEmpty ? "UNPROCESSABLE_ENTITY" : issue) }
        throw PayPalError.unavailable("capture answered \(status)")
    }

    /// An order id as PayPal makes them (letters and digits), so that it can go into a path.
    static func checked(_ id: String) throws -> String {
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw PayPalError.unavailable("not an order id")
        }
        return id
    }

    /// The order in PayPal's JSON.
    static func order(_ json: [String: Any]) -> PayPalOrder? {
        guard let id = json["id"] as? String, let status = json["status"] as? String else { return nil }
        let links = json["links"] as? [[String: Any]] ?? []
        let approval = links.first { ["approve", "payer-action"].contains($0["rel"] as? String ?? "") }?["href"] as? String
        let unit = (json["purchase_units"] as? [[String: Any]])?.first
        let capture = ((unit?["payments"] as? [String: Any])?["captures"] as? [[String: Any]])?.first
        let amount = capture?["amount"] as? [String: Any]
        return PayPalOrder(id: id, status: status, approvalURL: approval, referenceID: unit?["reference_id"] as? String,
                           captureID: capture?["id"] as? String, captureStatus: capture?["status"] as? String,
                           capturedAmount: amount?["value"] as? String, capturedCurrency: amount?["currency_code"] as? String)
    }

    /// One call under the base URL; the status and the JSON object answered (empty when it was none).
    func call(_ method: String, _ path: String, authorization: String, contentType: String = "application/json",
              body: Data? = nil, requestID: String? = nil) async throws -> (Int, [String: Any]) {
        guard let url = URL(string: settings.baseURL.absoluteString.trimmingCharacters(in: ["/"]) + path) else {
            throw PayPalError.unavailable("bad base URL")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: settings.timeout)
        request.httpMethod = method
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        // PayPal's idempotency key: a retried create or capture is not done twice.
        if let requestID { request.setValue(requestID, forHTTPHeaderField: "PayPal-Request-Id") }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw PayPalError.unavailable("\(url.host ?? "PayPal") unreachable")
        }
        guard let http = response as? HTTPURLResponse else { throw PayPalError.unavailable("no HTTP answer") }
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (http.statusCode, json)
    }
}

import Crypto
import FHIRModels
import Foundation
import IMISData

/// The HTTP request that delivers one subscription event, in the subscription's mode, signed as Standard Webhooks
/// do (https://www.standardwebhooks.com: `webhook-id`, `webhook-timestamp`, `webhook-signature`).
///
/// - openIMIS mode: `POST` of the bare resource to the endpoint itself, `Content-Type: application/json` (what the
///   openIMIS FHIR module sends and the payment mediators read; they answer 415 to `application/fhir+json`).
/// - R4 mode (http://hl7.org/fhir/R4/subscription.html#channels): without `channel.payload` an empty `POST` to the
///   endpoint; with one, the resource `PUT` to `[endpoint]/[type]/[id]` in the payload's media type.
///
/// Both add the `channel.header` lines as given (R4 `Name: value`, or openIMIS's JSON object string).
struct WebhookMessage: Sendable {
    var method: String
    var url: URL
    var headers: [(String, String)]
    var body: Data

    /// The request for `event` of `subscription`, signed at `timestamp`; nil when the stored subscription cannot be
    /// read back (its endpoint is not a URL).
    static func make(_ event: SubscriptionEvent, subscription: SubscriptionRecord, timestamp: Date) -> WebhookMessage? {
        let decoded = try? Subscription.decode(subscription.resource)
        let channel = decoded?.channel
        var headers: [(String, String)] = []
        let url: URL?
        var method = "POST"
        let body = Data((event.body ?? "").utf8)
        if subscription.mode == "openimis" {
            url = URL(string: subscription.endpoint)
            headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        } else if event.body != nil {
            var base = subscription.endpoint
            while base.hasSuffix("/") { base.removeLast() }
            url = URL(string: "\(base)/\(event.resourceType)/\(event.resourceID)")
            method = "PUT"
            let payload = channel?.payload?.value?.string.split(separator: ";").first.map { String($0).trimmed }
            headers = [("Content-Type", payload ?? "application/fhir+json")]
        } else {
            url = URL(string: subscription.endpoint)
        }
        guard let url else { return nil }
        headers += headerLines(channel?.header?.compactMap { $0.value?.string } ?? [])
        let seconds = String(Int64(timestamp.timeIntervalSince1970.rounded(.down)))
        headers += [("webhook-id", event.id), ("webhook-timestamp", seconds),
                    ("webhook-signature", signature(id: event.id, timestamp: seconds, body: body, secret: subscription.secret))]
        return WebhookMessage(method: method, url: url, headers: headers, body: body)
    }

    /// The header lines of `channel.header`: `Name: value` lines, or one JSON object string of names and values.
    static func headerLines(_ lines: [String]) -> [(String, String)] {
        if lines.count == 1, let only = lines.first, only.trimmed.hasPrefix("{"),
           case .object(let members)? = try? JSONParser.parse(only, maxDepth: 2)
        {
            return members.compactMap { member in
                guard case .string(let value) = member.value else { return nil }
                return (member.key, value)
            }
        }
        return lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmed)
        }
    }

    /// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` keyed by the secret's bytes (the base64 after
    /// `whsec_`).
    static func signature(id: String, timestamp: String, body: Data, secret: String) -> String {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        let key = SymmetricKey(data: Data(base64Encoded: encoded) ?? Data(encoded.utf8))
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }
}

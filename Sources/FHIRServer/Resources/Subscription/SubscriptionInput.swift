import FHIRModels
import Foundation

/// What a create or update of a Subscription accepts (http://hl7.org/fhir/R4/subscription.html), checked before
/// anything is stored: every refusal is a 422 naming the element.
struct SubscriptionInput: Sendable {
    /// The extension carrying the signing secret: supplied at create, answered once in the create answer.
    static let secretExtension = "urn:imis-fhir:StructureDefinition/subscription-secret"
    /// The openIMIS IG profile whose presence in `meta.profile` selects openIMIS mode.
    static let openIMISProfile = OpenIMISIG.structureDefinition("openimis-subscription")
    /// Header names a subscription may not set: the transport's own, and the signature's.
    static let reservedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "webhook-id", "webhook-timestamp", "webhook-signature",
    ]
    /// The payload types a notification can carry.
    static let payloadTypes: Set<String> = ["application/fhir+json", "application/json"]

    /// The resource as given, without the secret extension.
    var subscription: Subscription
    /// The secret supplied in the extension, if any.
    var suppliedSecret: String?
    /// The checked criteria.
    var criteria: SubscriptionCriteria
    /// The endpoint URL as written.
    var endpoint: String
    /// Whether the channel headers were written in openIMIS's form (one JSON object string).
    var openIMISHeaders: Bool
    /// `end`, when given.
    var end: Date?

    /// Checks `subscription` with the search parameters of `providers` and the endpoint `policy`.
    init(_ subscription: Subscription, providers: [String: any ResourceProvider], policy: EndpointPolicy)
        async throws(FHIRError)
    {
        var subscription = subscription
        if subscription.error?.value != nil {
            throw Self.refusal("Subscription.error", "error is written by the server's delivery, not by clients")
        }
        var secrets: [String] = []
        var others: [Extension] = []
        for item in subscription.extension ?? [] {
            guard item.url == Self.secretExtension else {
                others.append(item)
                continue
            }
            guard case .string(let value)? = item.value, let text = value.value?.string else {
                throw Self.refusal("Subscription.extension", "the subscription-secret extension takes a valueString")
            }
            secrets.append(text)
        }
        guard secrets.count <= 1 else { throw Self.refusal("Subscription.extension", "at most one subscription-secret") }
        if let secret = secrets.first { try Self.checkSecret(secret) }
        suppliedSecret = secrets.first
        subscription.extension = others.isEmpty ? nil : others
        let channel = subscription.channel
        guard channel.type.value == .restHook else {
            throw Self.refusal("Subscription.channel.type", "only rest-hook channels are supported")
        }
        guard let endpoint = channel.endpoint?.value?.string, !endpoint.isEmpty else {
            throw Self.refusal("Subscription.channel.endpoint", "a rest-hook channel needs an endpoint")
        }
        _ = try policy.check(endpoint)
        if let payload = channel.payload?.value?.string {
            let mediaType = payload.split(separator: ";").first.map { String($0).trimmed.lowercased() } ?? ""
            guard Self.payloadTypes.contains(mediaType) else {
                throw Self.refusal("Subscription.channel.payload", "channel.payload must be application/fhir+json or application/json")
            }
        }
        openIMISHeaders = try Self.checkHeaders((channel.header ?? []).compactMap { $0.value?.string })
        guard let criteriaText = subscription.criteria.value?.string else {
            throw Self.refusal("Subscription.criteria", "criteria is required")
        }
        criteria = try await SubscriptionCriteria.check(criteriaText, providers: providers)
        end = subscription.end?.value?.parts?.lowerBound
        self.endpoint = endpoint
        self.subscription = subscription
    }

    /// The delivery mode: openIMIS when written in openIMIS's form, profiled as the IG's `openimis-subscription`
    /// (the R4 or R5 IG's canonical), or created through the alias; R4 otherwise.
    func mode(viaAlias: Bool) -> String {
        let profiled = (subscription.meta?.profile ?? []).contains { profile in
            guard let url = profile.value?.string else { return false }
            return url == Self.openIMISProfile || OpenIMISIG.extensionId(of: url) == "openimis-subscription"
                || url.hasSuffix("/StructureDefinition/openimis-subscription")
        }
        return viaAlias || profiled || criteria.openIMISForm || openIMISHeaders ? "openimis" : "r4"
    }

    /// Checks the header lines: R4's `Name: value`, or openIMIS's one JSON object string of names and values;
    /// true for the latter. No line breaks or control characters, no reserved names.
    static func checkHeaders(_ lines: [String]) throws(FHIRError) -> Bool {
        if lines.count == 1, let only = lines.first, only.trimmed.hasPrefix("{") {
            let json: JSON
            do {
                json = try JSONParser.parse(only, maxDepth: 2)
            } catch {
                throw refusal("Subscription.channel.header", "channel.header[0] is not a JSON object of header names and values")
            }
            guard case .object(let members) = json else {
                throw refusal("Subscription.channel.header", "channel.header[0] is not a JSON object")
            }
            for member in members {
                guard case .string(let value) = member.value else {
                    throw refusal("Subscription.channel.header", "the value of header '\(FHIRError.printable(member.key))' must be a string")
                }
                try checkHeader(name: member.key, value: value)
            }
            return true
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw refusal("Subscription.channel.header", "a header line must read 'Name: value'")
            }
            try checkHeader(name: String(line[..<colon]), value: String(line[line.index(after: colon)...]).trimmed)
        }
        return false
    }

    /// One header: a token name (RFC 9110 §5.1) that is not reserved, a value without control characters.
    static func checkHeader(name: String, value: String) throws(FHIRError) {
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard !name.isEmpty, name.allSatisfy({ tokenCharacters.contains($0) }) else {
            throw refusal("Subscription.channel.header", "header name '\(FHIRError.printable(name))' is not a valid HTTP field name")
        }
        guard !reservedHeaders.contains(name.lowercased()) else {
            throw refusal("Subscription.channel.header", "header '\(name)' is set by the server and cannot be overridden")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7f }) else {
            throw refusal("Subscription.channel.header", "the value of header '\(name)' has a line break or control character")
        }
    }

    /// A supplied secret: `whsec_` and the base64 of 24 to 64 bytes (Standard Webhooks).
    static func checkSecret(_ secret: String) throws(FHIRError) {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), (24...64).contains(key.count)
        else {
            throw refusal("Subscription.extension", "the subscription-secret must be 'whsec_' and the base64 of 24 to 64 bytes")
        }
    }

    /// A new secret: `whsec_` and the base64 of 32 random bytes.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    static func refusal(_ path: String, _ message: String) -> FHIRError {
        FHIRError(.unprocessable, message, issues: [ValidationIssue(code: .value, path: path, message: message)])
    }
}

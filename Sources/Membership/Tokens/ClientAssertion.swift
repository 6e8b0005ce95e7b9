import Foundation

/// A client assertion (RFC 7523 §3, SMART App Launch 2.x Backend Services): a compact JWS whose header names the
/// algorithm and key, and whose claims say which client signed it, for which token endpoint, until when.
public struct ClientAssertion: Sendable {
    /// The largest assertion accepted, in bytes.
    public static let maximumSize = 8192
    /// The algorithms an assertion may be signed with: RS384 and ES384 (required by SMART Backend Services) and
    /// RS256 and ES256. `none` and HMAC algorithms are never accepted: the server holds no shared secret.
    public static let algorithms = ["RS384", "ES384", "RS256", "ES256"]
    /// How far ahead of now `exp` may be (SMART Backend Services: no more than five minutes).
    public static let maximumLifetime: TimeInterval = 300

    /// The claims an assertion must and may carry.
    struct Claims: Decodable {
        var iss: String?
        var sub: String?
        var aud: Audience?
        var exp: Double?
        var nbf: Double?
        var jti: String?
    }

    /// `aud`: one string or an array of them (RFC 7519 §4.1.3).
    enum Audience: Decodable {
        case one(String)
        case many([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .one(text)
            } else {
                self = .many(try container.decode([String].self))
            }
        }

        func contains(_ value: String) -> Bool {
            switch self {
            case .one(let text): text == value
            case .many(let texts): texts.contains(value)
            }
        }
    }

    let header: JWTSigner.Header
    let claims: Claims
    let signingInput: Data
    let signature: Data

    /// The client the assertion says signed it (`iss`, which must equal `sub`).
    public let clientID: String

    /// Parses an assertion without trusting it yet: the structure, the header (an accepted algorithm, a `kid`, no
    /// parameter this server does not process) and `iss` = `sub`. The signature and the other claims are checked by
    /// ``verify(with:tokenEndpoint:now:)``.
    public init(_ token: String) throws(TokenError) {
        guard token.utf8.count <= Self.maximumSize else {
            throw .invalidRequest("client_assertion exceeds \(Self.maximumSize) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            let header = try? JSONDecoder().decode(JWTSigner.Header.self, from: headerData),
            let names = try? JSONDecoder().decode(JWTSigner.HeaderNames.self, from: headerData),
            let claims = try? JSONDecoder().decode(Claims.self, from: payload)
        else { throw Self.refused("client_assertion is not a signed JWT") }
        do { try JWTSigner.checkParameters(header, names: names.names) } catch {
            throw Self.refused("client_assertion has a header parameter this server does not accept")
        }
        guard Self.algorithms.contains(header.alg) else {
            throw Self.refused("client_assertion must be signed with one of \(Self.algorithms.joined(separator: ", "))")
        }
        guard let kid = header.kid, !kid.isEmpty else { throw Self.refused("client_assertion has no kid header") }
        guard let iss = claims.iss, !iss.isEmpty, iss.utf8.count <= 255, claims.sub == iss else {
            throw Self.refused("client_assertion's iss and sub must both be the client_id")
        }
        self.header = header
        self.claims = claims
        self.signingInput = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        self.signature = signature
        self.clientID = iss
    }

    /// `invalid_client` (401, RFC 6749 §5.2) with a description that names what failed and nothing secret.
    static func refused(_ description: String) -> TokenError {
        TokenError("invalid_client", description, status: 401)
    }

    /// The refusal of an assertion whose `kid` names no registered key.
    static let unknownKey = refused("no key with this kid is registered for the client")

    /// Checks the signature with the key the `kid` names, then `aud`, `exp`, `nbf` and the presence of `jti`; the
    /// assertion's id and expiry for the replay check.
    func verify(with keys: ClientJWKS, tokenEndpoint: String, now: Date) throws(TokenError) -> (
        jti: String, expiresAt: Date
    ) {
        let kid = header.kid ?? ""
        let named = keys.keys(kid: kid)
        guard !named.isEmpty else { throw Self.unknownKey }
        guard named.contains(where: { $0.accepts(header.alg) }) else {
            throw Self.refused("the key with this kid does not sign with \(header.alg)")
        }
        guard named.contains(where: { $0.isValid(signature: signature, for: signingInput, alg: header.alg) }) else {
            throw Self.refused("client_assertion's signature does not verify")
        }
        guard claims.aud?.contains(tokenEndpoint) == true else {
            throw Self.refused("client_assertion's aud must be the token endpoint \(tokenEndpoint)")
        }
        let seconds = now.timeIntervalSince1970
        guard let exp = claims.exp, exp.isFinite else { throw Self.refused("client_assertion has no exp") }
        guard exp > seconds else { throw Self.refused("client_assertion has expired") }
        guard exp <= seconds + Self.maximumLifetime else {
            throw Self.refused("client_assertion's exp is more than 5 minutes ahead")
        }
        if let nbf = claims.nbf, !(nbf <= seconds) { throw Self.refused("client_assertion is not valid yet (nbf)") }
        guard let jti = claims.jti, !jti.isEmpty, jti.utf8.count <= 255 else {
            throw Self.refused("client_assertion needs a jti of at most 255 characters")
        }
        return (jti, Date(timeIntervalSince1970: exp.rounded(.up)))
    }
}

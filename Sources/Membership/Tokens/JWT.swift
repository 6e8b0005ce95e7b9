import Crypto
import CryptoExtras
import Foundation

/// Why a token was refused. The HTTP layer answers every case with 401 and a generic text.
public enum JWTError: Error, Hashable, Sendable {
    case malformed
    case algorithmNotAllowed
    case unknownKey
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    case invalidKey(String)
    /// A header this server does not accept on an access token: `crit` (RFC 7515 §4.1.11: no extension is
    /// understood here), a JWE-only parameter (`zip`, `enc`), or a `typ` other than a JWT access token.
    case unsupportedHeader(String)
}

/// The signing key of the server: HS256 with a secret, or RS256/ES256 with a private key (PEM). Verification
/// accepts exactly this key's algorithm and key id — nothing else (`alg: none`, HS256 with the public key,
/// another `kid` are all refused).
public struct JWTKey: Sendable {
    enum Material: Sendable {
        case hmac(SymmetricKey)
        case rsa(_RSA.Signing.PrivateKey?, _RSA.Signing.PublicKey)
        case ecdsa(P256.Signing.PrivateKey?, P256.Signing.PublicKey)
    }

    let material: Material
    /// The `kid` header of the tokens it signs.
    public let keyID: String

    /// The JWS algorithm: `HS256`, `RS256` or `ES256`.
    public var algorithm: String {
        switch material {
        case .hmac: "HS256"
        case .rsa: "RS256"
        case .ecdsa: "ES256"
        }
    }

    /// HS256 with a shared secret.
    public static func hs256(secret: [UInt8], keyID: String = "hs256") -> JWTKey {
        JWTKey(material: .hmac(SymmetricKey(data: secret)), keyID: keyID)
    }

    /// RS256 or ES256 from a PEM private key (PKCS#1, PKCS#8 or SEC1); the key id is derived from the public key
    /// unless given.
    public static func privateKey(pem: String, keyID: String? = nil) throws -> JWTKey {
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            guard rsa.keySizeInBits >= 2048 else { throw JWTError.invalidKey("RSA keys must have at least 2048 bits") }
            let id = keyID ?? thumbprint(rsa.publicKey.derRepresentation)
            return JWTKey(material: .rsa(rsa, rsa.publicKey), keyID: id)
        }
        if let ec = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            return JWTKey(material: .ecdsa(ec, ec.publicKey), keyID: keyID ?? thumbprint(ec.publicKey.derRepresentation))
        }
        throw JWTError.invalidKey("not an RSA or P-256 private key in PEM")
    }

    /// A verification-only key from a PEM public key (RS256 or ES256).
    public static func publicKey(pem: String, keyID: String? = nil) throws -> JWTKey {
        if let rsa = try? _RSA.Signing.PublicKey(pemRepresentation: pem) {
            return JWTKey(material: .rsa(nil, rsa), keyID: keyID ?? thumbprint(rsa.derRepresentation))
        }
        if let ec = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            return JWTKey(material: .ecdsa(nil, ec), keyID: keyID ?? thumbprint(ec.derRepresentation))
        }
        throw JWTError.invalidKey("not an RSA or P-256 public key in PEM")
    }

    static func thumbprint(_ der: Data) -> String {
        String(Base64URL.encode(Data(SHA256.hash(data: der))).prefix(16))
    }

    func sign(_ input: Data) throws -> Data {
        switch material {
        case .hmac(let key):
            return Data(HMAC<SHA256>.authenticationCode(for: input, using: key))
        case .rsa(let key?, _):
            return try key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation
        case .ecdsa(let key?, _):
            return try key.signature(for: SHA256.hash(data: input)).rawRepresentation
        default:
            throw JWTError.invalidKey("no private key to sign with")
        }
    }

    func isValid(signature: Data, for input: Data) -> Bool {
        switch material {
        case .hmac(let key):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
        case .rsa(_, let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                        for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
        case .ecdsa(_, let key):
            guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: input))
        }
    }

    /// The public key as a JWK (RFC 7517) for `/auth/jwks.json`; nil for HS256, whose secret is never published.
    public var publicJWK: [String: String]? {
        switch material {
        case .hmac:
            return nil
        case .rsa(_, let key):
            guard let primitives = try? key.getKeyPrimitives() else { return nil }
            return ["kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
                    "n": Base64URL.encode(primitives.modulus), "e": Base64URL.encode(primitives.publicExponent)]
        case .ecdsa(_, let key):
            let raw = key.rawRepresentation  // x ‖ y, 32 bytes each
            return ["kty": "EC", "use": "sig", "alg": "ES256", "kid": keyID, "crv": "P-256",
                    "x": Base64URL.encode(raw.prefix(32)), "y": Base64URL.encode(raw.suffix(32))]
        }
    }
}

/// Signs and verifies compact JWS tokens (RFC 7519) with one pinned key.
public struct JWTSigner: Sendable {
    public let key: JWTKey

    public init(key: JWTKey) {
        self.key = key
    }

    struct Header: Codable {
        var alg: String
        var typ: String?
        var kid: String?
    }

    /// The names of every parameter of a JOSE header, whatever their values.
    struct HeaderNames: Decodable {
        struct Name: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        let names: Set<String>

        init(from decoder: any Decoder) throws {
            names = Set(try decoder.container(keyedBy: Name.self).allKeys.map(\.stringValue))
        }
    }

    /// Header parameters that only a JWE carries (RFC 7516 §4.1.2, §4.1.3): never valid on a signed access token.
    static let encryptionOnly: Set<String> = ["zip", "enc"]
    /// The `typ` values of a JWT access token (RFC 7519 §5.1, RFC 9068 §2.1), compared without case and without the
    /// optional `application/` prefix (RFC 7515 §4.1.9).
    static let accessTokenTypes: Set<String> = ["jwt", "at+jwt"]

    /// Refuses a header with parameters this server does not process: any `crit` (RFC 7515 §4.1.11 requires
    /// rejecting a JWS whose critical extensions are not understood, and none is understood here), JWE-only
    /// parameters, and a `typ` naming anything but a JWT access token.
    static func checkParameters(_ header: Header, names: Set<String>) throws(JWTError) {
        if names.contains("crit") { throw .unsupportedHeader("crit") }
        if let name = names.first(where: encryptionOnly.contains) { throw .unsupportedHeader(name) }
        if let typ = header.typ {
            var type = typ.lowercased()
            if type.hasPrefix("application/") { type.removeFirst("application/".count) }
            guard accessTokenTypes.contains(type) else { throw .unsupportedHeader("typ") }
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A signed token carrying `claims`.
    public func sign<C: Encodable>(_ claims: C) throws -> String {
        let header = try Self.encoder.encode(Header(alg: key.algorithm, typ: "JWT", kid: key.keyID))
        let payload = try Self.encoder.encode(claims)
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let signature = try key.sign(Data(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    /// The payload of a token whose header names exactly this key's algorithm and id, carries no parameter this server
    /// does not process (see `checkParameters`), and whose signature holds.
    /// Time and audience claims are the caller's to check (see `AccessTokenClaims.validate`).
    public func verifiedPayload(_ token: String) throws(JWTError) -> Data {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count < 8192,
              let headerData = Base64URL.decode(parts[0]),
              let payload = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2])
        else { throw .malformed }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData),
              let names = try? JSONDecoder().decode(HeaderNames.self, from: headerData)
        else { throw .malformed }
        try Self.checkParameters(header, names: names.names)
        guard header.alg == key.algorithm else { throw .algorithmNotAllowed }
        guard header.kid == key.keyID else { throw .unknownKey }
        let input = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard key.isValid(signature: signature, for: input) else { throw .badSignature }
        return payload
    }

    /// The verified claims of a token, decoded as `C`.
    public func verify<C: Decodable>(_ token: String, as type: C.Type) throws(JWTError) -> C {
        let payload = try verifiedPayload(token)
        guard let claims = try? JSONDecoder().decode(C.self, from: payload) else { throw .malformed }
        return claims
    }
}

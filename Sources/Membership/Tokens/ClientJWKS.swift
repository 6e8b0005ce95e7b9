import Crypto
import CryptoExtras
import Foundation

/// A public key a system client registered to sign its assertions (RFC 7517 JWK; SMART App Launch 2.x Backend
/// Services: RS384 and ES384 are required, RS256 and ES256 are accepted too).
public struct ClientPublicKey: Sendable {
    enum Material: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }

    let material: Material
    /// The JWK's `kid`; nil when it has none (such a key is never chosen: assertions name their key).
    public let keyID: String?
    /// The JWK's `alg` when it names one: the only algorithm the key then verifies.
    public let algorithm: String?

    /// The algorithms a key of this kind can verify.
    var algorithms: Set<String> {
        switch material {
        case .rsa: ["RS384", "RS256"]
        case .p256: ["ES256"]
        case .p384: ["ES384"]
        }
    }

    /// Whether this key may verify a signature made with `alg`.
    func accepts(_ alg: String) -> Bool {
        algorithms.contains(alg) && (algorithm == nil || algorithm == alg)
    }

    /// Whether `signature` over `input` holds under `alg` with this key.
    func isValid(signature: Data, for input: Data, alg: String) -> Bool {
        guard accepts(alg) else { return false }
        switch material {
        case .rsa(let key):
            let signature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            return alg == "RS384"
                ? key.isValidSignature(signature, for: SHA384.hash(data: input), padding: .insecurePKCS1v1_5)
                : key.isValidSignature(signature, for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
        case .p256(let key):
            guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: input))
        case .p384(let key):
            guard signature.count == 96, let parsed = try? P384.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(parsed, for: SHA384.hash(data: input))
        }
    }
}

/// A JWK Set (RFC 7517 §5) of a client's public signing keys. Keys of other kinds or uses (`use: enc`, symmetric
/// `oct` keys, other curves) are left out; a private member (`d`) makes the whole set invalid, so a private key is
/// never stored by mistake.
public struct ClientJWKS: Sendable {
    /// The largest JWK Set accepted, in bytes (a file or a fetched document).
    public static let maximumSize = 64 * 1024

    public let keys: [ClientPublicKey]

    struct Document: Decodable {
        struct Key: Decodable {
            var kty: String?
            var kid: String?
            var alg: String?
            var use: String?
            var crv: String?
            var n: String?
            var e: String?
            var x: String?
            var y: String?
            var d: String?
        }

        var keys: [Key]
    }

    /// The usable signing keys of a JWK Set document; `JWTError.invalidKey` when it is not one, holds a private key,
    /// or holds no usable key.
    public init(json: Data) throws(JWTError) {
        guard json.count <= Self.maximumSize else { throw .invalidKey("the JWK Set exceeds \(Self.maximumSize) bytes") }
        guard let document = try? JSONDecoder().decode(Document.self, from: json) else {
            throw .invalidKey("not a JWK Set ({\"keys\": [...]})")
        }
        var keys: [ClientPublicKey] = []
        for key in document.keys {
            if key.d != nil { throw .invalidKey("the JWK Set holds a private key; register public keys only") }
            if let use = key.use, use != "sig" { continue }
            if let material = Self.material(key) {
                keys.append(ClientPublicKey(material: material, keyID: key.kid, algorithm: key.alg))
            }
        }
        guard !keys.isEmpty else {
            throw .invalidKey("the JWK Set holds no RSA (2048 bits or more), P-256 or P-384 signing key")
        }
        self.keys = keys
    }

    static func material(_ key: Document.Key) -> ClientPublicKey.Material? {
        switch key.kty {
        case "RSA":
            guard let n = key.n.flatMap(Base64URL.decode), let e = key.e.flatMap(Base64URL.decode),
                let rsa = try? _RSA.Signing.PublicKey(n: n, e: e), rsa.keySizeInBits >= 2048
            else { return nil }
            return .rsa(rsa)
        case "EC":
            guard let x = key.x.flatMap(Base64URL.decode), let y = key.y.flatMap(Base64URL.decode) else { return nil }
            switch key.crv {
            case "P-256":
                guard x.count == 32, y.count == 32, let ec = try? P256.Signing.PublicKey(rawRepresentation: x + y)
                else { return nil }
                return .p256(ec)
            case "P-384":
                guard x.count == 48, y.count == 48, let ec = try? P384.Signing.PublicKey(rawRepresentation: x + y)
                else { return nil }
                return .p384(ec)
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// The keys with this `kid` (SMART Backend Services: the `kid` header names the key that signed).
    func keys(kid: String) -> [ClientPublicKey] {
        keys.filter { $0.keyID == kid }
    }
}

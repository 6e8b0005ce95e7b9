import Crypto
import CryptoExtras
import Foundation

/// A Google service account (the JSON key file): who signs the OAuth 2.0 assertion and where it is exchanged.
public struct ServiceAccount: Sendable, Hashable {
    /// `client_email`: the assertion's issuer.
    public var clientEmail: String
    /// `private_key`: PEM (PKCS#8 or PKCS#1) RSA key, 2048 bits or more.
    public var privateKeyPEM: String
    /// `private_key_id`: the `kid` of the assertion's header, when present.
    public var privateKeyID: String?
    /// `token_uri`: where the assertion is exchanged for an access token.
    public var tokenURI: URL
    /// `project_id`, when present.
    public var projectID: String?

    public init(clientEmail: String, privateKeyPEM: String, privateKeyID: String? = nil, tokenURI: URL,
                projectID: String? = nil) {
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
        self.projectID = projectID
    }

    private struct File: Decodable {
        var client_email: String?
        var private_key: String?
        var private_key_id: String?
        var token_uri: String?
        var project_id: String?
    }

    /// Parses a service-account key file; errors name `setting` and never quote the key.
    public init(json: Data, setting: String = "FCM_CREDENTIALS") throws {
        guard let file = try? JSONDecoder().decode(File.self, from: json) else {
            throw ConfigurationError(setting, "not a service-account JSON document")
        }
        guard let email = file.client_email, !email.isEmpty else {
            throw ConfigurationError(setting, "client_email is missing")
        }
        guard let pem = file.private_key, (try? _RSA.Signing.PrivateKey(pemRepresentation: pem)) != nil else {
            throw ConfigurationError(setting, "private_key is missing or not an RSA key of 2048 bits or more")
        }
        let tokenURI = try Settings.checkedURL(file.token_uri ?? "https://oauth2.googleapis.com/token",
                                               setting: "\(setting) token_uri")
        self.init(clientEmail: email, privateKeyPEM: pem, privateKeyID: file.private_key_id, tokenURI: tokenURI,
                  projectID: file.project_id)
    }

    /// The OAuth 2.0 scope of FCM HTTP v1.
    public static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

    /// The RS256 JWT a service account exchanges for an access token (RFC 7523, Google's "JWT bearer" flow):
    /// `iss` = client e-mail, `aud` = token URI, `scope`, `iat`, `exp` (one hour later, the most Google accepts).
    public func assertion(scope: String = ServiceAccount.messagingScope, now: Date) throws -> String {
        struct Header: Encodable {
            let alg = "RS256", typ = "JWT"
            let kid: String?
        }
        struct Claims: Encodable {
            let iss: String, scope: String, aud: String
            let iat: Int64, exp: Int64
        }
        let issued = Int64(now.timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let header = try encoder.encode(Header(kid: privateKeyID))
        let claims = try encoder.encode(Claims(iss: clientEmail, scope: scope, aud: tokenURI.absoluteString,
                                               iat: issued, exp: issued + 3600))
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        let signature = try key.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}

/// base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode<D: DataProtocol>(_ data: D) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

import CryptoExtras
import Foundation

/// A Google service account (the JSON key file): who signs the OAuth 2.0 assertion and where it is exchanged.
public struct ServiceAccount: Sendable, Hashable {
    /// `client_email`: the assertion's issuer.
    public var clientEmail: String
    /// `private_key`: PEM (PKCS#8 or PKCS#1) RSA key, 2048 bits or more.
    public var privateKeyPEM: String
    /// `private_key_id`: the `kid` of the assertion's header.
    public var privateKeyID: String
    /// `token_uri`: where the assertion is exchanged for an access token.
    public var tokenURI: URL
    /// `project_id`, when present.
    public var projectID: String?

    public init(clientEmail: String, privateKeyPEM: String, privateKeyID: String, tokenURI: URL,
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
        guard let keyID = file.private_key_id, !keyID.isEmpty else {
            throw ConfigurationError(setting, "private_key_id is missing")
        }
        let tokenURI = try Settings.checkedURL(file.token_uri ?? "https://oauth2.googleapis.com/token",
                                               setting: "\(setting) token_uri")
        self.init(clientEmail: email, privateKeyPEM: pem, privateKeyID: keyID, tokenURI: tokenURI,
                  projectID: file.project_id)
    }

    /// The OAuth 2.0 scope of FCM HTTP v1.
    public static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

    /// The RS256 JWT a service account exchanges for an access token (RFC 7523, Google's "JWT bearer" flow):
    /// `iss` = client e-mail, `aud` = token URI, `scope`, `iat`, `exp` (one hour later, the most Google accepts);
    /// the header's `kid` is the key file's `private_key_id`.
    public func assertion(scope: String = ServiceAccount.messagingScope, now: Date) throws -> String {
        struct Claims: Encodable {
            let iss: String, scope: String, aud: String
            let iat: Int64, exp: Int64
        }
        let issued = Int64(now.timeIntervalSince1970)
        let signer = JWTSigner(key: try JWTKey.privateKey(pem: privateKeyPEM, keyID: privateKeyID))
        return try signer.sign(Claims(iss: clientEmail, scope: scope, aud: tokenURI.absoluteString, iat: issued,
                                      exp: issued + 3600))
    }
}

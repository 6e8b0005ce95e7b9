import FHIRServer
import Foundation
import IMISData
import Logging
import Membership

extension Settings {
    /// A duration such as `15m`, `30d`, `3600` (seconds) or `12h`.
    func duration(_ key: String, _ fallback: TimeInterval) throws -> TimeInterval {
        guard let raw = values[key]?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return fallback }
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var number = Substring(raw)
        var unit: TimeInterval = 1
        if let last = raw.last, let factor = units[last] {
            number = number.dropLast()
            unit = factor
        }
        guard let value = Int(number), value > 0 else {
            throw SettingsError(key: key, message: "must be a positive duration such as 900, 15m, 12h or 30d")
        }
        return TimeInterval(value) * unit
    }

    /// The PEM text of a setting that names a file (or holds the PEM itself).
    func pem(_ key: String) throws -> String? {
        guard let raw = values[key], !raw.isEmpty else { return nil }
        if raw.hasPrefix("-----BEGIN") { return raw.replacingOccurrences(of: "\\n", with: "\n") }
        guard let text = try? String(contentsOfFile: raw, encoding: .utf8) else {
            throw SettingsError(key: key, message: "cannot read the PEM file")
        }
        return text
    }

    /// The token signing key: RS256/ES256 from `JWT_PRIVATE_KEY`, else HS256 with `SECRET_KEY`. PROD refuses to start
    /// without a key or a strong secret; DEV generates a secret and says so.
    func signingKey(production: Bool, logger: Logger) throws -> (key: JWTKey, secret: [UInt8]) {
        let secretText = values["SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let secretText, production, secretText.utf8.count < 32 {
            throw SettingsError(key: "SECRET_KEY", message: "must be at least 32 characters in PROD")
        }
        var secret = secretText.map { Array($0.utf8) }
        if let pem = try pem("JWT_PRIVATE_KEY") {
            let key: JWTKey
            do {
                key = try JWTKey.privateKey(pem: pem)
            } catch {
                throw SettingsError(key: "JWT_PRIVATE_KEY", message: "\(error)")
            }
            if let publicPEM = try self.pem("JWT_PUBLIC_KEY") {
                guard let published = try? JWTKey.publicKey(pem: publicPEM), published.publicJWK == key.publicJWK else {
                    throw SettingsError(key: "JWT_PUBLIC_KEY", message: "is not the public half of JWT_PRIVATE_KEY")
                }
            }
            if secret == nil {
                // The OTP hashes need a secret of their own: derived from the private key.
                secret = Array(pem.utf8)
            }
            return (key, secret!)
        }
        if secret == nil {
            guard !production else {
                throw SettingsError(key: "SECRET_KEY", message: "PROD needs SECRET_KEY (32+ characters) or JWT_PRIVATE_KEY")
            }
            secret = Array(OpaqueSecret.make().utf8)
            logger.warning("SECRET_KEY is not set: generated one for this run (DEV); tokens end when the server stops")
        }
        return (JWTKey.hs256(secret: secret!), secret!)
    }

    func tokenSettings(_ configuration: ServerConfiguration) throws -> TokenSettings {
        let issuer = configuration.siteURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            ?? "http://\(configuration.host):\(configuration.port)"
        var settings = TokenSettings(
            issuer: issuer, audience: issuer, accessTokenTTL: try duration("ACCESS_TOKEN_TTL", 900),
            refreshTokenTTL: try duration("REFRESH_TOKEN_TTL", 30 * 86_400), rowSecurity: try bool("ROW_SECURITY", false))
        // Clients' JWK Set URLs: HTTPS only in production.
        settings.jwksRequiresHTTPS = configuration.production
        return settings
    }

    func authServices(storage: Storage, configuration: ServerConfiguration, logger: Logger) throws -> AuthServices {
        let (key, secret) = try signingKey(production: configuration.production, logger: logger)
        let outbox = DevelopmentOutbox.forMode(configuration.production ? "PROD" : "DEV")
        let notifier: Notifier
        do {
            notifier = try NotificationConfiguration(environment: values)
                .makeNotifier(pushTokens: storage.pushTokens, outbox: outbox, logger: logger)
        } catch let error as ConfigurationError {
            throw SettingsError(key: error.setting, message: error.problem)
        }
        let photoRoot = values["PHOTO_ROOT_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        var services = AuthServices.over(storage, signer: JWTSigner(key: key), settings: try tokenSettings(configuration),
                                         otpSecret: secret, notifier: notifier, outbox: outbox, photoRoot: photoRoot, logger: logger)
        // The mobile app's configuration document: `MEMBERSHIP_SUPPORT_EMAIL` (else `INSURER_EMAIL`), `INSURER_NAME`,
        // `CURRENCY`.
        func text(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        services.app.supportEmail = text("MEMBERSHIP_SUPPORT_EMAIL") ?? text("INSURER_EMAIL") ?? ""
        services.app.operatorName = text("INSURER_NAME") ?? services.app.operatorName
        services.app.currency = text("CURRENCY") ?? services.app.currency
        services.enrolment = try enrolmentSettings(production: configuration.production)
        return services
    }
}

import Foundation

/// A setting that is missing or cannot be used; the description names it (never its value: it may be a secret).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The environment variable, e.g. `EMAIL_PORT`.
    public var setting: String
    public var problem: String

    public init(_ setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting): \(problem)" }
}

/// Reading typed settings from an environment dictionary.
struct Settings {
    let environment: [String: String]

    /// The trimmed value, nil when unset or blank.
    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let value = string(name) else { return fallback }
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(name, "expected true or false")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = string(name) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw ConfigurationError(name, "expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// An absolute http(s) URL; plain http only to a loopback host unless `plainHTTP` allows it anywhere.
    func url(_ name: String, plainHTTP: Bool = false) throws -> URL? {
        guard let value = string(name) else { return nil }
        return try Self.checkedURL(value, setting: name, plainHTTP: plainHTTP)
    }

    static func checkedURL(_ value: String, setting: String, plainHTTP: Bool = false) throws -> URL {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { throw ConfigurationError(setting, "expected an absolute http(s) URL") }
        switch scheme {
        case "https": return url
        case "http" where plainHTTP || isLoopback(host): return url
        case "http": throw ConfigurationError(setting, "plain http is only allowed to a loopback host")
        default: throw ConfigurationError(setting, "expected an absolute http(s) URL")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The SMTP server for e-mail (`EMAIL_*`, as Django names them).
public struct EmailConfiguration: Sendable, Hashable {
    /// `EMAIL_HOST`.
    public var host: String
    /// `EMAIL_PORT`; defaults to 465 with `EMAIL_USE_SSL`, 587 with `EMAIL_USE_TLS`, 25 otherwise.
    public var port: Int
    /// `EMAIL_HOST_USER`: authenticate (AUTH PLAIN or LOGIN) when set.
    public var username: String?
    /// `EMAIL_HOST_PASSWORD`.
    public var password: String?
    /// `EMAIL_USE_TLS`: upgrade the connection with STARTTLS (required: no fallback to plain text).
    public var useStartTLS: Bool
    /// `EMAIL_USE_SSL`: implicit TLS from the first byte (SMTPS).
    public var useImplicitTLS: Bool
    /// `EMAIL_FROM`: the sender, `address` or `Name <address>`.
    public var from: String
    /// `EMAIL_SSL_CAFILE`: PEM file of the certificates to trust instead of the system's.
    public var caFile: String?
    /// `EMAIL_TIMEOUT` (seconds, default 30): the longest a whole SMTP session may take.
    public var timeout: Duration
    /// The name given in EHLO (`EMAIL_HELO_NAME`, default `localhost`).
    public var heloName: String
    /// Lets AUTH go over a connection without TLS — honoured only for a loopback host (tests).
    public var allowsAuthenticationWithoutTLS: Bool

    public init(host: String, port: Int? = nil, username: String? = nil, password: String? = nil,
                useStartTLS: Bool = false, useImplicitTLS: Bool = false, from: String, caFile: String? = nil,
                timeout: Duration = .seconds(30), heloName: String = "localhost",
                allowsAuthenticationWithoutTLS: Bool = false) {
        self.host = host
        self.port = port ?? (useImplicitTLS ? 465 : useStartTLS ? 587 : 25)
        self.username = username
        self.password = password
        self.useStartTLS = useStartTLS
        self.useImplicitTLS = useImplicitTLS
        self.from = from
        self.caFile = caFile
        self.timeout = timeout
        self.heloName = heloName
        self.allowsAuthenticationWithoutTLS = allowsAuthenticationWithoutTLS
    }

    /// The settings from `environment`; nil when `EMAIL_HOST` is not set (no e-mail channel).
    public static func from(environment: [String: String]) throws -> EmailConfiguration? {
        let settings = Settings(environment: environment)
        guard let host = settings.string("EMAIL_HOST") else { return nil }
        let useTLS = try settings.bool("EMAIL_USE_TLS", default: false)
        let useSSL = try settings.bool("EMAIL_USE_SSL", default: false)
        if useTLS && useSSL {
            throw ConfigurationError("EMAIL_USE_SSL", "EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive")
        }
        let port = try settings.integer("EMAIL_PORT", in: 1...65535)
        let username = settings.string("EMAIL_HOST_USER")
        let password = environment["EMAIL_HOST_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if username != nil && password == nil {
            throw ConfigurationError("EMAIL_HOST_PASSWORD", "required when EMAIL_HOST_USER is set")
        }
        guard let from = settings.string("EMAIL_FROM") else {
            throw ConfigurationError("EMAIL_FROM", "required when EMAIL_HOST is set")
        }
        guard SMTPMessage.envelopeAddress(from) != nil else {
            throw ConfigurationError("EMAIL_FROM", "expected an e-mail address, optionally as Name <address>")
        }
        let caFile = settings.string("EMAIL_SSL_CAFILE")
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ConfigurationError("EMAIL_SSL_CAFILE", "file not found or not readable")
        }
        let timeout = try settings.integer("EMAIL_TIMEOUT", in: 1...600) ?? 30
        return EmailConfiguration(host: host, port: port, username: username, password: password, useStartTLS: useTLS,
                                  useImplicitTLS: useSSL, from: from, caFile: caFile, timeout: .seconds(timeout),
                                  heloName: settings.string("EMAIL_HELO_NAME") ?? "localhost")
    }
}

/// Firebase Cloud Messaging HTTP v1 (`FCM_*`).
public struct FCMConfiguration: Sendable, Hashable {
    /// `FCM_PROJECT_ID` (defaults to the service account's `project_id`).
    public var projectID: String
    /// `FCM_CREDENTIALS`: the service account.
    public var serviceAccount: ServiceAccount
    /// `FCM_URL` (default `https://fcm.googleapis.com`).
    public var baseURL: URL

    public init(projectID: String, serviceAccount: ServiceAccount,
                baseURL: URL = URL(string: "https://fcm.googleapis.com")!) {
        self.projectID = projectID
        self.serviceAccount = serviceAccount
        self.baseURL = baseURL
    }

    /// `{FCM_URL}/v1/projects/{project}/messages:send`.
    public var sendURL: URL {
        baseURL.appendingPathComponent("v1/projects/\(projectID)/messages:send")
    }

    /// The settings from `environment`; nil when neither `FCM_CREDENTIALS` nor `FCM_PROJECT_ID` is set.
    public static func from(environment: [String: String]) throws -> FCMConfiguration? {
        let settings = Settings(environment: environment)
        let project = settings.string("FCM_PROJECT_ID")
        guard let credentials = settings.string("FCM_CREDENTIALS") else {
            if project != nil { throw ConfigurationError("FCM_CREDENTIALS", "required when FCM_PROJECT_ID is set") }
            return nil
        }
        let json: Data
        if credentials.hasPrefix("{") {
            json = Data(credentials.utf8)
        } else {
            guard let data = FileManager.default.contents(atPath: credentials) else {
                throw ConfigurationError("FCM_CREDENTIALS", "neither inline JSON nor a readable file")
            }
            json = data
        }
        let account = try ServiceAccount(json: json, setting: "FCM_CREDENTIALS")
        guard let projectID = project ?? account.projectID else {
            throw ConfigurationError("FCM_PROJECT_ID", "required (the service account names no project_id)")
        }
        let baseURL = try settings.url("FCM_URL") ?? URL(string: "https://fcm.googleapis.com")!
        return FCMConfiguration(projectID: projectID, serviceAccount: account, baseURL: baseURL)
    }
}

/// An HTTP SMS gateway (`SMS_GATEWAY_*`): `POST {"to", "message"}` with a bearer token.
public struct SMSGatewayConfiguration: Sendable, Hashable {
    /// `SMS_GATEWAY_URL`.
    public var url: URL
    /// `SMS_GATEWAY_TOKEN`.
    public var token: String?
    /// Seconds before a request is abandoned.
    public var timeout: TimeInterval

    public init(url: URL, token: String? = nil, timeout: TimeInterval = 30) {
        self.url = url
        self.token = token
        self.timeout = timeout
    }

    /// The settings from `environment`; nil when `SMS_GATEWAY_URL` is not set. The gateway may be a plain http
    /// service of the local network, so http is accepted.
    public static func from(environment: [String: String]) throws -> SMSGatewayConfiguration? {
        let settings = Settings(environment: environment)
        guard let url = try settings.url("SMS_GATEWAY_URL", plainHTTP: true) else {
            if settings.string("SMS_GATEWAY_TOKEN") != nil {
                throw ConfigurationError("SMS_GATEWAY_URL", "required when SMS_GATEWAY_TOKEN is set")
            }
            return nil
        }
        return SMSGatewayConfiguration(url: url, token: settings.string("SMS_GATEWAY_TOKEN"))
    }
}

/// Every delivery channel's settings, read once at start-up.
public struct NotificationConfiguration: Sendable, Hashable {
    public var email: EmailConfiguration?
    public var fcm: FCMConfiguration?
    public var sms: SMSGatewayConfiguration?

    public init(email: EmailConfiguration? = nil, fcm: FCMConfiguration? = nil, sms: SMSGatewayConfiguration? = nil) {
        self.email = email
        self.fcm = fcm
        self.sms = sms
    }

    /// Reads `EMAIL_*`, `FCM_*` and `SMS_GATEWAY_*`; throws a `ConfigurationError` naming the first bad setting.
    public init(environment: [String: String]) throws {
        self.init(email: try EmailConfiguration.from(environment: environment),
                  fcm: try FCMConfiguration.from(environment: environment),
                  sms: try SMSGatewayConfiguration.from(environment: environment))
    }
}

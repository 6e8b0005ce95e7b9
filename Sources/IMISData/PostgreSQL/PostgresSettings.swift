import Foundation

/// Where the PostgreSQL database is and how to reach it (`DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`,
/// `DB_PASSWORD`, `DB_OPTIONS`).
public struct PostgresSettings: Sendable, Hashable {
    /// How the connection is secured (`DB_OPTIONS` `sslmode`, libpq's names).
    public enum TLSMode: String, Sendable, Hashable {
        /// No TLS.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection.
        case require
    }

    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: String?
    public var tls: TLSMode
    /// The most connections one server instance opens.
    public var maximumConnections: Int
    /// The schema the tables live in (`DB_OPTIONS` `search_path`/`schema`), `public` by default.
    public var schema: String?
    /// The longest wait for a new connection to open (`DB_CONNECT_TIMEOUT`, 5 s).
    public var connectTimeout: Duration = .seconds(5)
    /// The longest a request waits for a connection of the pool (`DB_POOL_TIMEOUT`, 5 s); then it answers 503.
    public var poolTimeout: Duration = .seconds(5)
    /// The longest one statement may run (`DB_STATEMENT_TIMEOUT`, 30 s; nil: no limit), PostgreSQL's
    /// `statement_timeout` on every connection.
    public var statementTimeout: Duration? = .seconds(30)
    /// Hot-standby replicas reads may go to (`DB_REPLICA_HOSTS`; see ``PostgresReplicas``).
    public var replicas: [PostgresReplica] = []
    /// How far behind the primary a replica may be and still answer reads (`DB_REPLICA_MAX_LAG`, 1 s).
    public var replicaMaxLag: Duration = .seconds(1)

    /// Settings with defaults for what is not given.
    public init(host: String = "127.0.0.1", port: Int = 5432, database: String, username: String, password: String? = nil,
                tls: TLSMode = .prefer, maximumConnections: Int = 20, schema: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.maximumConnections = maximumConnections
        self.schema = schema
    }

    /// Settings from a URL `postgres://user[:password]@host[:port]/database[?sslmode=...]`.
    public init(url text: String) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let user = url.user, !user.isEmpty
        else { throw PostgresSettingsError(setting: "URL", message: "expected postgres://user@host:port/database") }
        let name = String(url.path.drop(while: { $0 == "/" }))
        self.init(host: url.host ?? "127.0.0.1", port: url.port ?? 5432, database: name.isEmpty ? user : name,
                  username: user, password: url.password)
        for item in url.queryItems ?? [] {
            try apply(option: item.name, value: item.value ?? "", setting: "URL")
        }
    }

    /// Applies one `DB_OPTIONS` entry (`sslmode=require`, `max_connections=10`, `schema=public`).
    mutating func apply(option name: String, value: String, setting: String) throws {
        switch name {
        case "sslmode":
            switch value {
            case "disable", "allow": tls = .disable
            case "prefer": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw PostgresSettingsError(setting: setting, message: "sslmode '\(value)' is not known")
            }
        case "max_connections", "pool_size":
            guard let count = Int(value), count > 0 else {
                throw PostgresSettingsError(setting: setting, message: "\(name) must be a positive number")
            }
            maximumConnections = count
        case "schema", "search_path":
            guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw PostgresSettingsError(setting: setting, message: "\(name) must be a plain schema name")
            }
            schema = value
        default:
            throw PostgresSettingsError(setting: setting, message: "option '\(name)' is not known")
        }
    }

    /// Applies `DB_OPTIONS`: `key=value` pairs separated by `&`, `;`, `,` or spaces, or Django's JSON object
    /// (`{"sslmode": "require"}`).
    public mutating func apply(options text: String, setting: String = "DB_OPTIONS") throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return }
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw PostgresSettingsError(setting: setting, message: "not a JSON object")
            }
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                try apply(option: key, value: "\(value)", setting: setting)
            }
            return
        }
        for pair in trimmed.split(whereSeparator: { "&;, ".contains($0) }) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw PostgresSettingsError(setting: setting, message: "'\(pair)' is not key=value")
            }
            try apply(option: String(parts[0]), value: String(parts[1]), setting: setting)
        }
    }
}

/// An invalid PostgreSQL setting; the message names it.
public struct PostgresSettingsError: Error, CustomStringConvertible, Sendable {
    public var setting: String
    public var message: String

    public var description: String { "\(setting): \(message)" }
}

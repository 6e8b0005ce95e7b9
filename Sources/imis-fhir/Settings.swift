import FHIRServer
import Foundation
import IMISData
import Logging

/// Settings read once at start: command-line flags, then the environment, then `.env`, then
/// defaults (names as openIMIS's own variables; see the README's configuration table).
struct Settings {
    var values: [String: String]

    /// The environment over the `.env` file in the working directory (if any).
    static func load(dotEnvPath: String = ".env") -> Settings {
        var values: [String: String] = [:]
        if let text = try? String(contentsOfFile: dotEnvPath, encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
                let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
                var value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                values[key] = value
            }
        }
        for (key, value) in ProcessInfo.processInfo.environment { values[key] = value }
        return Settings(values: values)
    }

    func string(_ key: String, _ fallback: String) -> String { values[key].flatMap { $0.isEmpty ? nil : $0 } ?? fallback }

    func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let raw = values[key], !raw.isEmpty else { return fallback }
        guard let value = Int(raw), value >= 0 else { throw SettingsError(key: key, message: "must be a non-negative integer") }
        return value
    }

    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let raw = values[key]?.lowercased(), !raw.isEmpty else { return fallback }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError(key: key, message: "must be true or false")
        }
    }

    var production: Bool {
        get throws {
            let mode = string("MODE", "DEV").uppercased()
            guard mode == "DEV" || mode == "PROD" else { throw SettingsError(key: "MODE", message: "must be DEV or PROD") }
            return mode == "PROD"
        }
    }

    func serverConfiguration(host: String?, port: Int?) throws -> ServerConfiguration {
        let port = try port ?? int("PORT", 8080)
        guard (1...65535).contains(port) else { throw SettingsError(key: "PORT", message: "must be 1-65535") }
        let siteURL = values["SITE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let siteURL, URL(string: siteURL)?.scheme == nil {
            throw SettingsError(key: "SITE_URL", message: "must be an absolute URL")
        }
        let cacheMB = try int("RESOURCE_CACHE_MB", 32)
        guard cacheMB <= 1_048_576 else { throw SettingsError(key: "RESOURCE_CACHE_MB", message: "must be at most 1048576") }
        let rateLimit = try rate("RATELIMIT_RATE", "150/m")
        let authenticatedRateLimit = try rate("RATELIMIT_AUTHENTICATED_RATE", "6000/m")
        let cors: CORSPolicy
        do {
            cors = try CORSPolicy(hosts: string("HOSTS", "localhost"))
        } catch {
            throw SettingsError(key: "HOSTS", message: "\(error)")
        }
        var configuration = ServerConfiguration(
            production: try production, host: host ?? string("HOST", "127.0.0.1"), port: port,
            siteRoot: string("SITE_ROOT", ""), siteURL: siteURL,
            maxBodySize: try int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10_485_760),
            resourceCacheBytes: cacheMB * 1_048_576, rateLimit: rateLimit, cors: cors,
            authenticatedRateLimit: authenticatedRateLimit, connections: try connectionLimits())
        try applyAnswerLimits(to: &configuration)
        configuration.basicAuth = try bool("BASIC_AUTH", true)
        configuration.operations = try operationsConfiguration(production: configuration.production)
        configuration.subscriptionAllowedHosts = string("SUBSCRIPTION_ALLOWED_HOSTS", "").split(separator: ",")
            .map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        configuration.export = try exportSettings()
        configuration.delivery = try deliverySettings()
        return configuration
    }

    /// `EXPORT_DIR` (default: `exports` beside the SQLite database), `EXPORT_EXPIRY`, `EXPORT_CONCURRENCY`,
    /// `EXPORT_SETTLE`, `EXPORT_FILE_MAX_MB`, `EXPORT_SWEEP`.
    func exportSettings() throws -> ExportSettings {
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("exports").path
        var export = ExportSettings(directory: string("EXPORT_DIR", folder))
        export.expiry = TimeInterval(try int("EXPORT_EXPIRY", Int(export.expiry)))
        export.concurrency = max(1, try int("EXPORT_CONCURRENCY", export.concurrency))
        export.settle = TimeInterval(try int("EXPORT_SETTLE", Int(export.settle)))
        let megabytes = try int("EXPORT_FILE_MAX_MB", export.maxFileBytes >> 20)
        guard (1...4_096).contains(megabytes) else { throw SettingsError(key: "EXPORT_FILE_MAX_MB", message: "must be 1-4096") }
        export.maxFileBytes = megabytes << 20
        export.sweepInterval = TimeInterval(max(1, try int("EXPORT_SWEEP", Int(export.sweepInterval))))
        return export
    }

    /// `SUBSCRIPTION_DELIVERY`, `SUBSCRIPTION_RETRY_HORIZON`, `SUBSCRIPTION_RETRY_FIRST_MS`, `SUBSCRIPTION_RETRY_MAX`,
    /// `SUBSCRIPTION_TIMEOUT`, `SUBSCRIPTION_POLL_MS`: how Subscription events are delivered.
    func deliverySettings() throws -> DeliverySettings {
        var settings = DeliverySettings()
        func bounded(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            let value = try int(key, fallback)
            guard range.contains(value) else {
                throw SettingsError(key: key, message: "must be \(range.lowerBound)-\(range.upperBound)")
            }
            return value
        }
        settings.enabled = try bool("SUBSCRIPTION_DELIVERY", true)
        settings.horizon = TimeInterval(try bounded("SUBSCRIPTION_RETRY_HORIZON", 259_200, 1...31_536_000))
        settings.firstRetry = TimeInterval(try bounded("SUBSCRIPTION_RETRY_FIRST_MS", 1_000, 1...3_600_000)) / 1000
        settings.maxRetry = TimeInterval(try bounded("SUBSCRIPTION_RETRY_MAX", 600, 1...86_400))
        settings.timeout = TimeInterval(try bounded("SUBSCRIPTION_TIMEOUT", 10, 1...300))
        settings.pollInterval = TimeInterval(try bounded("SUBSCRIPTION_POLL_MS", 250, 10...60_000)) / 1000
        return settings
    }

    /// `BUNDLE_MAX_ENTRIES` and `RESPONSE_MAX_MB`: what one request may cost.
    func applyAnswerLimits(to configuration: inout ServerConfiguration) throws {
        let entries = try int("BUNDLE_MAX_ENTRIES", configuration.maxBundleEntries)
        guard (1...100_000).contains(entries) else {
            throw SettingsError(key: "BUNDLE_MAX_ENTRIES", message: "must be 1-100000")
        }
        let megabytes = try int("RESPONSE_MAX_MB", configuration.maxResponseBytes >> 20)
        guard (1...4_096).contains(megabytes) else { throw SettingsError(key: "RESPONSE_MAX_MB", message: "must be 1-4096") }
        configuration.maxBundleEntries = entries
        configuration.maxResponseBytes = megabytes << 20
    }

    /// A request rate such as `150/m`; `off` (or `none`, `0`): not limited.
    func rate(_ key: String, _ fallback: String) throws -> RateLimitRate? {
        let text = string(key, fallback)
        guard !["off", "none", "0"].contains(text.lowercased()) else { return nil }
        do {
            return try RateLimitRate(parsing: text)
        } catch {
            throw SettingsError(key: key, message: "must look like 150/m, 10/s, 1000/h, or off")
        }
    }

    /// `HTTP_IDLE_TIMEOUT`, `HTTP_HEADER_TIMEOUT`, `HTTP_BODY_TIMEOUT` (seconds) and `HTTP_MAX_CONNECTIONS`.
    func connectionLimits() throws -> ConnectionLimits {
        let maxConnections = try int("HTTP_MAX_CONNECTIONS", ConnectionLimits.defaultMaxConnections)
        guard (1...1_000_000).contains(maxConnections) else {
            throw SettingsError(key: "HTTP_MAX_CONNECTIONS", message: "must be 1-1000000")
        }
        return ConnectionLimits(
            idleTimeout: try timeout("HTTP_IDLE_TIMEOUT", ConnectionLimits.defaultIdleTimeout),
            headerTimeout: try timeout("HTTP_HEADER_TIMEOUT", ConnectionLimits.defaultHeaderTimeout),
            bodyTimeout: try timeout("HTTP_BODY_TIMEOUT", ConnectionLimits.defaultBodyTimeout),
            maxConnections: maxConnections)
    }

    /// Seconds, fractions allowed (`0.5`), at most a day; `0` or `off`: no timeout.
    func timeout(_ key: String, _ fallback: Duration) throws -> Duration? {
        guard let raw = values[key]?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return fallback }
        if raw == "off" { return nil }
        guard raw.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let seconds = Double(raw), seconds <= 86_400 else {
            throw SettingsError(key: key, message: "must be a number of seconds (such as 30 or 0.5), 0 or off")
        }
        return seconds == 0 ? nil : .milliseconds(max(1, Int64((seconds * 1000).rounded())))
    }

    var databasePath: String { string("DB_NAME", "imis.sqlite3") }

    /// `DB_ENGINE`: `sqlite` (default) or `postgresql` (Django's `django.db.backends.postgresql` too).
    var databaseEngine: Storage.Engine {
        get throws {
            switch string("DB_ENGINE", "sqlite").lowercased() {
            case "sqlite", "sqlite3", "django.db.backends.sqlite3": return .sqlite
            case "postgresql", "postgres", "django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2":
                return .postgresql
            default: throw SettingsError(key: "DB_ENGINE", message: "must be sqlite or postgresql")
            }
        }
    }

    /// The storage of a command: `DB_ENGINE`, the database (`--database`, else `DB_NAME`), whether to migrate
    /// (`--migrate`, else `DJANGO_MIGRATE`, on by default) and whether to load the demo dataset.
    func storageSettings(database: String?, migrate: Bool?, demoDataset: Bool = false) throws -> StorageSettings {
        let groupLimit = try int("DB_COMMIT_GROUP_MAX", IMISDatabase.defaultCommitGroupLimit)
        guard (1...1_000).contains(groupLimit) else {
            throw SettingsError(key: "DB_COMMIT_GROUP_MAX", message: "must be 1-1000 (1: each write commits alone)")
        }
        let options = StorageOptions(migrate: try migrate ?? bool("DJANGO_MIGRATE", true), demoDataset: demoDataset,
                                     commitGroupLimit: groupLimit)
        switch try databaseEngine {
        case .sqlite: return .sqlite(path: database ?? databasePath, options: options)
        case .postgresql: return .postgresql(try postgresSettings(database: database), options: options)
        }
    }

    /// The PostgreSQL connection: `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`, `DB_PASSWORD`, `DB_OPTIONS`, and its
    /// bounds: `DB_CONNECT_TIMEOUT`, `DB_POOL_TIMEOUT`, `DB_STATEMENT_TIMEOUT` (seconds; 0 for no statement limit);
    /// read replicas: `DB_REPLICA_HOSTS`, `DB_REPLICA_MAX_LAG_MS`.
    func postgresSettings(database: String?) throws -> PostgresSettings {
        guard let name = database ?? values["DB_NAME"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw SettingsError(key: "DB_NAME", message: "names the PostgreSQL database and is required with DB_ENGINE=postgresql")
        }
        guard let user = values["DB_USER"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw SettingsError(key: "DB_USER", message: "is required with DB_ENGINE=postgresql")
        }
        let port = try int("DB_PORT", 5432)
        guard (1...65535).contains(port) else { throw SettingsError(key: "DB_PORT", message: "must be 1-65535") }
        var settings = PostgresSettings(host: string("DB_HOST", "127.0.0.1"), port: port, database: name, username: user,
                                        password: values["DB_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 })
        do {
            try settings.apply(options: string("DB_OPTIONS", ""))
        } catch let error as PostgresSettingsError {
            throw SettingsError(key: error.setting, message: error.message)
        }
        settings.connectTimeout = .seconds(try seconds("DB_CONNECT_TIMEOUT", 5))
        settings.poolTimeout = .seconds(try seconds("DB_POOL_TIMEOUT", 5))
        let statementTimeout = try int("DB_STATEMENT_TIMEOUT", 30)
        settings.statementTimeout = statementTimeout == 0 ? nil : .seconds(statementTimeout)
        guard let replicas = PostgresReplica.list(string("DB_REPLICA_HOSTS", "")) else {
            throw SettingsError(key: "DB_REPLICA_HOSTS", message: "must be host[:port] entries separated by commas")
        }
        settings.replicas = replicas
        let lag = try int("DB_REPLICA_MAX_LAG_MS", 1_000)
        guard lag >= 1 else { throw SettingsError(key: "DB_REPLICA_MAX_LAG_MS", message: "must be a number of milliseconds of at least 1") }
        settings.replicaMaxLag = .milliseconds(lag)
        return settings
    }

    /// A number of seconds of at least 1.
    func seconds(_ key: String, _ fallback: Int) throws -> Int {
        let value = try int(key, fallback)
        guard value >= 1 else { throw SettingsError(key: key, message: "must be a number of seconds of at least 1") }
        return value
    }

    var logLevel: Logger.Level {
        get throws {
            let raw = (values["LOG_LEVEL"] ?? values["DJANGO_LOG_LEVEL"] ?? "INFO").lowercased()
            let name = raw == "warning" ? "warning" : raw
            guard let level = Logger.Level(rawValue: name) else {
                throw SettingsError(key: "LOG_LEVEL", message: "must be one of trace, debug, info, notice, warning, error, critical")
            }
            return level
        }
    }
}

struct SettingsError: Error, CustomStringConvertible {
    var key: String
    var message: String
    var description: String { "invalid setting \(key): \(message)" }
}

import FHIRServer
import Foundation
import Logging

extension Settings {
    /// `METRICS_TOKEN`, `METRICS_ALLOW`, `SENTRY_DSN`, `IS_SENTRY_ENABLED`, `SENTRY_SAMPLE_RATE`, `SENTRY_ENVIRONMENT`,
    /// `SHUTDOWN_GRACE`, `SHUTDOWN_DRAIN_DELAY`, `STATUS_COUNTS`.
    func operationsConfiguration(production: Bool) throws -> OperationsConfiguration {
        var configuration = OperationsConfiguration()
        configuration.metricsToken = values["METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let token = configuration.metricsToken, token.count < 16 {
            throw SettingsError(key: "METRICS_TOKEN", message: "must be at least 16 characters")
        }
        for entry in string("METRICS_ALLOW", "").split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let range = AddressRange(text) else {
                throw SettingsError(key: "METRICS_ALLOW", message: "'\(text)' is not an address or an IPv4 range (a.b.c.d/n)")
            }
            configuration.metricsAllow.append(range)
        }
        let dsn = values["SENTRY_DSN"].flatMap { $0.isEmpty ? nil : $0 }
        if try bool("IS_SENTRY_ENABLED", dsn != nil) {
            guard let dsn else { throw SettingsError(key: "SENTRY_DSN", message: "is needed when IS_SENTRY_ENABLED is true") }
            let environment = string("SENTRY_ENVIRONMENT", production ? "production" : "development")
            guard let sentry = SentryConfiguration(dsn: dsn, environment: environment, release: "imis-fhir@\(configuration.version)")
            else { throw SettingsError(key: "SENTRY_DSN", message: "must be a DSN such as https://<key>@<host>/<project id>") }
            configuration.sentry = sentry
        }
        if let raw = values["SENTRY_SAMPLE_RATE"], !raw.isEmpty {
            guard let rate = Double(raw), (0...1).contains(rate) else {
                throw SettingsError(key: "SENTRY_SAMPLE_RATE", message: "must be a number from 0 to 1")
            }
            configuration.traceSampleRate = rate
        }
        if let raw = values["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let url = URL(string: raw), url.scheme == "http" || url.scheme == "https" else {
                throw SettingsError(key: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", message: "must be an http or https URL")
            }
            configuration.otlpTracesEndpoint = url
        } else if let raw = values["OTEL_EXPORTER_OTLP_ENDPOINT"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let url = URL(string: raw), url.scheme == "http" || url.scheme == "https" else {
                throw SettingsError(key: "OTEL_EXPORTER_OTLP_ENDPOINT", message: "must be an http or https URL")
            }
            configuration.otlpTracesEndpoint = url.appendingPathComponent("v1").appendingPathComponent("traces")
        }
        configuration.serviceName = string("OTEL_SERVICE_NAME", "imis-fhir")
        guard let grace = try timeout("SHUTDOWN_GRACE", .seconds(10)) else {
            throw SettingsError(key: "SHUTDOWN_GRACE", message: "must be a number of seconds above 0")
        }
        configuration.shutdownGrace = grace
        configuration.drainDelay = try timeout("SHUTDOWN_DRAIN_DELAY", .zero) ?? .zero
        if let raw = values["STATUS_COUNTS"], !raw.isEmpty { configuration.statusCounts = try bool("STATUS_COUNTS", false) }
        return configuration
    }

    /// `LOG_FORMAT`: `text` (default) or `json` (one JSON object per line).
    var jsonLogs: Bool {
        get throws {
            switch string("LOG_FORMAT", "text").lowercased() {
            case "text": return false
            case "json": return true
            default: throw SettingsError(key: "LOG_FORMAT", message: "must be text or json")
            }
        }
    }
}

import Foundation
import NIOConcurrencyHelpers

/// The operator's settings (configuration spec, "Operating the server" in the README).
public struct OperationsConfiguration: Sendable {
    /// `METRICS_TOKEN`: a bearer token that opens `/metrics`.
    public var metricsToken: String?
    /// `METRICS_ALLOW`: client addresses (IPv4 or IPv6, IPv4 `a.b.c.d/n` ranges) that may read `/metrics`.
    public var metricsAllow: [AddressRange] = []
    /// `SENTRY_DSN` with `IS_SENTRY_ENABLED`: where errors are reported (nil: nowhere).
    public var sentry: SentryConfiguration?
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`): where request spans
    /// are exported over OTLP/HTTP JSON (nil: not exported).
    public var otlpTracesEndpoint: URL?
    /// `OTEL_SERVICE_NAME`.
    public var serviceName = "imis-fhir"
    /// `SENTRY_SAMPLE_RATE`: the share of new traces marked sampled (W3C `traceparent` flag).
    public var traceSampleRate: Double = 1
    /// `SHUTDOWN_GRACE`: how long in-flight requests may take to finish after SIGTERM.
    public var shutdownGrace: Duration = .seconds(10)
    /// `SHUTDOWN_DRAIN_DELAY`: how long readiness fails before the server stops accepting connections, so that a
    /// load balancer stops sending first.
    public var drainDelay: Duration = .zero
    /// `STATUS_COUNTS`: whether the status page at `/` shows the counts of insurees, families, policies and claims
    /// (default: in DEV yes, in PROD no).
    public var statusCounts: Bool?
    /// The version the status page and error reports name.
    public var version: String = ServerVersion.current
    /// Draining and pending migrations, set by whoever runs the server (graceful shutdown, start-up).
    public var lifecycle = LifecycleState()

    public init() {}
}

/// What readiness hears from the process around the server: draining (graceful shutdown began) and migrations
/// pending. Shared by reference: the runner keeps it and sets it, `/health/ready` reads it.
public final class LifecycleState: Sendable {
    private let state = NIOLockedValueBox((draining: false, migrationsPending: false))

    public init() {}

    /// Graceful shutdown has begun: readiness fails from now on.
    public func startDraining() { state.withLockedValue { $0.draining = true } }
    /// Whether ``startDraining()`` was called.
    public var isDraining: Bool { state.withLockedValue { $0.draining } }
    /// Marks the migrations as pending (readiness fails) or done.
    public func setMigrationsPending(_ pending: Bool) { state.withLockedValue { $0.migrationsPending = pending } }
    /// Whether migrations are pending.
    public var migrationsPending: Bool { state.withLockedValue { $0.migrationsPending } }
}

/// The version of this build.
public enum ServerVersion {
    /// `IMIS_FHIR_VERSION` at build or start time, else the development version.
    public static let current = ProcessInfo.processInfo.environment["IMIS_FHIR_VERSION"] ?? "0.9.0-dev"
}

/// An address or an IPv4 range, as `METRICS_ALLOW` lists them.
public struct AddressRange: Sendable, Hashable {
    let text: String
    let network: UInt32?
    let prefix: Int

    /// `10.0.0.5`, `10.0.0.0/8`, `::1`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let address = Self.ipv4(parts[0]), let prefix = Int(parts[1]), (0...32).contains(prefix) else {
                return nil
            }
            (self.text, network, self.prefix) = (text, address, prefix)
        } else if parts.count == 1, let address = Self.ipv4(parts[0]) {
            (self.text, network, prefix) = (text, address, 32)
        } else if parts.count == 1, text.contains(":"), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) {
            (self.text, network, prefix) = (text.lowercased(), nil, 128)
        } else {
            return nil
        }
    }

    /// Whether `address` (as the socket reports it) is in the range.
    public func contains(_ address: String) -> Bool {
        guard let network else { return address.lowercased() == text }
        var address = Substring(address)
        if address.hasPrefix("::ffff:") { address = address.dropFirst(7) }
        guard let value = Self.ipv4(address) else { return false }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return value & mask == network & mask
    }

    static func ipv4(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    /// Whether `address` is a loopback address.
    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || AddressRange("127.0.0.0/8")?.contains(address) == true
    }
}

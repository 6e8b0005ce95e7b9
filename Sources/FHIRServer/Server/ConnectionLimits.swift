#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How long a connection may take over each part of a request, and how many connections are kept
/// (security.md, Input and transport: connections have idle, header and body timeouts). Each timeout is
/// optional (nil: none); the defaults are those of the configuration table.
public struct ConnectionLimits: Sendable, Hashable {
    /// `HTTP_IDLE_TIMEOUT`: a connection with no request in flight is closed after this long.
    public var idleTimeout: Duration?
    /// `HTTP_HEADER_TIMEOUT`: a request head must be complete this long after its first byte; else 408 and close.
    public var headerTimeout: Duration?
    /// `HTTP_BODY_TIMEOUT`: a body that pauses this long, or that falls below ``minimumBodyRate`` beyond this
    /// long, is answered 408 and the connection closed.
    public var bodyTimeout: Duration?
    /// Bytes per second a body must keep on average once ``bodyTimeout`` has passed (mod_reqtimeout's MinRate):
    /// a slow but steady upload goes through, a body trickled a byte at a time does not.
    public var minimumBodyRate: Int
    /// `HTTP_MAX_CONNECTIONS`: open connections at most; at the limit the longest-idle connections are closed to
    /// make room, and new clients wait only while every connection has a request in flight.
    public var maxConnections: Int

    /// The defaults: 75 s idle (nginx's keep-alive), 20 s for a head, 30 s without body progress, 500 bytes/s,
    /// 4,096 connections.
    public static let defaultIdleTimeout: Duration = .seconds(75)
    public static let defaultHeaderTimeout: Duration = .seconds(20)
    public static let defaultBodyTimeout: Duration = .seconds(30)
    public static let defaultMaxConnections = 4096

    public init(
        idleTimeout: Duration? = ConnectionLimits.defaultIdleTimeout,
        headerTimeout: Duration? = ConnectionLimits.defaultHeaderTimeout,
        bodyTimeout: Duration? = ConnectionLimits.defaultBodyTimeout, minimumBodyRate: Int = 500,
        maxConnections: Int = ConnectionLimits.defaultMaxConnections
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.minimumBodyRate = max(1, minimumBodyRate)
        self.maxConnections = max(1, maxConnections)
    }

    /// File descriptors kept for everything but client connections: the database, its pool, log files, outgoing
    /// notification and payment calls.
    public static let reservedFileDescriptors = 128

    /// ``maxConnections``, lowered to what the open-file limit `files` leaves after the reserved descriptors, so that
    /// `accept` never fails for want of a descriptor (at least 1).
    public func effectiveMaxConnections(openFileLimit files: Int?) -> Int {
        guard let files else { return maxConnections }
        return max(1, min(maxConnections, files - Self.reservedFileDescriptors))
    }
}

/// The process's limit on open files (RLIMIT_NOFILE).
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit (on macOS at most `OPEN_MAX`) and answers the soft limit now in
    /// force, or nil when it cannot be read. Idempotent; called once at start.
    @discardableResult
    public static func raiseToHardLimit() -> Int? {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        var limit = rlimit()
        guard getrlimit(resourceNumber, &limit) == 0 else { return nil }
        var target = limit.rlim_max
        #if canImport(Darwin)
        target = min(target, rlim_t(OPEN_MAX))
        #endif
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(resourceNumber, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        #else
        return nil
        #endif
    }

    #if canImport(Glibc)
    private static var resourceNumber: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
    #elseif canImport(Musl) || canImport(Darwin)
    private static var resourceNumber: Int32 { RLIMIT_NOFILE }
    #endif
}

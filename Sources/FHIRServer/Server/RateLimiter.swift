import NIOConcurrencyHelpers

/// A request rate, as openIMIS's `RATELIMIT_RATE` writes it (django-ratelimit syntax): `N/s`, `N/m`, `N/h`,
/// `N/d`, with an optional multiplier before the unit (`100/5m`: 100 requests per 5 minutes); a bare number
/// after the slash counts seconds (`10/30`).
public struct RateLimitRate: Sendable, Hashable, CustomStringConvertible {
    /// Requests allowed per period (1...1,000,000).
    public let requests: Int
    /// The period in seconds (1 s ... 366 days).
    public let seconds: Int

    /// `nil` when either number is out of range.
    public init?(requests: Int, seconds: Int) {
        guard (1...1_000_000).contains(requests), (1...31_622_400).contains(seconds) else { return nil }
        self.init(checkedRequests: requests, seconds: seconds)
    }

    private init(checkedRequests requests: Int, seconds: Int) {
        self.requests = requests
        self.seconds = seconds
    }

    /// `RATELIMIT_RATE`'s default, openIMIS's: 150 per minute.
    public static let defaultAnonymous = RateLimitRate(checkedRequests: 150, seconds: 60)
    /// `RATELIMIT_AUTHENTICATED_RATE`'s default: 6,000 per minute per principal (100 per second, bursts of 6,000).
    public static let defaultAuthenticated = RateLimitRate(checkedRequests: 6000, seconds: 60)

    /// Parses `RATELIMIT_RATE`; surrounding white space is ignored, units are case-insensitive.
    public init(parsing text: String) throws(RateLimitRateError) {
        let parts = text.trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let requests = Self.digits(parts[0]) else { throw RateLimitRateError(value: text) }
        var period = Substring(parts[1].lowercased())
        var unit = 1
        if let last = period.last, let seconds = ["s": 1, "m": 60, "h": 3600, "d": 86_400][last] {
            unit = seconds
            period = period.dropLast()
        } else if period.isEmpty {
            throw RateLimitRateError(value: text)
        }
        let multiplier = period.isEmpty ? 1 : Self.digits(period)
        guard let multiplier, multiplier <= 31_622_400,
            let rate = RateLimitRate(requests: requests, seconds: multiplier * unit)
        else { throw RateLimitRateError(value: text) }
        self = rate
    }

    /// `N/Ss`, e.g. `150/60s`.
    public var description: String { "\(requests)/\(seconds)s" }

    /// A non-empty run of ASCII digits, not absurdly long.
    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}

/// `RATELIMIT_RATE` is not a rate.
public struct RateLimitRateError: Error, Hashable, CustomStringConvertible {
    public var value: String
    public var description: String {
        "invalid setting RATELIMIT_RATE: \"\(value)\" is not a rate such as 150/m (N/s, N/m, N/h, N/d or N/5m)"
    }
}

/// Per-client request limiting (security.md: 429 with `Retry-After`), one budget per key: a client IP or a principal
/// (``RequestBudget`` says which a request spends).
///
/// The generic cell rate algorithm, the token bucket kept as one number per client: a client may send `requests`
/// at once, then one per `seconds / requests`. Each client costs one dictionary entry, which is dropped once
/// the client is idle (its bucket full again). Entries are spread over a few independently locked shards, so a
/// check is a hash, a short lock and a dictionary update; memory is bounded by `maximumClients` — past it, idle
/// entries go first, then those closest to being idle.
///
/// Time comes from `now`, a monotonic reading as a `Duration` since any fixed origin; tests pass their own.
public final class RateLimiter: Sendable {
    /// The answer for one request.
    public enum Decision: Sendable, Hashable {
        case allowed
        /// Over the rate: answer 429 with `Retry-After` set to this many seconds (at least 1).
        case limited(retryAfter: Int)
    }

    public let rate: RateLimitRate
    /// The most clients remembered at once.
    public let maximumClients: Int
    private let now: @Sendable () -> Duration
    /// Nanoseconds between two requests at the steady rate, and how far ahead of that a burst may go.
    private let interval: Int64
    private let tolerance: Int64
    private let shards: [NIOLockedValueBox<Shard>]
    private let shardCapacity: Int

    /// Idle entries are swept at most this often (nanoseconds) in each shard.
    static let sweepInterval: Int64 = 60_000_000_000
    static let shardCount = 8

    struct Shard: Sendable {
        /// Per client, the theoretical arrival time of its next request at the steady rate (nanoseconds).
        var arrival: [String: Int64] = [:]
        var lastSweep: Int64?

        func sweepIsDue(at t: Int64) -> Bool {
            guard let lastSweep, lastSweep <= t else { return true }
            return t - lastSweep >= RateLimiter.sweepInterval
        }
    }

    /// Monotonic time since the first use of the limiter type.
    public static let monotonicNow: @Sendable () -> Duration = {
        let origin = ContinuousClock.now
        return { origin.duration(to: ContinuousClock.now) }
    }()

    public init(
        rate: RateLimitRate, maximumClients: Int = 100_000,
        now: @escaping @Sendable () -> Duration = RateLimiter.monotonicNow
    ) {
        self.rate = rate
        self.maximumClients = max(maximumClients, Self.shardCount)
        self.now = now
        self.interval = Int64(rate.seconds) * 1_000_000_000 / Int64(rate.requests)
        self.tolerance = interval * Int64(rate.requests - 1)
        self.shards = (0..<Self.shardCount).map { _ in NIOLockedValueBox(Shard()) }
        self.shardCapacity = self.maximumClients / Self.shardCount
    }

    /// Counts one request of `client` (an IP address or a principal's key) and says whether it may proceed.
    public func check(_ client: String) -> Decision {
        let t = Self.nanoseconds(now())
        let shard = shards[Int(UInt(bitPattern: client.hashValue) % UInt(Self.shardCount))]
        return shard.withLockedValue { shard in
            if shard.sweepIsDue(at: t) {
                shard.arrival = shard.arrival.filter { $0.value > t }
                shard.lastSweep = t
            }
            let previous = shard.arrival[client]
            let arrival = max(previous ?? t, t)
            if arrival - t > tolerance {
                let wait = arrival - tolerance - t
                return .limited(retryAfter: Int(max(1, (wait + 999_999_999) / 1_000_000_000)))
            }
            if previous == nil && shard.arrival.count >= shardCapacity { makeRoom(&shard, at: t) }
            shard.arrival[client] = arrival + interval
            return .allowed
        }
    }

    /// Forgets every idle client now (checks do it on their own every minute per shard, and when full); for a
    /// periodic task that wants memory back after a burst of clients.
    public func forgetIdleClients() {
        let t = Self.nanoseconds(now())
        for shard in shards {
            shard.withLockedValue { shard in
                shard.arrival = shard.arrival.filter { $0.value > t }
                shard.lastSweep = t
            }
        }
    }

    /// The number of clients currently remembered.
    public var trackedClients: Int {
        shards.reduce(0) { total, shard in total + shard.withLockedValue { $0.arrival.count } }
    }

    /// Drops idle entries, then, if the shard is still over three quarters full, the entries closest to idle,
    /// so that the next quarter of new clients costs no sweep.
    private func makeRoom(_ shard: inout Shard, at t: Int64) {
        shard.arrival = shard.arrival.filter { $0.value > t }
        shard.lastSweep = t
        let keep = shardCapacity * 3 / 4
        guard shard.arrival.count > keep else { return }
        let ordered = shard.arrival.sorted { $0.value > $1.value }
        shard.arrival = Dictionary(uniqueKeysWithValues: ordered.prefix(keep).map { ($0.key, $0.value) })
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

import Foundation
import NIOConcurrencyHelpers

/// How Subscription events are delivered (`SUBSCRIPTION_*` settings).
public struct DeliverySettings: Sendable, Hashable {
    /// Where one process delivers: how many due events of a subscription are read and sent as one run, their
    /// answers recorded in one write.
    public var runLength = 100
    /// `SUBSCRIPTION_DELIVERY`: whether this instance delivers (events are recorded either way).
    public var enabled = true
    /// `SUBSCRIPTION_RETRY_HORIZON` (seconds): how long an event is retried before its subscription goes to `error`
    /// (3 days).
    public var horizon: TimeInterval = 3 * 24 * 3600
    /// `SUBSCRIPTION_RETRY_FIRST_MS`: the delay before the first retry; each next one doubles, with jitter (1 s).
    public var firstRetry: TimeInterval = 1
    /// `SUBSCRIPTION_RETRY_MAX` (seconds): the longest delay between two attempts (10 minutes).
    public var maxRetry: TimeInterval = 600
    /// `SUBSCRIPTION_TIMEOUT` (seconds): the longest one attempt may take, connection to answer (10 s).
    public var timeout: TimeInterval = 10
    /// `SUBSCRIPTION_POLL_MS`: how often the delivery service looks for due events (250 ms).
    public var pollInterval: TimeInterval = 0.25
    /// How often the subscriptions are read again, for those another instance changed (1 s).
    public var refreshInterval: TimeInterval = 1
    /// How much of a receiver's answer is read before the connection is dropped (64 KiB).
    public var maxAnswerBytes = 64 << 10

    public init() {}

    /// The delay after the `attempt`-th failed attempt (1-based): `firstRetry` doubled per earlier attempt, capped
    /// at `maxRetry`, then a random part of it between a half and the whole (jitter, so that receivers coming back
    /// are not hit by every waiting event at once).
    public func backoff(afterAttempt attempt: Int, random: Double = Double.random(in: 0.5...1)) -> TimeInterval {
        let exponent = Double(min(max(attempt - 1, 0), 40))
        let delay = min(maxRetry, firstRetry * pow(2, exponent))
        return delay * min(max(random, 0.5), 1)
    }
}

/// Counters of the delivery service, for a metrics endpoint to read.
public struct DeliveryCounters: Sendable, Hashable {
    /// Events acknowledged with a 2xx.
    public var delivered = 0
    /// Attempts that failed (an answer other than 2xx, or none).
    public var failedAttempts = 0
    /// Subscriptions put in `error` (410, or the horizon spent).
    public var subscriptionsFailed = 0
}

/// The counters of a delivery service, shared with whoever reads them.
public final class DeliveryMeter: Sendable {
    /// Told of each outcome (`sent`, `retried`, `failed`) and, for a sent one, the time since the change.
    public typealias Sink = @Sendable (_ outcome: String, _ lag: Duration?) -> Void
    private let box = NIOLockedValueBox(DeliveryCounters())
    private let sink = NIOLockedValueBox<Sink?>(nil)
    public init() {}
    /// The counters now.
    public var counters: DeliveryCounters { box.withLockedValue { $0 } }
    func update(_ body: (inout DeliveryCounters) -> Void) { box.withLockedValue { body(&$0) } }
    /// Sends every later outcome to `sink` too (the server's metrics).
    public func connect(_ sink: @escaping Sink) { self.sink.withLockedValue { $0 = sink } }
    /// Reports one outcome to the connected sink, if any.
    func report(_ outcome: String, lag: Duration? = nil) { sink.withLockedValue { $0 }?(outcome, lag) }
}

extension ServerConfiguration {
    /// Where subscription endpoints may point: internal addresses in development, or when allow-listed.
    var endpointPolicy: EndpointPolicy {
        EndpointPolicy(allowInternal: !production, allowedHosts: subscriptionAllowedHosts)
    }
}

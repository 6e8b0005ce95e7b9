import Foundation
import Testing

@testable import FHIRServer

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Duration = .zero

    var now: @Sendable () -> Duration { { self.lock.withLock { self.current } } }

    func advance(_ duration: Duration) { lock.withLock { current += duration } }
}

/// `RATELIMIT_RATE` and the per-client limiter (security.md, Input and transport).
@Suite struct RateLimiterTests {
    @Test(arguments: [
        ("150/m", 150, 60), ("10/s", 10, 1), ("1000/h", 1000, 3600), ("5000/d", 5000, 86_400),
        ("100/5m", 100, 300), (" 20/M ", 20, 60), ("10/30", 10, 30), ("1/2h", 1, 7200),
    ])
    func parsesTheOpenIMISRateSyntax(_ text: String, _ requests: Int, _ seconds: Int) throws {
        let rate = try RateLimitRate(parsing: text)
        #expect(rate.requests == requests)
        #expect(rate.seconds == seconds)
    }

    @Test(arguments: [
        "", "150", "150/", "/m", "abc/m", "150/x", "0/m", "150/0m", "-1/m", "1.5/m", "150/m/h", "150 /m",
        "9999999999/m", "1/400d", "150/mm", "1e3/m",
    ])
    func invalidRatesAreAConfigurationErrorNamingTheSetting(_ text: String) {
        #expect {
            _ = try RateLimitRate(parsing: text)
        } throws: { error in
            "\(error)".contains("RATELIMIT_RATE")
        }
    }

    @Test func theDefaultsAreOpenIMISsForAnonymousTrafficAndFortyTimesThatPerPrincipal() throws {
        #expect(RateLimitRate.defaultAnonymous == (try RateLimitRate(parsing: "150/m")))
        #expect(RateLimitRate.defaultAuthenticated == (try RateLimitRate(parsing: "6000/m")))
    }

    static func limiter(_ rate: String, maximumClients: Int = 100_000) throws -> (RateLimiter, ManualClock) {
        let clock = ManualClock()
        return (
            RateLimiter(rate: try RateLimitRate(parsing: rate), maximumClients: maximumClients, now: clock.now), clock
        )
    }

    @Test func aBurstOfTheRateThenOneRequestPerInterval() throws {
        let (limiter, clock) = try Self.limiter("3/m")  // one request per 20 s, bursts of 3
        #expect((1...3).map { _ in limiter.check("10.0.0.1") } == Array(repeating: .allowed, count: 3))
        #expect(limiter.check("10.0.0.1") == .limited(retryAfter: 20))
        clock.advance(.milliseconds(19_500))
        #expect(limiter.check("10.0.0.1") == .limited(retryAfter: 1))
        clock.advance(.milliseconds(500))
        #expect(limiter.check("10.0.0.1") == .allowed)
        #expect(limiter.check("10.0.0.1") == .limited(retryAfter: 20))
        clock.advance(.seconds(60))
        #expect((1...3).map { _ in limiter.check("10.0.0.1") } == Array(repeating: .allowed, count: 3))
        #expect(limiter.check("10.0.0.1") == .limited(retryAfter: 20))
    }

    @Test func retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() throws {
        let (limiter, clock) = try Self.limiter("10/s")  // one per 100 ms
        for _ in 1...10 { #expect(limiter.check("a") == .allowed) }
        #expect(limiter.check("a") == .limited(retryAfter: 1))
        clock.advance(.milliseconds(100))
        #expect(limiter.check("a") == .allowed)
        let (slow, slowClock) = try Self.limiter("2/5m")  // one per 150 s
        #expect(slow.check("a") == .allowed)
        #expect(slow.check("a") == .allowed)
        slowClock.advance(.milliseconds(100))
        #expect(slow.check("a") == .limited(retryAfter: 150))  // 149.9 s rounded up
    }

    @Test func refusedRequestsDoNotLengthenTheWait() throws {
        let (limiter, clock) = try Self.limiter("3/m")
        for _ in 1...3 { _ = limiter.check("a") }
        for _ in 1...100 { #expect(limiter.check("a") != .allowed) }
        clock.advance(.seconds(20))
        #expect(limiter.check("a") == .allowed)
    }

    @Test func clientsAreLimitedIndependently() throws {
        let (limiter, _) = try Self.limiter("2/m")
        #expect(limiter.check("192.0.2.1") == .allowed)
        #expect(limiter.check("192.0.2.1") == .allowed)
        #expect(limiter.check("192.0.2.1") == .limited(retryAfter: 30))
        #expect(limiter.check("192.0.2.2") == .allowed)
        #expect(limiter.check("2001:db8::1") == .allowed)
    }

    @Test func memoryIsBoundedAndIdleClientsAreForgotten() throws {
        let (limiter, clock) = try Self.limiter("3/m", maximumClients: 64)
        for i in 0..<10_000 { #expect(limiter.check("client-\(i)") == .allowed) }
        #expect(limiter.trackedClients <= 64)
        #expect(limiter.trackedClients > 0)
        // Idle once the bucket has refilled: 20 s after a single request at 3/m.
        clock.advance(.seconds(19))
        limiter.forgetIdleClients()
        #expect(limiter.trackedClients > 0)
        clock.advance(.seconds(1))
        limiter.forgetIdleClients()
        #expect(limiter.trackedClients == 0)
    }

    @Test func idleClientsAreSweptByChecksAsTimeGoesOn() throws {
        let (limiter, clock) = try Self.limiter("100/s")
        for i in 0..<1000 { _ = limiter.check("client-\(i)") }
        #expect(limiter.trackedClients == 1000)
        clock.advance(.seconds(61))
        // Every shard sweeps on its next check once a minute has passed.
        for i in 0..<1000 { _ = limiter.check("other-\(i)") }
        #expect(limiter.trackedClients == 1000)
    }

    @Test func aLimitedClientStaysLimitedWhileOthersComeAndGo() throws {
        let (limiter, _) = try Self.limiter("3/m", maximumClients: 64)
        for _ in 1...3 { _ = limiter.check("heavy") }
        for i in 0..<10_000 { _ = limiter.check("passer-by-\(i)") }
        #expect(limiter.check("heavy") == .limited(retryAfter: 20))
    }

    @Test func concurrentChecksCountEveryRequestOnce() async throws {
        let (limiter, _) = try Self.limiter("1000/h")
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<250).filter { _ in limiter.check("shared") == .allowed }.count }
            }
            return await group.reduce(0, +)
        }
        #expect(allowed == 1000)
    }
}

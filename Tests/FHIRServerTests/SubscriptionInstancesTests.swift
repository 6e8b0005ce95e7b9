import FHIRModels
import Foundation
import Hummingbird
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// Two instances (two applications, each with its own pool) on one PostgreSQL database, both delivering: every
/// event arrives once, in order, whichever instance recorded it.
@Suite struct SubscriptionInstancesTests {
    @Test(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
    func twoInstancesDeliverEachEventExactlyOnceInOrder() async throws {
        let database = try demoDatabase()
        let lease = try await demoPostgres(copying: database)
        var settings = lease.database.settings
        settings.maximumConnections = 4
        let other = IMISPostgres(settings: settings, logger: quietLogger)
        let otherPool = Task.detached { await other.run() }
        defer { otherPool.cancel() }
        @Sendable func application(_ postgres: IMISPostgres) -> some ApplicationProtocol {
            var environment = ApplicationEnvironment(
                configuration: fastDeliveryConfiguration(), storage: .postgres(postgres), auth: testAuth(.postgres(postgres)),
                logger: quietLogger)
            environment.services = [lease]
            return buildApplication(environment)
        }
        let first = application(lease.database)
        let second = application(other)
        let receiver = WebhookReceiver()
        // Slow answers, so that both instances are at work while events are pending.
        receiver.delay.withLockedValue { $0 = 0.01 }
        try await receiver.run { base in
            try await first.test(.router) { one in
                try await second.test(.router) { two in
                    _ = try await SubscriptionDeliveryTests.subscribe(one, criteria: "PaymentNotice?status=active", endpoint: base,
                                                                      payload: "application/fhir+json")
                    // The other instance reads the subscriptions again within its refresh interval.
                    try await Task.sleep(nanoseconds: 500_000_000)
                    var ids: [String] = []
                    for n in 1...20 {
                        let id = n % 2 == 0
                            ? try await SubscriptionDeliveryTests.notice(one, "TWO-\(n)")
                            : try await SubscriptionDeliveryTests.notice(two, "TWO-\(n)")
                        ids.append(id)
                    }
                    #expect(await receiver.wait(timeout: 30) { $0.count >= 20 })
                    try await Task.sleep(nanoseconds: 500_000_000)
                    let received = receiver.deliveries
                    #expect(received.count == 20)
                    #expect(Set(received.map(\.webhookID)).count == 20)
                    #expect(received.map(\.path) == ids.map { "/PaymentNotice/\($0)" })
                }
            }
        }
    }
}

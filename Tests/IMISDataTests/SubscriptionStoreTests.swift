import Foundation
import Testing
@testable import IMISData

/// The Subscription store, written once, on each engine: inserts, versioned replacement by compare-and-set, deletion.
@Suite("Subscription store")
struct SubscriptionStoreTests {
    static func record(_ id: String, at instant: Date) -> SubscriptionRecord {
        SubscriptionRecord(
            id: id, versionId: 1, lastUpdated: instant, status: "active", criteria: "Invoice?status=balanced",
            channelType: "rest-hook", endpoint: "https://payments.example.org/hook", mode: "r4", createdViaAlias: false,
            end: instant.addingTimeInterval(86_400), secret: "whsec_c2VjcmV0",
            resource: #"{"resourceType":"Subscription"}"#)
    }

    @Test(arguments: StoreBackend.available)
    func versionsMoveByCompareAndSetAndDeletedOnesLeaveTheCurrentList(_ backend: StoreBackend) async throws {
        try await withDemoStorage(backend) { storage in
            let store = try #require(storage.subscriptions)
            let instant = Date(timeIntervalSince1970: 1_700_000_000.5)
            let first = Self.record("7c0a4b7e-0000-4000-8000-000000000001", at: instant)
            #expect(try await store.insertSubscription(first))
            #expect(try await store.insertSubscription(first) == false)
            #expect(try await store.subscription(id: first.id) == first)

            var changed = first
            changed.status = "error"
            changed.error = "410 Gone"
            changed.end = nil
            changed.lastUpdated = instant.addingTimeInterval(1)
            let second = try #require(try await store.replaceSubscription(changed, expectedVersion: 1))
            #expect(second.versionId == 2)
            #expect(try await store.subscription(id: first.id) == second)
            #expect(try await store.replaceSubscription(changed, expectedVersion: 1) == nil)

            let other = Self.record("7c0a4b7e-0000-4000-8000-000000000002", at: instant.addingTimeInterval(2))
            #expect(try await store.insertSubscription(other))
            #expect(try await store.currentSubscriptions().map(\.id) == [first.id, other.id])
            var deleted = second
            deleted.deleted = true
            #expect(try await store.replaceSubscription(deleted, expectedVersion: 2)?.versionId == 3)
            #expect(try await store.currentSubscriptions().map(\.id) == [other.id])
            #expect(try await store.subscription(id: first.id)?.deleted == true)
            #expect(try await store.subscription(id: "7c0a4b7e-0000-4000-8000-000000000009") == nil)
        }
    }
}

import FHIRModels
import Foundation
import IMISData
import Membership
import Testing

@testable import FHIRServer

/// The pieces of delivery that need no server: the Standard Webhooks signature, the retry delays, the message of
/// each mode and the stored owner.
@Suite struct WebhookSigningTests {
    /// The test vector of the Standard Webhooks specification (standard-webhooks/standard-webhooks, spec).
    @Test func theSignatureMatchesTheStandardWebhooksTestVector() {
        let signature = WebhookMessage.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", body: Data(#"{"test": 2432232314}"#.utf8),
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func retriesDoubleFromTheFirstDelayWithJitterAndStopAtTheCap() {
        var settings = DeliverySettings()
        settings.firstRetry = 1
        settings.maxRetry = 600
        #expect(settings.backoff(afterAttempt: 1, random: 1) == 1)
        #expect(settings.backoff(afterAttempt: 2, random: 1) == 2)
        #expect(settings.backoff(afterAttempt: 5, random: 1) == 16)
        #expect(settings.backoff(afterAttempt: 5, random: 0.5) == 8)
        #expect(settings.backoff(afterAttempt: 30, random: 1) == 600)
        #expect(settings.backoff(afterAttempt: 10_000, random: 1) == 600)
        for attempt in 1...20 {
            let delay = settings.backoff(afterAttempt: attempt)
            #expect(delay > 0 && delay <= 600)
        }
    }

    static func record(mode: String, resource: String) -> SubscriptionRecord {
        SubscriptionRecord(id: "s1", versionId: 1, lastUpdated: Date(), status: "active", criteria: "Invoice",
                           channelType: "rest-hook", endpoint: "https://hook.example.org/base/", mode: mode,
                           createdViaAlias: false, end: nil, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", resource: resource)
    }

    @Test func eachModeBuildsItsRequest() throws {
        let resource = #"{"resourceType":"Subscription","status":"active","reason":"x","criteria":"Invoice","channel":{"type":"rest-hook","endpoint":"https://hook.example.org/base/","payload":"application/json","header":["X-A: 1","X-B:two"]}}"#
        let event = SubscriptionEvent(id: "e1", subscriptionID: "s1", resourceType: "Invoice", resourceID: "i1", versionID: 2,
                                      time: Date(), body: #"{"resourceType":"Invoice"}"#)
        let time = Date(timeIntervalSince1970: 1_614_265_330)
        let r4 = try #require(WebhookMessage.make(event, subscription: Self.record(mode: "r4", resource: resource), timestamp: time))
        #expect(r4.method == "PUT")
        #expect(r4.url.absoluteString == "https://hook.example.org/base/Invoice/i1")
        #expect(r4.headers.first { $0.0 == "Content-Type" }?.1 == "application/json")
        #expect(r4.headers.contains { $0 == ("X-A", "1") } && r4.headers.contains { $0 == ("X-B", "two") })
        #expect(r4.headers.first { $0.0 == "webhook-timestamp" }?.1 == "1614265330")
        let openIMIS = try #require(WebhookMessage.make(event, subscription: Self.record(mode: "openimis", resource: resource), timestamp: time))
        #expect(openIMIS.method == "POST")
        #expect(openIMIS.url.absoluteString == "https://hook.example.org/base/")
        var empty = event
        empty.body = nil
        let ping = try #require(WebhookMessage.make(empty, subscription: Self.record(mode: "r4", resource: resource), timestamp: time))
        #expect(ping.method == "POST" && ping.body.isEmpty)
        #expect(WebhookMessage.headerLines([#"{"Authorization": "Bearer abc", "X-N": "1"}"#]).map { "\($0.0)=\($0.1)" }
                == ["Authorization=Bearer abc", "X-N=1"])
    }

    @Test func theOwnerIsStoredAndReadBack() {
        let user = Principal.user(userID: 7, rights: [158001, 101201], administrator: false, districts: [3, 1],
                                  scopes: SMARTScope.parse("user/Invoice.rs user/Subscription.cruds"))
        let client = Principal.system(clientID: "payments", scopes: SMARTScope.parse("system/Invoice.rs"))
        let insuree = Principal.insuree(insureeID: 4, familyID: 2, scopes: SMARTScope.parse("patient/*.rs"))
        for principal in [user, client, insuree] {
            #expect(SubscriptionOwner.decode(SubscriptionOwner.encode(principal)) == principal)
        }
        #expect(SubscriptionOwner.decode("not json") == nil)
        #expect(SubscriptionOwner.decode(#"{"kind":"root","id":"1","scopes":""}"#) == nil)
    }
}

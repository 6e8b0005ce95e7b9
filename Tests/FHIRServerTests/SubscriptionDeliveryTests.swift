import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Subscription delivery through HTTP to a real receiver on a loopback port: both modes, every criterion form,
/// headers and signatures, order, retries, 410, a rolled-back transaction, the owner's read access, redirects.
@Suite struct SubscriptionDeliveryTests {
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"

    /// Creates a subscription; its id and secret.
    static func subscribe(_ client: some TestClientProtocol, criteria: String, endpoint: String, base: String = "/fhir",
                          headers: [String]? = nil, payload: String? = nil, extra: String = "",
                          token: String = adminToken) async throws -> (id: String, secret: String) {
        let (status, created) = try await SubscriptionTests.create(
            client, SubscriptionTests.body(criteria: criteria, endpoint: endpoint, headers: headers, payload: payload, extra: extra),
            base: base, token: token)
        #expect(status == .created, "\(created)")
        return (try #require(created["id"]?.string), try #require(SubscriptionTests.secret(created)))
    }

    /// Posts a contribution invoice for `amount`; its id.
    static func invoice(_ client: some TestClientProtocol, code: String, amount: String = "10.00") async throws -> String {
        try await client.fhir(uri: "/fhir/Invoice", method: .post, headers: SubscriptionTests.fhirJSON,
                              body: InvoiceTests.invoiceJSON(code: code, amount: amount)) { response in
            #expect(response.status == .created)
            return fhirBody(response)["id"]?.string ?? ""
        }
    }

    /// Posts a payment of `amount` to the demo contribution invoice; the PaymentNotice's id.
    static func notice(_ client: some TestClientProtocol, _ identifier: String, amount: String = "0.01") async throws -> String {
        try await client.fhir(uri: "/fhir/PaymentNotice", method: .post, headers: SubscriptionTests.fhirJSON,
                              body: PaymentTests.noticeJSON(identifier: identifier, invoice: DemoDataset.UUIDs.doeContributionInvoice,
                                                            amount: amount)) { response in
            #expect(response.status == .created)
            return fhirBody(response)["id"]?.string ?? ""
        }
    }

    /// The `$events` answer's notification events, as (state, focus, webhook-id) in order.
    /// The events' states once they are `states` (the answers to a run of deliveries are recorded after the run),
    /// or as they are after 10 s.
    static func states(_ client: some TestClientProtocol, _ id: String, base: String = "/fhir",
                       settlingAt states: [String]) async throws -> [String] {
        var seen: [String] = []
        for _ in 0..<200 {
            seen = try await events(client, id, base: base).map(\.state)
            if seen == states { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return seen
    }

    static func events(_ client: some TestClientProtocol, _ id: String, base: String = "/fhir") async throws
        -> [(state: String, focus: String, webhookID: String, reason: String?)]
    {
        let parameters = try await client.getJSON("\(base)/Subscription/\(id)/$events")
        return (parameters["parameter"]?.array ?? []).filter { $0["name"]?.string == "notification-event" }.map { event in
            let parts = event["part"]?.array ?? []
            func part(_ name: String) -> JSON? { parts.first { $0["name"]?.string == name } }
            return (part("state")?["valueCode"]?.string ?? "", part("focus")?["valueReference"]?["reference"]?.string ?? "",
                    part("webhook-id")?["valueString"]?.string ?? "", part("reason")?["valueString"]?.string)
        }
    }

    @Test func openIMISModePostsTheBareInvoiceAsReadOnceThenOnlyWhatItsCriteriaSelect() async throws {
        let receiver = WebhookReceiver()
        let (app, backend) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        let policy = try await InvoiceTests.enrolIdlePolicy(backend)
        try await receiver.run { base in
            try await app.test(.router) { client in
                // The module's own form on the alias: a bare type, headers as one JSON object string.
                let created = try await Self.subscribe(
                    client, criteria: "Invoice", endpoint: "\(base)/fineract-provider/api/v1/invoices", base: "/api/api_fhir_r4",
                    headers: ["{\"X-Channel\": \"invoices\", \"Authorization\": \"Custom abc\"}"])
                // The IG profile on /fhir, for payments only.
                let paid = try await Self.subscribe(
                    client, criteria: "Invoice?status=balanced", endpoint: "\(base)/payments",
                    headers: ["Authorization: Bearer secret-token-abc-123"],
                    extra: #", "meta": {"profile": ["\#(Self.ig)/StructureDefinition/openimis-subscription"]}"#)
                let invoice = try await Self.invoice(client, code: "IV-S-1", amount: policy.value)
                #expect(await receiver.wait { $0.count == 1 })
                let first = try #require(receiver.deliveries.first)
                #expect(first.method == "POST")
                #expect(first.path == "/fineract-provider/api/v1/invoices")
                #expect(first.headers["content-type"] == "application/json")
                #expect(first.headers["accept"] == "application/json")
                #expect(first.headers["x-channel"] == "invoices")
                #expect(first.headers["authorization"] == "Custom abc")
                #expect(WebhookReceiver.verify(first, secret: created.secret))
                #expect(!WebhookReceiver.verify(first, secret: paid.secret))
                let read = try await client.getJSON("/api/api_fhir_r4/Invoice/\(invoice)")
                #expect(first.json == read)

                // Paid in full: the invoice becomes balanced; only the payment subscription hears of it.
                let notice = PaymentTests.noticeJSON(identifier: "S-PAY-1", invoice: invoice, amount: policy.value)
                try await client.fhir(uri: "/fhir/PaymentNotice", method: .post, headers: SubscriptionTests.fhirJSON, body: notice) {
                    #expect($0.status == .created)
                }
                #expect(await receiver.wait { $0.count == 2 })
                let second = try #require(receiver.deliveries.last)
                #expect(second.path == "/payments")
                #expect(second.headers["authorization"] == "Bearer secret-token-abc-123")
                #expect(second.json?["status"]?.string == "balanced")
                #expect(second.json == (try await client.getJSON("/api/api_fhir_r4/Invoice/\(invoice)")))
                #expect(WebhookReceiver.verify(second, secret: paid.secret))
                // Nothing more comes: each subscription notified the invoice once.
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(receiver.deliveries.count == 2)
                #expect(try await Self.states(client, created.id, base: "/api/api_fhir_r4", settlingAt: ["delivered"]) == ["delivered"])
                #expect(try await Self.states(client, paid.id, settlingAt: ["delivered"]) == ["delivered"])
            }
        }
    }

    @Test func r4ModeSendsAnEmptyPostWithoutPayloadAndPutsTheResourceWithOne() async throws {
        let receiver = WebhookReceiver()
        let (app, backend) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        let policy = try await InvoiceTests.enrolIdlePolicy(backend)
        try await receiver.run { base in
            try await app.test(.router) { client in
                let empty = try await Self.subscribe(client, criteria: "Invoice?type=contribution", endpoint: "\(base)/ping",
                                                     headers: ["X-Test: empty"])
                let full = try await Self.subscribe(client, criteria: "Coverage?status=active", endpoint: "\(base)/fhir-base/",
                                                    payload: "application/fhir+json")
                let invoice = try await Self.invoice(client, code: "IV-S-2", amount: policy.value)
                let notice = PaymentTests.noticeJSON(identifier: "S-PAY-2", invoice: invoice, amount: policy.value)
                try await client.fhir(uri: "/fhir/PaymentNotice", method: .post, headers: SubscriptionTests.fhirJSON, body: notice) {
                    #expect($0.status == .created)
                }
                // The invoice: created, then balanced (two empty POSTs); the policy became active (one PUT).
                #expect(await receiver.wait { $0.count == 3 })
                let pings = receiver.deliveries.filter { $0.path == "/ping" }
                #expect(pings.count == 2)
                #expect(pings.allSatisfy { $0.method == "POST" && $0.body.isEmpty && $0.headers["x-test"] == "empty" })
                #expect(pings.allSatisfy { WebhookReceiver.verify($0, secret: empty.secret) })
                #expect(Set(pings.map(\.webhookID)).count == 2)
                let put = try #require(receiver.deliveries.first { $0.method == "PUT" })
                #expect(put.path == "/fhir-base/Coverage/\(policy.uuid.lowercased())")
                #expect(put.headers["content-type"] == "application/fhir+json")
                #expect(WebhookReceiver.verify(put, secret: full.secret))
                #expect(put.json == (try await client.getJSON("/fhir/Coverage/\(policy.uuid)")))
                #expect(try await Self.states(client, empty.id, settlingAt: ["delivered", "delivered"]) == ["delivered", "delivered"])
                let listed = try await Self.events(client, empty.id)
                #expect(listed.map(\.webhookID) == pings.map(\.webhookID))
                #expect(listed.allSatisfy { $0.focus.hasPrefix("Invoice/\(invoice)/_history/") })
            }
        }
    }

    @Test func aReceiverDownForAWhileGetsEveryEventInOrderOncePerEventID() async throws {
        let receiver = WebhookReceiver()
        receiver.script.withLockedValue { $0 = [503, 503, 500, 503, 502] }
        let (app, _) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        try await receiver.run { base in
            try await app.test(.router) { client in
                let subscription = try await Self.subscribe(client, criteria: "PaymentNotice?status=active", endpoint: base, payload: "application/fhir+json")
                var invoices: [String] = []
                for n in 1...4 { invoices.append(try await Self.notice(client, "S-D-\(n)")) }
                #expect(await receiver.wait { $0.filter { $0.answered == 200 }.count == 4 })
                let acknowledged = receiver.acknowledged
                #expect(acknowledged.map(\.path) == invoices.map { "/PaymentNotice/\($0)" })
                #expect(Set(acknowledged.map(\.webhookID)).count == 4)
                // Every failed attempt was at the first event, with its id; later events waited.
                let failed = receiver.deliveries.filter { $0.answered != 200 }
                #expect(failed.count == 5)
                #expect(Set(failed.map(\.webhookID)) == [acknowledged.first?.webhookID ?? ""])
                #expect(receiver.deliveries.allSatisfy { WebhookReceiver.verify($0, secret: subscription.secret) })
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(receiver.deliveries.count == 9)
                // The operator sees the same in /metrics: 4 sent (each with its lag), 5 retried.
                let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                let samples = try await parsePrometheus(text)
                func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                    samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
                }
                #expect(value("imisfhir_subscription_deliveries_total", ["outcome": "sent"]) == 4)
                #expect(value("imisfhir_subscription_deliveries_total", ["outcome": "retried"]) == 5)
                #expect(value("imisfhir_subscription_delivery_lag_seconds_count") == 4)
            }
        }
    }

    @Test func a410PutsTheSubscriptionInErrorEventsStillRecordedAndActiveAgainResumesInOrder() async throws {
        let receiver = WebhookReceiver()
        receiver.status.withLockedValue { $0 = 410 }
        let (app, _) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        try await receiver.run { base in
            try await app.test(.router) { client in
                let subscription = try await Self.subscribe(client, criteria: "PaymentNotice?status=active", endpoint: base, payload: "application/fhir+json")
                let first = try await Self.notice(client, "S-G-1")
                #expect(await receiver.wait { $0.count == 1 })
                var read = JSON.null
                for _ in 0..<200 {
                    read = try await client.getJSON("/fhir/Subscription/\(subscription.id)")
                    if read["status"]?.string == "error" { break }
                    try await Task.sleep(nanoseconds: 20_000_000)
                }
                #expect(read["status"]?.string == "error")
                #expect(read["error"]?.string?.contains("410") == true)
                // In error: recorded, not sent.
                let second = try await Self.notice(client, "S-G-2")
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(receiver.deliveries.count == 1)
                #expect(try await Self.events(client, subscription.id).map(\.state) == ["pending", "pending"])

                receiver.status.withLockedValue { $0 = 200 }
                let active = SubscriptionTests.body(criteria: "PaymentNotice?status=active", endpoint: base, headers: nil, payload: "application/fhir+json",
                                                    extra: ", \"id\": \"\(subscription.id)\"")
                try await client.fhir(uri: "/fhir/Subscription/\(subscription.id)", method: .put, headers: SubscriptionTests.fhirJSON,
                                      body: active) { #expect($0.status == .ok) }
                #expect(await receiver.wait { $0.filter { $0.answered == 200 }.count == 2 })
                #expect(receiver.acknowledged.map(\.path) == ["/PaymentNotice/\(first)", "/PaymentNotice/\(second)"])
                #expect(receiver.acknowledged.first?.webhookID == receiver.deliveries.first?.webhookID)
                #expect(try await Self.states(client, subscription.id, settlingAt: ["delivered", "delivered"]) == ["delivered", "delivered"])
            }
        }
    }

    @Test func resendDeliversTheUndeliveredAgainAndReactivates() async throws {
        let receiver = WebhookReceiver()
        receiver.status.withLockedValue { $0 = 410 }
        let (app, _) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        try await receiver.run { base in
            try await app.test(.router) { client in
                let subscription = try await Self.subscribe(client, criteria: "PaymentNotice", endpoint: base, base: "/api/api_fhir_r4")
                _ = try await Self.notice(client, "S-R-1")
                #expect(await receiver.wait { $0.count == 1 })
                for _ in 0..<200 where try await client.getJSON("/fhir/Subscription/\(subscription.id)")["status"]?.string != "error" {
                    try await Task.sleep(nanoseconds: 20_000_000)
                }
                receiver.status.withLockedValue { $0 = 200 }
                try await client.fhir(uri: "/api/api_fhir_r4/Subscription/\(subscription.id)/$resend", method: .post) { response in
                    #expect(response.status == .ok)
                    #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
                }
                #expect(await receiver.wait { $0.count == 2 && $0.last?.answered == 200 })
                #expect(receiver.deliveries.first?.webhookID == receiver.deliveries.last?.webhookID)
                #expect(try await client.getJSON("/fhir/Subscription/\(subscription.id)")["status"]?.string == "active")
                try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.janeDoe)/$events", method: .get) {
                    #expect($0.status == .notFound)
                }
            }
        }
    }

    @Test func aRolledBackTransactionBundleSendsNothing() async throws {
        let receiver = WebhookReceiver()
        let (app, _) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        try await receiver.run { base in
            try await app.test(.router) { client in
                let subscription = try await Self.subscribe(client, criteria: "PaymentNotice?status=active", endpoint: base, payload: "application/fhir+json")
                let invoice = String(buffer: PaymentTests.noticeJSON(identifier: "S-T-1", invoice: DemoDataset.UUIDs.doeContributionInvoice,
                                                                     amount: "0.01"))
                let bundle = ByteBuffer(string: """
                    {"resourceType": "Bundle", "type": "transaction", "entry": [
                      {"resource": \(invoice), "request": {"method": "POST", "url": "PaymentNotice"}},
                      {"resource": {"resourceType": "Patient"}, "request": {"method": "PUT", "url": "Patient/no-such-patient"}}]}
                    """)
                try await client.fhir(uri: "/fhir", method: .post, headers: SubscriptionTests.fhirJSON, body: bundle) {
                    #expect($0.status.code >= 400 && $0.status.code < 500)
                }
                let kept = try await Self.notice(client, "S-T-2")
                #expect(await receiver.wait { $0.count == 1 })
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(receiver.deliveries.map(\.path) == ["/PaymentNotice/\(kept)"])
                #expect(try await Self.events(client, subscription.id).count == 1)
            }
        }
    }

    @Test func anOwnerWhoMayNotReadTheResourceGetsNothingAndTheEventSaysWhy() async throws {
        let receiver = WebhookReceiver()
        let (app, _) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        try await receiver.run { base in
            try await app.test(.router) { client in
                let narrow = testToken(scope: "user/Subscription.cruds")
                let subscription = try await Self.subscribe(client, criteria: "PaymentNotice", endpoint: base, token: narrow)
                let allowed = try await Self.subscribe(client, criteria: "PaymentNotice", endpoint: "\(base)/allowed")
                _ = try await Self.notice(client, "S-O-1")
                #expect(await receiver.wait { $0.count == 1 })
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(receiver.deliveries.map(\.path) == ["/allowed"])
                let refused = try await Self.events(client, subscription.id)
                #expect(refused.map(\.state) == ["refused"])
                #expect(refused.first?.reason?.contains("may not read") == true)
                #expect(try await Self.states(client, allowed.id, settlingAt: ["delivered"]) == ["delivered"])
            }
        }
    }

    @Test func aRedirectIsNotFollowedAndTheEventStaysPending() async throws {
        let receiver = WebhookReceiver()
        receiver.status.withLockedValue { $0 = 302 }
        let (app, _) = try await makeTestApplication(configuration: fastDeliveryConfiguration())
        try await receiver.run { base in
            try await app.test(.router) { client in
                let subscription = try await Self.subscribe(client, criteria: "PaymentNotice", endpoint: "\(base)/hook")
                _ = try await Self.notice(client, "S-X-1")
                #expect(await receiver.wait { $0.count >= 2 })
                #expect(receiver.deliveries.allSatisfy { $0.path == "/hook" })
                #expect(try await Self.events(client, subscription.id).map(\.state) == ["pending"])
            }
        }
    }

    @Test func aSpentHorizonPutsTheSubscriptionInErrorWithTheLastFailure() async throws {
        let receiver = WebhookReceiver()
        receiver.status.withLockedValue { $0 = 503 }
        var configuration = fastDeliveryConfiguration()
        configuration.delivery.horizon = 0.3
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await receiver.run { base in
            try await app.test(.router) { client in
                // openIMIS's other criteria form, resourceType=.
                let subscription = try await Self.subscribe(client, criteria: "resourceType=PaymentNotice", endpoint: "\(base)/down")
                _ = try await Self.notice(client, "S-H-1")
                var read = JSON.null
                for _ in 0..<300 {
                    read = try await client.getJSON("/fhir/Subscription/\(subscription.id)")
                    if read["status"]?.string == "error" { break }
                    try await Task.sleep(nanoseconds: 20_000_000)
                }
                #expect(read["status"]?.string == "error")
                #expect(read["error"]?.string?.contains("503") == true)
                #expect(receiver.deliveries.count >= 2)
                #expect(Set(receiver.deliveries.map(\.webhookID)).count == 1)
                let attempts = receiver.deliveries.count
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(receiver.deliveries.count == attempts)
                #expect(try await Self.events(client, subscription.id).map(\.state) == ["pending"])
            }
        }
    }
}

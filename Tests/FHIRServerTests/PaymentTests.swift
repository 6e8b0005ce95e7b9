import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import NIOCore
import Testing

@testable import FHIRServer

/// PaymentNotice and PaymentReconciliation through HTTP: the payment flow end to end, idempotency, refusals,
/// search parameters and concurrent posts on a file database (api.md §1; reference §3.12;
/// membership-and-payments §2.5).
@Suite struct PaymentTests {
    static let fhirJSON = InvoiceTests.fhirJSON
    let demoInvoice = DemoDataset.UUIDs.doeContributionInvoice

    static func noticeJSON(identifier: String, invoice: String, amount: String, currency: String = "EUR",
                           status: String = "active", paymentStatus: String = "paid") -> ByteBuffer {
        ByteBuffer(string: """
            {"resourceType": "PaymentNotice",
             "identifier": [{"system": "urn:test:mobile-money", "value": "\(identifier)"}],
             "status": "\(status)", "request": {"reference": "Invoice/\(invoice)", "type": "Invoice"},
             "created": "2022-06-21T10:00:00+02:00", "payment": {"reference": "PaymentReconciliation/pending"},
             "paymentDate": "2022-06-21", "recipient": {"reference": "Organization/openIMIS-Implementation"},
             "amount": {"value": \(amount), "currency": "\(currency)"},
             "paymentStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "\(paymentStatus)"}]}}
            """)
    }

    /// The demo application on a SQLite file (a DatabasePool), for real concurrent writes.
    static func makeFileApplication() throws -> (some ApplicationProtocol, TestBackend) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("payments-\(UUID().uuidString).sqlite").path
        let database = try IMISDatabase.open(path: path)
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(demoInstant))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = buildApplication(testEnvironment(database: database, logger: logger))
        return (app, TestBackend(sqlite: database, postgres: nil))
    }

    func status(_ client: some TestClientProtocol, _ uri: String) async throws -> String? {
        try await client.fhir(uri: uri, method: .get) { fhirBody($0)["status"]?.string }
    }

    func post(_ client: some TestClientProtocol, _ uri: String, _ body: ByteBuffer) async throws -> (HTTPResponse.Status, JSON, String) {
        try await client.fhir(uri: uri, method: .post, headers: Self.fhirJSON, body: body) { response in
            (response.status, fhirBody(response), String(buffer: response.body))
        }
    }

    @Test func partialThenFullPaymentActivatesIdempotentlyAndCancellationReverts() async throws {
        let (app, database) = try await makeTestApplication()
        let policy = try await InvoiceTests.enrolIdlePolicy(database)
        let value = try #require(DecimalText.parse(policy.value))
        let rest = DecimalText.string(value - Decimal(string: "1000.50")!)
        try await app.test(.router) { client in
            let invoice = try await post(client, "/fhir/Invoice", InvoiceTests.invoiceJSON(code: "IV-P-1", amount: policy.value)).1["id"]?.string ?? ""
            #expect(try await status(client, "/fhir/Coverage/\(policy.uuid)") == "draft")

            let partial = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "MM-1", invoice: invoice, amount: "1000.50"))
            #expect(partial.0 == .created)
            #expect(partial.2.contains(#""value":1000.50"#))
            #expect(partial.1["request"]?["reference"]?.string == "Invoice/\(invoice)")
            #expect(partial.1["recipient"]?["reference"]?.string == "Organization/openIMIS-Implementation")
            #expect(partial.1["paymentStatus"]?["coding"]?.array?.first?["code"]?.string == "paid")
            #expect(try await status(client, "/fhir/Coverage/\(policy.uuid)") == "draft")
            #expect(try await status(client, "/fhir/Invoice/\(invoice)") == "issued")

            let full = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "MM-2", invoice: invoice, amount: rest))
            #expect(full.0 == .created)
            #expect(try await status(client, "/fhir/Coverage/\(policy.uuid)") == "active")
            #expect(try await status(client, "/fhir/Invoice/\(invoice)") == "balanced")

            let again = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "MM-2", invoice: invoice, amount: rest))
            #expect(again.0 == .ok)
            #expect(again.1["id"]?.string == full.1["id"]?.string)
            try await client.fhir(uri: "/fhir/PaymentNotice?request=Invoice/IV-P-1&_total=accurate", method: .get) { response in
                #expect(fhirBody(response)["total"]?.number == "2")
            }

            let cancelled = try await post(client, "/fhir/PaymentNotice",
                                           Self.noticeJSON(identifier: "MM-2", invoice: invoice, amount: rest, status: "cancelled"))
            #expect(cancelled.0 == .ok)
            #expect(cancelled.1["status"]?.string == "cancelled")
            #expect(try await status(client, "/fhir/Coverage/\(policy.uuid)") == "draft")
            #expect(try await status(client, "/fhir/Invoice/\(invoice)") == "issued")
            #expect(try await status(client, "/fhir/PaymentNotice/\(full.1["id"]?.string ?? "")") == "cancelled")
        }
    }

    @Test func refusals() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for (body, path) in [
                (Self.noticeJSON(identifier: "X-1", invoice: "00000000-0000-4000-8000-000000000000", amount: "5.00"), "PaymentNotice.request"),
                (Self.noticeJSON(identifier: "X-2", invoice: "IV-NONE", amount: "5.00"), "PaymentNotice.request"),
                (Self.noticeJSON(identifier: "X-3", invoice: demoInvoice, amount: "5.00", currency: "USD"), "PaymentNotice.amount.currency"),
                (Self.noticeJSON(identifier: "X-4", invoice: demoInvoice, amount: "5.00", paymentStatus: "refunded"), "PaymentNotice.paymentStatus"),
                (Self.noticeJSON(identifier: "X-5", invoice: demoInvoice, amount: "5.00", status: "cancelled"), "PaymentNotice.identifier"),
            ] {
                let (status, outcome, _) = try await post(client, "/fhir/PaymentNotice", body)
                #expect(status == .unprocessableContent, "\(path)")
                #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == path)
            }
            _ = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "X-6", invoice: demoInvoice, amount: "5.00"))
            let reused = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "X-6", invoice: demoInvoice, amount: "6.00"))
            #expect(reused.0 == .conflict)
        }
    }

    @Test func readAndEverySearchParameter() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let paid = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "S-1", invoice: DemoDataset.doeInvoiceCode, amount: "100.00"))
            let id = paid.1["id"]?.string ?? ""
            #expect(try await status(client, "/fhir/PaymentNotice/\(id)") == "active")
            #expect(try await client.fhir(uri: "/fhir/PaymentNotice/\(id)/_history/1", method: .get) { $0.status } == .ok)
            for (query, expected) in [
                ("identifier=S-1", 1), ("identifier=urn:test:mobile-money|S-1", 1), ("identifier=\(id)", 1), ("identifier=S-2", 0),
                ("request=Invoice/\(demoInvoice)", 1), ("request=\(DemoDataset.doeInvoiceCode)", 1), ("request=Invoice/IV-NONE", 0),
                ("status=active", 1), ("status=cancelled", 0), ("created=gt2000-01-01", 1), ("created=lt2000-01-01", 0),
                ("payment-status=paid", 1), ("payment-status=cleared", 0),
            ] {
                try await client.fhir(uri: "/fhir/PaymentNotice?\(query)", method: .get) { response in
                    #expect(entryIDs(fhirBody(response)).count == expected, "\(query)")
                }
            }
        }
    }

    @Test func reconciliationClearsThePaymentsItLists() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let paid = try await post(client, "/fhir/PaymentNotice", Self.noticeJSON(identifier: "R-1", invoice: demoInvoice, amount: "10000.00"))
            let reconciliation = ByteBuffer(string: """
                {"resourceType": "PaymentReconciliation", "status": "active", "created": "2022-06-22", "outcome": "complete",
                 "paymentDate": "2022-06-22", "paymentAmount": {"value": 10000.00, "currency": "EUR"},
                 "detail": [{"identifier": {"system": "urn:test:mobile-money", "value": "R-1"},
                   "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/payment-type", "code": "payment"}]},
                   "amount": {"value": 10000.00, "currency": "EUR"}}]}
                """)
            let created = try await post(client, "/fhir/PaymentReconciliation", reconciliation)
            #expect(created.0 == .created)
            let id = created.1["id"]?.string ?? ""
            #expect(created.1["detail"]?.array?.first?["request"]?["reference"]?.string == "Invoice/\(demoInvoice)")
            try await client.fhir(uri: "/fhir/PaymentNotice/\(paid.1["id"]?.string ?? "")", method: .get) { response in
                let notice = fhirBody(response)
                #expect(notice["paymentStatus"]?["coding"]?.array?.first?["code"]?.string == "cleared")
                #expect(notice["payment"]?["reference"]?.string == "PaymentReconciliation/\(id)")
            }
            #expect(try await status(client, "/fhir/PaymentReconciliation/\(id)") == "active")
            try await client.fhir(uri: "/fhir/PaymentReconciliation?request=Invoice/\(DemoDataset.doeInvoiceCode)", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [id])
            }
            try await client.fhir(uri: "/fhir/PaymentNotice?payment-status=cleared", method: .get) { response in
                #expect(entryIDs(fhirBody(response)).count == 1)
            }
            #expect(try await post(client, "/fhir/PaymentReconciliation", reconciliation).0 == .unprocessableContent)
            #expect(try await client.fhir(uri: "/fhir/PaymentReconciliation/unknown", method: .get) { $0.status } == .notFound)
        }
    }

    @Test func concurrentPostsOfOneNoticeRecordOnePayment() async throws {
        let (app, database) = try Self.makeFileApplication()
        try await app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        try await client.fhir(uri: "/fhir/PaymentNotice", method: .post, headers: Self.fhirJSON,
                                                 body: Self.noticeJSON(identifier: "C-1", invoice: demoInvoice, amount: "10000.00")) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .ok }.count == 31)
        }
        #expect(try await database.store().payments(invoiceUUID: demoInvoice).count == 1)
    }

    @Test func concurrentPaymentsOfDifferentInvoicesLoseNone() async throws {
        let (app, database) = try Self.makeFileApplication()
        _ = try await InvoiceTests.enrolIdlePolicy(database)
        try await app.test(.router) { client in
            var invoices: [String] = []
            for i in 0..<32 {
                let created = try await post(client, "/fhir/Invoice", InvoiceTests.invoiceJSON(code: "IV-C-\(i)", amount: "10.25"))
                invoices.append(created.1["id"]?.string ?? "")
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (i, invoice) in invoices.enumerated() {
                    group.addTask {
                        try await client.fhir(uri: "/fhir/PaymentNotice", method: .post, headers: Self.fhirJSON,
                                                 body: Self.noticeJSON(identifier: "D-\(i)", invoice: invoice, amount: "10.25")) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created })
            try await client.fhir(uri: "/fhir/Invoice?status=balanced&_summary=count", method: .get) { response in
                #expect(fhirBody(response)["total"]?.number == "32")
            }
        }
        let store = database.store()
        var recorded = 0
        for i in 0..<32 {
            if try await store.payment(identifier: PaymentNoticeIdentifier(system: "urn:test:mobile-money", value: "D-\(i)")) != nil {
                recorded += 1
            }
        }
        #expect(recorded == 32)
    }
}

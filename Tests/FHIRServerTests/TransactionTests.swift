import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// batch and transaction Bundles on `POST [base]` (http://hl7.org/fhir/R4/http.html#transaction): urn:uuid
/// references between entries, all-or-nothing transactions, independent batch entries, malformed Bundles.
@Suite struct TransactionTests {
    static let fhirJSON = InvoiceTests.fhirJSON

    static func bundle(_ type: String, _ entries: [String]) -> ByteBuffer {
        ByteBuffer(
            string: #"{"resourceType": "Bundle", "type": "\#(type)", "entry": [\#(entries.joined(separator: ", "))]}"#)
    }

    static func entry(
        _ method: String, _ url: String, fullUrl: String? = nil, resource: String? = nil,
        ifNoneExist: String? = nil
    ) -> String {
        var members: [String] = []
        if let fullUrl { members.append(#""fullUrl": "\#(fullUrl)""#) }
        if let resource { members.append(#""resource": \#(resource)"#) }
        var request = #""method": "\#(method)", "url": "\#(url)""#
        if let ifNoneExist { request += #", "ifNoneExist": "\#(ifNoneExist)""# }
        members.append(#""request": {\#(request)}"#)
        return "{" + members.joined(separator: ", ") + "}"
    }

    static func invoice(code: String, amount: String) -> String {
        String(buffer: InvoiceTests.invoiceJSON(code: code, amount: amount))
    }

    /// A PaymentNotice for `request` (a reference: `Invoice/<id>` or an entry's `urn:uuid:`).
    static func notice(identifier: String, request: String, amount: String, currency: String = "EUR") -> String {
        """
        {"resourceType": "PaymentNotice", "identifier": [{"system": "urn:test:mobile-money", "value": "\(identifier)"}],
         "status": "active", "request": {"reference": "\(request)", "type": "Invoice"}, "created": "2022-06-21T10:00:00+02:00",
         "payment": {"reference": "PaymentReconciliation/pending"}, "paymentDate": "2022-06-21",
         "recipient": {"reference": "Organization/openIMIS-Implementation"},
         "amount": {"value": \(amount), "currency": "\(currency)"},
         "paymentStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "paid"}]}}
        """
    }

    static let invoiceURN = "urn:uuid:0b6c3f4e-8a51-4d0f-9d1e-6f2a7c9b1e01"
    static let noticeURN = "urn:uuid:0b6c3f4e-8a51-4d0f-9d1e-6f2a7c9b1e02"

    func post(
        _ client: some TestClientProtocol, _ body: ByteBuffer, uri: String = "/fhir",
        headers: HTTPFields = Self.fhirJSON
    )
        async throws -> (HTTPResponse.Status, JSON)
    {
        try await client.fhir(uri: uri, method: .post, headers: headers, body: body) { ($0.status, fhirBody($0)) }
    }

    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> JSON {
        try await client.fhir(uri: uri, method: .get) { response in
            #expect(response.status == .ok, "\(uri)")
            return fhirBody(response)
        }
    }

    func statuses(_ bundle: JSON) -> [String] {
        (bundle["entry"]?.array ?? []).map { $0["response"]?["status"]?.string ?? "" }
    }

    /// Counts the commits the database reports to its observers (what the render cache hears).
    final class CommitLog: @unchecked Sendable {
        private let lock = NSLock()
        private var changes: [CommittedChanges] = []
        func append(_ change: CommittedChanges) { lock.withLock { changes.append(change) } }
        var all: [CommittedChanges] { lock.withLock { changes } }
    }

    @Test func invoiceAndPaymentNoticeInOneTransactionPayTheInvoiceAndActivateThePolicy() async throws {
        let (app, database) = try await makeTestApplication()
        let policy = try await InvoiceTests.enrolIdlePolicy(database)
        let commits = CommitLog()
        database.sqlite.observeCommittedChanges { commits.append($0) }
        // The notice comes first in the Bundle: it refers to the invoice, which must be created before it.
        let body = Self.bundle(
            "transaction",
            [
                Self.entry(
                    "POST", "PaymentNotice", fullUrl: Self.noticeURN,
                    resource: Self.notice(identifier: "TX-1", request: Self.invoiceURN, amount: policy.value)),
                Self.entry(
                    "POST", "Invoice", fullUrl: Self.invoiceURN,
                    resource: Self.invoice(code: "IV-TX-1", amount: policy.value)),
            ])
        try await app.test(.router) { client in
            let (status, response) = try await post(client, body)
            #expect(status == .ok)
            #expect(response["type"]?.string == "transaction-response")
            #expect(statuses(response) == ["201 Created", "201 Created"])
            let entries = response["entry"]?.array ?? []
            let invoiceID = try #require(entries.last?["resource"]?["id"]?.string)
            #expect(entries.last?["resource"]?["resourceType"]?.string == "Invoice")
            #expect(entries.last?["fullUrl"]?.string?.hasSuffix("/fhir/Invoice/\(invoiceID)") == true)
            #expect(
                entries.last?["response"]?["location"]?.string?.hasSuffix("/fhir/Invoice/\(invoiceID)/_history/1")
                    == true)
            #expect(entries.last?["response"]?["etag"]?.string == "W/\"1\"")
            #expect(entries.last?["response"]?["lastModified"]?.string != nil)
            #expect(entries.first?["resource"]?["request"]?["reference"]?.string == "Invoice/\(invoiceID)")

            #expect(try await get(client, "/fhir/Coverage/\(policy.uuid)")["status"]?.string == "active")
            #expect(try await get(client, "/fhir/Invoice/\(invoiceID)")["status"]?.string == "balanced")
            #expect(entryIDs(try await get(client, "/fhir/PaymentNotice?identifier=TX-1")).count == 1)
        }
        // One commit for both entries: the invoice and the payment rows are reported together (the commit feed
        // is the embedded database's; PostgreSQL has none).
        if !TestPostgres.isBackend {
            let tables = Set(commits.all.flatMap { $0.rows.map(\.table) })
            #expect(commits.all.count == 1)
            #expect(tables.isSuperset(of: ["tblInvoice", "tblPaymentInvoice", "tblPremium", "tblPolicy"]))
        }
    }

    @Test(arguments: ["currency", "claim"])
    func aFailingEntryLeavesNothingWritten(failure: String) async throws {
        let (app, database) = try await makeTestApplication()
        let policy = try await InvoiceTests.enrolIdlePolicy(database)
        let commits = CommitLog()
        database.sqlite.observeCommittedChanges { commits.append($0) }
        let second =
            failure == "currency"
            ? Self.entry(
                "POST", "PaymentNotice", fullUrl: Self.noticeURN,
                resource: Self.notice(
                    identifier: "TX-2", request: Self.invoiceURN, amount: policy.value, currency: "USD"))
            : Self.entry(
                "POST", "Claim", resource: try ClaimSubmissionTests().claim001(code: "TX-CLAIM", serviceCode: "ZZ99"))
        let body = Self.bundle(
            "transaction",
            [
                Self.entry(
                    "POST", "Invoice", fullUrl: Self.invoiceURN,
                    resource: Self.invoice(code: "IV-TX-2", amount: policy.value)),
                second,
            ])
        try await app.test(.router) { client in
            let (status, outcome) = try await post(client, body)
            #expect(status == .unprocessableContent)
            #expect(outcome["resourceType"]?.string == "OperationOutcome")
            let issue = outcome["issue"]?.array?.first
            #expect(issue?["diagnostics"]?.string?.hasPrefix("Bundle.entry[1] (POST)") == true)
            let expected =
                failure == "currency"
                ? "Bundle.entry[1].resource.amount.currency" : "Bundle.entry[1].resource.item[0].productOrService"
            #expect(issue?["expression"]?.array?.first?.string == expected)

            #expect(entryIDs(try await get(client, "/fhir/Invoice?identifier=IV-TX-2")).isEmpty)
            #expect(entryIDs(try await get(client, "/fhir/PaymentNotice?identifier=TX-2")).isEmpty)
            #expect(try await client.fhir(uri: "/fhir/Claim/TX-CLAIM", method: .get) { $0.status } == .notFound)
            #expect(try await get(client, "/fhir/Coverage/\(policy.uuid)")["status"]?.string == "draft")
        }
        #expect(commits.all.isEmpty, "a rolled back transaction notified \(commits.all)")
        // The writer is free again: a single create goes through.
        try await app.test(.router) { client in
            let (status, _) = try await post(
                client, InvoiceTests.invoiceJSON(code: "IV-TX-3", amount: policy.value), uri: "/fhir/Invoice")
            #expect(status == .created)
        }
    }

    @Test func batchAnswersEveryEntryAndWritesTheGoodOnes() async throws {
        let (app, database) = try await makeTestApplication()
        let policy = try await InvoiceTests.enrolIdlePolicy(database)
        let demoInvoice = DemoDataset.UUIDs.doeContributionInvoice
        let body = Self.bundle(
            "batch",
            [
                Self.entry("POST", "Invoice", resource: Self.invoice(code: "IV-B-1", amount: policy.value)),
                Self.entry(
                    "POST", "PaymentNotice",
                    resource: Self.notice(
                        identifier: "B-1", request: "Invoice/\(demoInvoice)", amount: "5.00", currency: "USD")),
                Self.entry("GET", "Invoice/\(demoInvoice)"),
                Self.entry("GET", "Invoice?identifier=IV-B-1"),
                Self.entry("GET", "Invoice/IV-NONE"),
                Self.entry("DELETE", "Invoice/\(demoInvoice)"),
            ])
        try await app.test(.router) { client in
            let (status, response) = try await post(client, body)
            #expect(status == .ok)
            #expect(response["type"]?.string == "batch-response")
            #expect(
                statuses(response) == [
                    "201 Created", "422 Unprocessable Content", "200 OK", "200 OK", "404 Not Found",
                    "405 Method Not Allowed",
                ])
            let entries = response["entry"]?.array ?? []
            #expect(
                entries[1]["response"]?["outcome"]?["issue"]?.array?.first?["expression"]?.array?.first?.string
                    == "Bundle.entry[1].resource.amount.currency")
            #expect(entries[2]["resource"]?["id"]?.string == demoInvoice)
            #expect(entries[2]["response"]?["etag"]?.string == "W/\"1\"")
            #expect(entries[3]["resource"]?["type"]?.string == "searchset")
            #expect(entryIDs(entries[3]["resource"] ?? .null) == [entries[0]["resource"]?["id"]?.string ?? "?"])
            #expect(entries[4]["response"]?["outcome"]?["issue"]?.array?.first?["code"]?.string == "not-found")
            #expect(entries[4]["resource"] == nil)

            #expect(entryIDs(try await get(client, "/fhir/Invoice?identifier=IV-B-1")).count == 1)
            #expect(entryIDs(try await get(client, "/fhir/PaymentNotice?identifier=B-1")).isEmpty)
        }
    }

    @Test func conditionalCreateInsideATransactionResolvesToTheExistingResource() async throws {
        let (app, _) = try await makeTestApplication()
        let demoInvoice = DemoDataset.UUIDs.doeContributionInvoice
        let body = Self.bundle(
            "transaction",
            [
                Self.entry(
                    "POST", "Invoice", fullUrl: Self.invoiceURN,
                    resource: Self.invoice(code: DemoDataset.doeInvoiceCode, amount: "10000.00"),
                    ifNoneExist: "identifier=\(DemoDataset.doeInvoiceCode)"),
                Self.entry(
                    "POST", "PaymentNotice", fullUrl: Self.noticeURN,
                    resource: Self.notice(identifier: "TX-C-1", request: Self.invoiceURN, amount: "100.00"),
                    ifNoneExist: "identifier=TX-C-1"),
                Self.entry("GET", "PaymentNotice?identifier=TX-C-1"),
            ])
        try await app.test(.router) { client in
            let (status, response) = try await post(client, body)
            #expect(status == .ok)
            #expect(statuses(response) == ["200 OK", "201 Created", "200 OK"])
            let entries = response["entry"]?.array ?? []
            #expect(entries[0]["resource"]?["id"]?.string == demoInvoice)
            #expect(entries[1]["resource"]?["request"]?["reference"]?.string == "Invoice/\(demoInvoice)")
            // The GET runs last, inside the transaction: it sees the notice created by it.
            #expect(entryIDs(entries[2]["resource"] ?? .null) == [entries[1]["resource"]?["id"]?.string ?? "?"])

            // The same Bundle again: both creates find what the first one stored.
            let (again, repeated) = try await post(client, body)
            #expect(again == .ok)
            #expect(statuses(repeated) == ["200 OK", "200 OK", "200 OK"])
            #expect(entryIDs(try await get(client, "/fhir/PaymentNotice?request=Invoice/\(demoInvoice)")).count == 1)
        }
    }

    @Test func preferMinimalAndTheAliasBase() async throws {
        let (app, database) = try await makeTestApplication()
        let policy = try await InvoiceTests.enrolIdlePolicy(database)
        let body = Self.bundle(
            "transaction",
            [
                Self.entry(
                    "POST", "Invoice", fullUrl: Self.invoiceURN,
                    resource: Self.invoice(code: "IV-TX-M", amount: policy.value)),
                Self.entry(
                    "POST", "PaymentNotice",
                    resource: Self.notice(identifier: "TX-M", request: Self.invoiceURN, amount: "1.00")),
            ])
        var minimal = Self.fhirJSON
        minimal[HTTPField.Name("Prefer")!] = "return=minimal"
        let headers = minimal
        try await app.test(.router) { client in
            let (status, response) = try await post(client, body, uri: "/api/api_fhir_r4/", headers: headers)
            #expect(status == .ok)
            let entries = response["entry"]?.array ?? []
            #expect(statuses(response) == ["201 Created", "201 Created"])
            #expect(entries.allSatisfy { $0["resource"] == nil })
            let location = try #require(entries.first?["response"]?["location"]?.string)
            #expect(location.contains("/api/api_fhir_r4/Invoice/"))
            let invoiceID = String(location.split(separator: "/").dropLast(2).last ?? "")
            let notice = try #require(entryIDs(try await get(client, "/fhir/PaymentNotice?identifier=TX-M")).first)
            #expect(
                try await get(client, "/fhir/PaymentNotice/\(notice)")["request"]?["reference"]?.string
                    == "Invoice/\(invoiceID)")
        }
    }
}

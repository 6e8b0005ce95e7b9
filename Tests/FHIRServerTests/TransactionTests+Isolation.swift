import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Transactions and the rest of the server: concurrent writes, and the render cache.
extension TransactionTests {
    @Test func renderingsMadeInsideATransactionAreNotCached() async throws {
        let (service, app, _) = try RenderCacheTests().makeService()
        let cache = try #require(service.renderCache)
        let body = Self.bundle(
            "transaction",
            [
                Self.entry("POST", "Patient", resource: WriteTests().newPatient(chfid: "987654321")),
                Self.entry("GET", "Patient?identifier=987654321"),
                Self.entry("GET", "Patient/\(DemoDataset.UUIDs.johnDoe)"),
                Self.entry("GET", "Patient/00000000-0000-4000-8000-000000000000"),
            ])
        try await app.test(.router) { client in
            let (status, outcome) = try await post(client, body)
            #expect(status == .notFound)
            #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "Bundle.entry[3]")
            #expect(cache.statistics.entries == 0)
            #expect(entryIDs(try await get(client, "/fhir/Patient?identifier=987654321")).isEmpty)
        }
    }

    @Test func concurrentTransactionsAndSingleWritesAllSucceed() async throws {
        let (app, database) = try PaymentTests.makeFileApplication()
        let demoInvoice = DemoDataset.UUIDs.doeContributionInvoice
        try await app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<16 {
                    group.addTask {
                        let body = Self.bundle(
                            "transaction",
                            [
                                Self.entry(
                                    "POST", "PaymentNotice",
                                    resource: Self.notice(
                                        identifier: "CT-\(i)-a", request: "Invoice/\(demoInvoice)", amount: "1.00")),
                                Self.entry(
                                    "POST", "PaymentNotice",
                                    resource: Self.notice(
                                        identifier: "CT-\(i)-b", request: "Invoice/\(demoInvoice)", amount: "1.00")),
                            ])
                        return try await client.fhir(uri: "/fhir", method: .post, headers: Self.fhirJSON, body: body)
                        { $0.status }
                    }
                    group.addTask {
                        let body = ByteBuffer(
                            string: Self.notice(
                                identifier: "CS-\(i)", request: "Invoice/\(demoInvoice)", amount: "1.00"))
                        return try await client.fhir(
                            uri: "/fhir/PaymentNotice", method: .post, headers: Self.fhirJSON, body: body
                        ) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 16)
            #expect(statuses.filter { $0 == .created }.count == 16)
        }
        #expect(try await database.store().payments(invoiceUUID: demoInvoice).count == 48)
    }
}

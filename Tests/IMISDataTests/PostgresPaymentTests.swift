import Foundation
import GRDB
import Logging
import Testing

@testable import IMISData

/// Policies, invoices and payments on PostgreSQL, with two store instances (two connection pools, as two server
/// instances have) on one database.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
struct PostgresPaymentTests {
    /// The demo rows on a fresh database, a second pool on it, and both stores.
    func withTwoStores(_ body: @escaping (PostgresRegistryStore, PostgresRegistryStore) async throws -> Void) async throws {
        try await withPostgresDatabase { database in
            try await loadDemo(into: database)
            try await withAnotherPool(on: database) { second in
                let clock = RegistryClock.fixed(referenceDate.addingTimeInterval(3600))
                try await body(PostgresRegistryStore(database: database, clock: clock), PostgresRegistryStore(database: second, clock: clock))
            }
        }
    }

    /// A new idle policy of the Müller family (500.50 EUR; its UUID asked upper-case, as SQL Server data has it) and
    /// its contribution invoice.
    func idlePolicyWithInvoice(_ store: PostgresRegistryStore) async throws -> (Versioned<Policy>, InvoiceDetails) {
        try await PaymentTests().idlePolicyWithInvoice(store, code: "IV-PG-1", family: "3C9A7E10-5B2D-4F1E-8A6C-000000000401")
    }

    func request(_ invoice: InvoiceDetails, _ value: String, amount: String) -> PaymentRequest {
        PaymentTests().request(invoice, value, amount: amount)
    }

    @Test func paymentsActivateThePolicyIdempotentlyAndACancellationReverts() async throws {
        try await withTwoStores { a, b in
            let (policy, invoice) = try await idlePolicyWithInvoice(a)
            #expect(policy.policyStatus == .idle)
            let first = try await a.recordPayment(request(invoice, "TX-1", amount: "200.25"))
            #expect(first.created && first.contributions.map(\.amount) == ["200.25"])
            #expect(first.policies.map(\.policyStatus) == [.idle])
            // The same notice on the other instance is the same payment.
            let again = try await b.recordPayment(request(invoice, "TX-1", amount: "200.25"))
            #expect(!again.created && again.payment.payment.uuid == first.payment.payment.uuid)
            let second = try await b.recordPayment(request(invoice, "TX-2", amount: "300.25"))
            #expect(second.policies.first?.policyStatus == .active)
            #expect(second.policies.first?.effectiveDate == LocalDate("2024-02-03"))
            #expect(second.invoice.invoiceStatus == .paid && second.invoice.versionId == 2)
            #expect(try await a.contributionTotal(policyID: policy.id!) == Decimal(string: "500.50"))
            #expect(try await a.payments(invoiceUUID: invoice.invoice.uuid).count == 2)
            let cancelled = try await a.cancelPayment(uuid: second.payment.payment.uuid)
            #expect(cancelled.policies.first?.policyStatus == .idle)
            #expect(cancelled.invoice.invoiceStatus == .validated)
            #expect(try await b.contributionTotal(policyID: policy.id!) == Decimal(string: "200.25"))
        }
    }

    @Test func oneNoticePostedToTwoInstancesAtOnceIsRecordedOnce() async throws {
        try await withTwoStores { a, b in
            let (policy, invoice) = try await idlePolicyWithInvoice(a)
            async let onA = a.recordPayment(request(invoice, "TX-RACE", amount: "500.50"))
            async let onB = b.recordPayment(request(invoice, "TX-RACE", amount: "500.50"))
            let results = [try await onA, try await onB]
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.payment.payment.uuid)).count == 1)
            #expect(try await a.contributions(policyID: policy.id!).count == 1)
            #expect(try await b.record(Policy.self, id: policy.id!)?.policyStatus == .active)
        }
    }

    @Test func aUnitOfWorkThatFailsLeavesNothingWritten() async throws {
        try await withTwoStores { a, b in
            let before = try await a.search(Insuree.self, RowQuery(limit: 0, countTotal: true)).total
            let head = try #require(try await a.search(Insuree.self, RowQuery(limit: 1)).items.first)
            await #expect(throws: RegistryError.self) {
                try await a.unitOfWork {
                    var copy = head.record
                    copy.id = nil
                    copy.uuid = RowUUID.make()
                    copy.chfid = "555000111"
                    _ = try await a.insert(copy)
                    // Inside the unit its write is visible; on the other instance it is not.
                    #expect(try await a.insuree(chfid: "555000111") != nil)
                    #expect(try await b.insuree(chfid: "555000111") == nil)
                    throw RegistryError.invalidValue("undo")
                }
            }
            #expect(try await b.search(Insuree.self, RowQuery(limit: 0, countTotal: true)).total == before)
            #expect(try await a.insuree(chfid: "555000111") == nil)
        }
    }
}

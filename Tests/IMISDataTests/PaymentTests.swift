import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite struct PaymentTests {
    /// A demo store with a new idle policy for the Müller family (value 500.50 EUR) and its contribution invoice.
    func idlePolicyWithInvoice(_ store: any IMISStore, code: String = "IV-TEST-1",
                               family familyUUID: String = "3c9a7e10-5b2d-4f1e-8a6c-000000000401")
        async throws -> (Versioned<Policy>, InvoiceDetails) {
        let family = try #require(try await store.record(Family.self, uuid: familyUUID, includeDeleted: false))
        let product = try #require(try await store.record(Product.self, code: "RX01"))
        let policy = try await store.enrolFamily(
            policy: Policy(familyID: family.record.id!, enrollDate: LocalDate("2024-01-05")!, startDate: LocalDate("2024-01-01")!,
                           expiryDate: LocalDate("2024-12-31")!, value: "500.50", productID: product.record.id!),
            members: [], contributions: []).policy
        let invoice = try await store.createInvoice(
            Invoice(code: code, subjectType: "family", subjectID: family.record.uuid, dateInvoice: LocalDate("2024-01-05")!,
                    amountNet: "500.50", amountTotal: "500.50", currencyCode: "EUR"),
            lines: [InvoiceLineItem(code: "RX01", lineType: "policy", lineID: policy.uuid, unitPrice: "500.50",
                                    amountNet: "500.50", amountTotal: "500.50")])
        return (policy, invoice)
    }

    func request(_ invoice: InvoiceDetails, _ value: String, amount: String) -> PaymentRequest {
        PaymentRequest(identifier: PaymentNoticeIdentifier(system: "urn:test:mobile-money", value: value),
                       invoiceUUID: invoice.invoice.uuid, amount: amount, currencyCode: "EUR",
                       datePayment: LocalDate("2024-02-03")!, payerRef: "PaymentReconciliation/1")
    }

    @Test func demoInvoiceReadsBack() async throws {
        let store = try makeDemoStore()
        let invoice = try #require(try await store.invoice(code: DemoDataset.doeInvoiceCode))
        #expect(invoice.invoice.uuid == DemoDataset.UUIDs.doeContributionInvoice)
        #expect(invoice.invoice.amountTotal == "10000.00" && invoice.invoice.currencyCode == "EUR")
        #expect(invoice.invoice.invoiceStatus == .validated && invoice.invoice.versionId == 1)
        #expect(invoice.invoice.subjectID == DemoDataset.UUIDs.doeFamily)
        #expect(invoice.lines.map(\.lineType) == ["policy"] && invoice.lines.first?.lineID == DemoDataset.UUIDs.doePolicy)
        #expect(try await store.invoice(uuid: DemoDataset.UUIDs.doeContributionInvoice.uppercased()) == invoice)
        let page = try await store.searchHistory(Invoice.self, RowQuery(predicates: [
            .equalsIgnoringCase("SubjectId", DemoDataset.UUIDs.doeFamily), .compare("Status", .equal, .integer(1))]))
        #expect(page.items.map(\.uuid) == [DemoDataset.UUIDs.doeContributionInvoice])
    }

    @Test func partialPaymentLeavesThePolicyIdleAndFullPaymentActivatesIt() async throws {
        let store = try makeDemoStore()
        let (policy, invoice) = try await idlePolicyWithInvoice(store)
        let first = try await store.recordPayment(request(invoice, "TX-1", amount: "200.25"))
        #expect(first.created && first.contributions.map(\.amount) == ["200.25"])
        #expect(first.policies.map(\.policyStatus) == [.idle])
        #expect(first.invoice.invoiceStatus == .validated)
        #expect(try await store.record(Policy.self, id: policy.id!)?.policyStatus == .idle)

        let second = try await store.recordPayment(request(invoice, "TX-2", amount: "300.25"))
        #expect(second.policies.first?.policyStatus == .active)
        #expect(second.policies.first?.effectiveDate == LocalDate("2024-02-03"))
        #expect(second.invoice.invoiceStatus == .paid && second.invoice.datePayed == LocalDate("2024-02-03"))
        #expect(second.invoice.versionId == 2)
        #expect(try await store.contributionTotal(policyID: policy.id!) == Decimal(string: "500.50"))
        #expect(try await store.policyMembers(policyID: policy.id!).allSatisfy { $0.effectiveDate == LocalDate("2024-02-03") })
        #expect(try await store.payments(invoiceUUID: invoice.invoice.uuid).count == 2)
    }

    @Test func sameIdentifierRecordsOnePayment() async throws {
        let store = try makeDemoStore()
        let (policy, invoice) = try await idlePolicyWithInvoice(store)
        let first = try await store.recordPayment(request(invoice, "TX-1", amount: "500.50"))
        let again = try await store.recordPayment(request(invoice, "TX-1", amount: "500.50"))
        #expect(first.created && !again.created)
        #expect(again.payment.payment.uuid == first.payment.payment.uuid)
        #expect(try await store.contributions(policyID: policy.id!).count == 1)
        #expect(try await store.payment(identifier: PaymentNoticeIdentifier(system: "urn:test:mobile-money", value: "TX-1"))?
                .payment.uuid == first.payment.payment.uuid)
        await #expect(throws: RegistryError.self) { try await store.recordPayment(request(invoice, "TX-1", amount: "1.00")) }
    }

    @Test func cancellationRevertsThePayment() async throws {
        let store = try makeDemoStore()
        let (policy, invoice) = try await idlePolicyWithInvoice(store)
        let paid = try await store.recordPayment(request(invoice, "TX-1", amount: "500.50"))
        #expect(paid.policies.first?.policyStatus == .active)
        let cancelled = try await store.cancelPayment(uuid: paid.payment.payment.uuid)
        #expect(cancelled.payment.payment.reconciliationStatus == ReconciliationStatus.cancelled.rawValue)
        #expect(cancelled.payment.details.map(\.status) == [PaymentDetailStatus.cancelled.rawValue])
        #expect(cancelled.invoice.invoiceStatus == .validated && cancelled.invoice.datePayed == nil)
        #expect(cancelled.policies.first?.policyStatus == .idle && cancelled.policies.first?.effectiveDate == nil)
        #expect(cancelled.contributions.map(\.isDeleted) == [true])
        #expect(try await store.contributions(policyID: policy.id!).isEmpty)
        #expect(try await store.record(Policy.self, id: policy.id!)?.versionId == 3)  // idle, active, idle
        #expect(try await !store.cancelPayment(uuid: paid.payment.payment.uuid).created)
        #expect(try await !store.recordPayment(request(invoice, "TX-1", amount: "500.50")).created)
    }

    @Test func paymentsOfClosedInvoicesOrInAnotherCurrencyAreRefused() async throws {
        let store = try makeDemoStore()
        let (_, invoice) = try await idlePolicyWithInvoice(store)
        var dollars = request(invoice, "TX-1", amount: "500.50")
        dollars.currencyCode = "USD"
        await #expect(throws: RegistryError.self) { try await store.recordPayment(dollars) }
        var unknown = request(invoice, "TX-2", amount: "1.00")
        unknown.invoiceUUID = RowUUID.make()
        await #expect(throws: RegistryError.self) { try await store.recordPayment(unknown) }
        await #expect(throws: RegistryError.self) { try await store.recordPayment(request(invoice, "TX-3", amount: "1.0.0")) }
        #expect(try await store.payments(invoiceUUID: invoice.invoice.uuid).isEmpty)
    }

    @Test func decimalAmountsRoundTripExactly() async throws {
        let store = try makeDemoStore()
        let (policy, invoice) = try await idlePolicyWithInvoice(store)
        let paid = try await store.recordPayment(request(invoice, "TX-1", amount: "1000.50"))
        let read = try #require(try await store.payment(uuid: paid.payment.payment.uuid))
        #expect(read.payment.amountReceived == "1000.50" && read.details.first?.amount == "1000.50")
        #expect(try await store.contributions(policyID: policy.id!).map(\.amount) == ["1000.50"])
        let stored = try store.database.read { db in
            try String.fetchOne(db, sql: "SELECT typeof(AmountReceived) || ':' || AmountReceived FROM tblPaymentInvoice")
        }
        #expect(stored == "text:1000.50")
        #expect(DecimalText.string(Decimal(string: "0.1")! + Decimal(string: "0.2")!) == "0.30")
        #expect(DecimalText.parse("1e3") == nil && DecimalText.parse("-12.5") == Decimal(string: "-12.5"))
    }

    @Test func concurrentPaymentsAreRecordedExactlyOnce() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try IMISDatabase.open(path: directory.appendingPathComponent("imis.sqlite3").path)
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        let store = SQLiteRegistryStore(database: database)
        let (policy, invoice) = try await idlePolicyWithInvoice(store)
        let same = request(invoice, "TX-SAME", amount: "500.50")
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 { group.addTask { try await store.recordPayment(same).created } }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(created == 1)
        #expect(try await store.payments(invoiceUUID: invoice.invoice.uuid).count == 1)
        #expect(try await store.contributions(policyID: policy.id!).count == 1)

        // 32 different invoices, paid concurrently: all recorded.
        let product = try #require(try await store.record(Product.self, code: "RX01"))
        let family = try #require(try await store.record(Family.self, uuid: "3c9a7e10-5b2d-4f1e-8a6c-000000000402"))
        var invoices: [InvoiceDetails] = []
        for index in 0..<32 {
            // One-month policies that do not overlap.
            let year = LocalDate(year: 2025 + index / 12, month: index % 12 + 1, day: 1)!
            let next = try await store.enrolFamily(
                policy: Policy(familyID: family.id!, enrollDate: year, startDate: year,
                               expiryDate: LocalDate(year: year.year, month: year.month, day: 28)!, value: "10.00",
                               productID: product.id!), members: [], contributions: [])
            invoices.append(try await store.createInvoice(
                Invoice(code: "IV-C-\(index)", subjectType: "family", subjectID: family.uuid, dateInvoice: year,
                        amountNet: "10.00", amountTotal: "10.00", currencyCode: "EUR"),
                lines: [InvoiceLineItem(code: "RX01", lineType: "policy", lineID: next.policy.uuid, unitPrice: "10.00",
                                        amountNet: "10.00", amountTotal: "10.00")]))
        }
        let all = try await withThrowingTaskGroup(of: PaymentResult.self) { group in
            for (index, invoice) in invoices.enumerated() {
                group.addTask { try await store.recordPayment(request(invoice, "TX-\(index)", amount: "10.00")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(all.filter(\.created).count == 32)
        #expect(all.allSatisfy { $0.invoice.invoiceStatus == .paid && $0.policies.first?.policyStatus == .active })
    }
}

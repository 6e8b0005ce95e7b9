import Foundation
import Testing
@testable import IMISData

/// Runs `body` over a store on the demo world on SQLite, then on PostgreSQL when `IMIS_TEST_POSTGRES` names a
/// server: each workflow is written once, and must answer alike on both engines.
func onEveryEngine(_ body: (any IMISStore) async throws -> Void) async throws {
    try await body(try makeDemoStore())
    try await withPostgresDatabase { database in
        try await loadDemo(into: database)
        try await body(PostgresRegistryStore(database: database, clock: SteppingClock().clock))
    }
}

/// The business workflows (payments, enrolment, claims, invoices, reconciliations, policy holders), checked by
/// what they answer and leave behind, on every engine.
@Suite struct WorkflowTests {
    let payments = PaymentTests()

    @Test func aReplayedPaymentIsTheFirstAndACancellationRevertsOnce() async throws {
        try await onEveryEngine { store in
            let (policy, invoice) = try await payments.idlePolicyWithInvoice(store, code: "IV-WF-1")
            let first = try await store.recordPayment(payments.request(invoice, "WF-1", amount: "500.50"))
            #expect(first.created && first.policies.map(\.policyStatus) == [.active])
            #expect(first.invoice.invoiceStatus == .paid && first.payment.identifier?.value == "WF-1")
            let replay = try await store.recordPayment(payments.request(invoice, "WF-1", amount: "500.50"))
            #expect(!replay.created && replay.payment == first.payment && replay.contributions.isEmpty)
            await #expect(throws: RegistryError.conflict("the payment identifier is already used by another payment")) {
                try await store.recordPayment(payments.request(invoice, "WF-1", amount: "1.00"))
            }
            let uuid = first.payment.payment.uuid
            let cancelled = try await store.cancelPayment(uuid: uuid.uppercased())
            #expect(cancelled.created && cancelled.contributions.map(\.amount) == ["500.50"])
            #expect(cancelled.policies.map(\.policyStatus) == [.idle] && cancelled.invoice.invoiceStatus == .validated)
            #expect(try await store.contributionTotal(policyID: policy.id!) == 0)
            #expect(try await store.policyMembers(policyID: policy.id!).allSatisfy { $0.effectiveDate == nil })
            let again = try await store.cancelPayment(uuid: uuid)
            #expect(!again.created && again.contributions.isEmpty)
            // The identifier stays recorded: the notice replayed does not pay again.
            let afterCancel = try await store.recordPayment(payments.request(invoice, "WF-1", amount: "500.50"))
            #expect(!afterCancel.created && afterCancel.invoice.invoiceStatus == .validated)
            #expect(try await store.payment(identifier: PaymentNoticeIdentifier(system: "urn:test:mobile-money", value: "WF-1"))?
                .payment.reconciliationStatus == ReconciliationStatus.cancelled.rawValue)
            #expect(try await store.payments(invoiceUUID: invoice.invoice.uuid.uppercased()).map(\.payment.uuid) == [uuid])
        }
    }

    @Test func enrolmentActivatesFromTheContributionThatCompletesTheValue() async throws {
        try await onEveryEngine { store in
            let family = try #require(try await store.record(Family.self, uuid: "3c9a7e10-5b2d-4f1e-8a6c-000000000401",
                                                             includeDeleted: false))
            let product = try #require(try await store.record(Product.self, code: "RX01"))
            let policy = Policy(familyID: family.id!, enrollDate: LocalDate("2024-01-05")!, startDate: LocalDate("2024-01-01")!,
                                expiryDate: LocalDate("2024-12-31")!, value: "300.00", productID: product.id!)
            let enrolment = try await store.enrolFamily(policy: policy, members: [], contributions: [
                Premium(amount: "100.00", receipt: "WF-R1", payDate: LocalDate("2024-01-10")!),
                Premium(amount: "200.00", receipt: "WF-R2", payDate: LocalDate("2024-02-01")!),
            ])
            #expect(enrolment.policy.policyStatus == .active && enrolment.policy.effectiveDate == LocalDate("2024-02-01"))
            #expect(!enrolment.members.isEmpty && enrolment.members.allSatisfy { $0.effectiveDate == LocalDate("2024-02-01") })
            let member = try #require(enrolment.members.first?.insureeID)
            #expect(try await store.activePolicies(insureeID: member, on: LocalDate("2024-03-01")!).map(\.uuid)
                    == [enrolment.policy.uuid])
            #expect(try await store.activePolicies(insureeID: member, on: LocalDate("2024-01-15")!).isEmpty)
            #expect(try await store.contributions(policyID: enrolment.policy.id!).map(\.receipt) == ["WF-R1", "WF-R2"])
            await #expect(throws: RegistryError.self) {
                try await store.enrolFamily(policy: policy, members: [], contributions: [])
            }
            #expect(try await store.policies(familyID: family.id!).map(\.uuid) == [enrolment.policy.uuid])
        }
    }

    @Test func aSubmittedClaimReadsBackAndCountsInTheUsage() async throws {
        try await onEveryEngine { store in
            let demo = try #require(try await store.claim(code: DemoDataset.claim001Code))
            let consultation = try #require(try await store.record(MedicalService.self, code: "A1"))
            var claim = demo.claim.record
            claim.id = nil
            claim.uuid = RowUUID.make()
            claim.code = "WF-CLAIM-1"
            claim.claimed = nil
            claim.dateFrom = LocalDate("2021-10-01")!
            let line = ClaimLine(kind: .service, medicalID: consultation.id!, quantityProvided: "2.00", priceAsked: "40.00")
            let submitted = try await store.submitClaim(claim: claim, items: [], services: [line])
            #expect(submitted.claim.claimed == "80.00" && submitted.items.isEmpty)
            #expect(submitted.services.map(\.quantityProvided) == ["2.00"] && submitted.services.first?.claimID == submitted.claim.id)
            #expect(try await store.claim(uuid: claim.uuid.uppercased()) == submitted)
            let usage = try await store.usage(insureeID: claim.insureeID, policyID: demo.services[0].policyID!)
            #expect(usage.services[consultation.id!]?.quantity == 3)
            #expect(usage.services[consultation.id!]?.lastDate == LocalDate("2021-10-01"))
            #expect(usage.claimsByCategory == ["C": 2])
            await #expect(throws: RegistryError.invalidValue("a claim needs at least one item or service")) {
                try await store.submitClaim(claim: claim, items: [], services: [])
            }
        }
    }

    @Test func anInvoiceUpdateChecksItsVersionAndItsPayments() async throws {
        try await onEveryEngine { store in
            let (_, invoice) = try await payments.idlePolicyWithInvoice(store, code: "IV-WF-2")
            _ = try await store.recordPayment(payments.request(invoice, "WF-2", amount: "100.00"))
            var cancelled = invoice.invoice.record
            cancelled.status = InvoiceStatus.cancelled.rawValue
            await #expect(throws: RegistryError.conflict("invoice IV-WF-2 is at version 1")) {
                try await store.updateInvoice(cancelled, expectedVersion: 7)
            }
            await #expect(throws: RegistryError.invalidValue("invoice IV-WF-2 has payments; cancel them first")) {
                try await store.updateInvoice(cancelled, expectedVersion: 1)
            }
            var renamed = invoice.invoice.record
            renamed.note = "reissued"
            let updated = try await store.updateInvoice(renamed, expectedVersion: 1)
            #expect(updated.invoice.versionId == 2 && updated.invoice.note == "reissued" && updated.lines == invoice.lines)
            #expect(try await store.invoice(code: "IV-WF-2") == updated)
        }
    }

    @Test func aReconciliationGroupsPaymentsAndRefusesThemTwice() async throws {
        try await onEveryEngine { store in
            let (_, invoice) = try await payments.idlePolicyWithInvoice(store, code: "IV-WF-3")
            let a = try await store.recordPayment(payments.request(invoice, "WF-3A", amount: "100.00"))
            let b = try await store.recordPayment(payments.request(invoice, "WF-3B", amount: "50.00"))
            let uuids = [a.payment.payment.uuid, b.payment.payment.uuid]
            let reconciled = try await store.reconcilePayments(uuids, reconciliationID: "REC-WF", date: LocalDate("2024-03-01")!)
            #expect(reconciled.map(\.payment.reconciliationStatus) == [1, 1])
            #expect(reconciled.flatMap(\.details).allSatisfy { $0.reconciliationID == "REC-WF" })
            #expect(try await store.reconciliation(id: "rec-wf").map(\.payment.uuid) == uuids)
            #expect(try await store.reconciliationIDs(invoiceUUID: invoice.invoice.uuid, paymentUUID: nil, after: nil, limit: 5)
                    == ["REC-WF"])
            #expect(try await store.reconciliationIDs(invoiceUUID: nil, paymentUUID: nil, after: "REC-WF", limit: 5).isEmpty)
            await #expect(throws: RegistryError.invalidValue("payment \(uuids[0]) is already reconciliated")) {
                try await store.reconcilePayments([uuids[0]], reconciliationID: "REC-WF-2", date: LocalDate("2024-03-02")!)
            }
        }
    }

    @Test func aPolicyHolderIsVersionedAndDeletedSoftly() async throws {
        try await onEveryEngine { store in
            let inserted = try await store.insertPolicyHolder(PolicyHolder(code: "WF-PH", tradeName: "Workflow Trade"))
            #expect(inserted.versionId == 1 && inserted.record.dateValidFrom != Date(timeIntervalSince1970: 0))
            var holder = inserted.record
            holder.tradeName = "Workflow Trade 2"
            await #expect(throws: RegistryError.versionMismatch(expected: 5, actual: 1)) {
                try await store.updatePolicyHolder(holder, ifVersion: 5)
            }
            let updated = try await store.updatePolicyHolder(holder, ifVersion: 1)
            #expect(updated.versionId == 2 && updated.record.dateCreated == inserted.record.dateCreated)
            #expect(try await store.policyHolder(code: "WF-PH")?.record.tradeName == "Workflow Trade 2")
            let deleted = try await store.deletePolicyHolder(uuid: holder.uuid.uppercased())
            #expect(deleted.versionId == 3 && deleted.record.isDeleted)
            #expect(try await store.policyHolder(uuid: holder.uuid) == nil)
            #expect(try await store.policyHolder(uuid: holder.uuid, includeDeleted: true)?.versionId == 3)
            await #expect(throws: RegistryError.notFound(table: "tblPolicyHolder", key: holder.uuid)) {
                try await store.deletePolicyHolder(uuid: holder.uuid)
            }
        }
    }

    @Test func coverageNamesTheFacilityPriceOfACoveredService() async throws {
        try await onEveryEngine { store in
            let product = try #require(try await store.record(Product.self, code: "RX01"))
            let hospital = try #require(try await store.record(HealthFacility.self, code: "RAHOS001"))
            let consultation = try #require(try await store.record(MedicalService.self, code: "A1"))
            let aspirin = try #require(try await store.record(MedicalItem.self, code: "0001"))
            let a1 = try await store.coverage(.service, medicalID: consultation.id!, productID: product.id!, healthFacilityID: hospital.id)
            #expect(a1?.price == "40.00" && a1?.coverage.limitNoAdult == 4 && a1?.coverage.productID == product.id)
            #expect(try await store.coverage(.item, medicalID: aspirin.id!, productID: product.id!, healthFacilityID: hospital.id)?
                .price == "10.00")
            let withoutFacility = try await store.coverage(.item, medicalID: aspirin.id!, productID: product.id!, healthFacilityID: nil)
            #expect(withoutFacility != nil && withoutFacility?.price == nil)
            #expect(try await store.coverage(.item, medicalID: 9_999, productID: product.id!, healthFacilityID: hospital.id) == nil)
        }
    }
}

import Foundation

/// `InsuranceStore` for every store with a ``WorkflowEngine``: each method is a workflow of `Workflows/` run by
/// the engine, a write in one transaction (see the protocol for what each does).
extension InsuranceStore where Self: WorkflowStore {
    /// See `InsuranceStore.policies(familyID:)`.
    public func policies(familyID: Int64) async throws -> [Versioned<Policy>] {
        try await workflowEngine.read { try await $0.policies(familyID: familyID) }
    }

    /// See `InsuranceStore.activePolicies(insureeID:on:)`.
    public func activePolicies(insureeID: Int64, on date: LocalDate) async throws -> [Versioned<Policy>] {
        try await workflowEngine.read { try await $0.activePolicies(insureeID: insureeID, on: date) }
    }

    /// See `InsuranceStore.policyMembers(policyID:)`.
    public func policyMembers(policyID: Int64) async throws -> [InsureePolicy] {
        try await workflowEngine.read { try await $0.policyMembers(policyID: policyID) }
    }

    /// See `InsuranceStore.contributions(policyID:)`.
    public func contributions(policyID: Int64) async throws -> [Versioned<Premium>] {
        try await workflowEngine.read { try await $0.contributions(policyID: policyID) }
    }

    /// See `InsuranceStore.enrolFamily(policy:members:contributions:)`.
    public func enrolFamily(policy: Policy, members: [Int64], contributions: [Premium]) async throws -> PolicyEnrolment {
        try await workflowEngine.write { try await $0.enrolFamily(policy: policy, members: members, contributions: contributions, now: $1) }
    }

    /// See `InsuranceStore.claim(uuid:)`.
    public func claim(uuid: String) async throws -> ClaimDetails? {
        try await workflowEngine.read { tx in try await tx.one(Claim.self, uuid: uuid).asyncMap { try await tx.details($0) } }
    }

    /// See `InsuranceStore.claim(code:)`.
    public func claim(code: String) async throws -> ClaimDetails? {
        try await workflowEngine.read { tx in try await tx.one(Claim.self, code: code).asyncMap { try await tx.details($0) } }
    }

    /// See `InsuranceStore.submitClaim(claim:items:services:)`.
    public func submitClaim(claim: Claim, items: [ClaimLine], services: [ClaimLine]) async throws -> ClaimDetails {
        try await workflowEngine.write { try await $0.submitClaim(claim, items: items, services: services, now: $1) }
    }

    /// See `InsuranceStore.coverage(_:medicalID:productID:healthFacilityID:)`.
    public func coverage(_ kind: MedicalKind, medicalID: Int64, productID: Int64,
                         healthFacilityID: Int64?) async throws -> MedicalCoverage? {
        try await workflowEngine.read {
            try await $0.coverage(kind, medicalID: medicalID, productID: productID, healthFacilityID: healthFacilityID)
        }
    }

    /// See `InsuranceStore.usage(insureeID:policyID:)`.
    public func usage(insureeID: Int64, policyID: Int64) async throws -> BenefitUsage {
        try await workflowEngine.read { try await $0.usage(insureeID: insureeID, policyID: policyID) }
    }

    /// See `InsuranceStore.invoice(uuid:)`.
    public func invoice(uuid: String) async throws -> InvoiceDetails? {
        try await workflowEngine.read { tx in try await tx.one(Invoice.self, uuid: uuid).asyncMap { try await tx.details($0) } }
    }

    /// See `InsuranceStore.invoice(code:)`.
    public func invoice(code: String) async throws -> InvoiceDetails? {
        try await workflowEngine.read { tx in try await tx.one(Invoice.self, code: code).asyncMap { try await tx.details($0) } }
    }

    /// See `InsuranceStore.createInvoice(_:lines:)`.
    public func createInvoice(_ invoice: Invoice, lines: [InvoiceLineItem]) async throws -> InvoiceDetails {
        try await workflowEngine.write { try await $0.createInvoice(invoice, lines: lines, now: $1) }
    }

    /// See `InsuranceStore.updateInvoice(_:expectedVersion:)`.
    public func updateInvoice(_ invoice: Invoice, expectedVersion: Int) async throws -> InvoiceDetails {
        try await workflowEngine.write { try await $0.updateInvoice(invoice, expectedVersion: expectedVersion, now: $1) }
    }

    /// See `InsuranceStore.payment(uuid:)`.
    public func payment(uuid: String) async throws -> PaymentDetails? {
        try await workflowEngine.read { tx in try await tx.one(PaymentInvoice.self, uuid: uuid).asyncMap { try await tx.details($0) } }
    }

    /// See `InsuranceStore.payment(identifier:)`.
    public func payment(identifier: PaymentNoticeIdentifier) async throws -> PaymentDetails? {
        try await workflowEngine.read { try await $0.payment(identifier: identifier) }
    }

    /// See `InsuranceStore.payments(invoiceUUID:)`.
    public func payments(invoiceUUID: String) async throws -> [PaymentDetails] {
        try await workflowEngine.read {
            try await $0.payments(withDetails: [.equalsIgnoringCase("SubjectId", invoiceUUID)])
        }
    }

    /// See `InsuranceStore.searchHistory(_:_:)`.
    public func searchHistory<R: HistoryRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        guard let mapped = type as? any HistoryTableRecord.Type else {
            throw RegistryError.invalidValue("\(R.self) has no table mapping")
        }
        func run<S: HistoryTableRecord>(_ s: S.Type) async throws -> RowPage<R> {
            let page = try await workflowEngine.read { try await $0.searchHistory(s, query) }
            guard let cast = page as? RowPage<R> else { throw RegistryError.invalidValue("\(R.self) has no table mapping") }
            return cast
        }
        return try await run(mapped)
    }

    /// See `InsuranceStore.recordPayment(_:)`.
    public func recordPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        try await workflowEngine.write { try await $0.recordPayment(request, now: $1) }
    }

    /// See `InsuranceStore.cancelPayment(uuid:)`.
    public func cancelPayment(uuid: String) async throws -> PaymentResult {
        try await workflowEngine.write { try await $0.cancelPayment(uuid: uuid, now: $1) }
    }

    /// See `InsuranceStore.reconcilePayments(_:reconciliationID:date:)`.
    public func reconcilePayments(_ paymentUUIDs: [String], reconciliationID: String,
                                  date: LocalDate) async throws -> [PaymentDetails] {
        guard !paymentUUIDs.isEmpty else { throw RegistryError.invalidValue("the reconciliation lists no payment") }
        return try await workflowEngine.write {
            try await $0.reconcilePayments(paymentUUIDs, reconciliationID: reconciliationID, date: date, now: $1)
        }
    }

    /// See `InsuranceStore.reconciliation(id:)`.
    public func reconciliation(id reconciliationID: String) async throws -> [PaymentDetails] {
        try await workflowEngine.read {
            try await $0.payments(withDetails: [.equalsIgnoringCase("ReconcilationId", reconciliationID)])
        }
    }

    /// See `InsuranceStore.reconciliationIDs(invoiceUUID:paymentUUID:after:limit:)`.
    public func reconciliationIDs(invoiceUUID: String?, paymentUUID: String?, after: String?,
                                  limit: Int) async throws -> [String] {
        try await workflowEngine.read {
            try await $0.reconciliationIDs(invoiceUUID: invoiceUUID, paymentUUID: paymentUUID, after: after, limit: limit)
        }
    }
}

/// The policy-holder part of `RegistryStore` for every store with a ``WorkflowEngine``.
extension RegistryStore where Self: WorkflowStore {
    /// See `RegistryStore.policyHolder(uuid:)`.
    public func policyHolder(uuid: String) async throws -> Versioned<PolicyHolder>? {
        try await workflowEngine.read { try await $0.one(PolicyHolder.self, uuid: uuid) }
    }

    /// See `RegistryStore.policyHolder(uuid:includeDeleted:)`.
    public func policyHolder(uuid: String, includeDeleted: Bool) async throws -> Versioned<PolicyHolder>? {
        try await workflowEngine.read {
            try await $0.one(PolicyHolder.self, uuid: uuid, includeDeleted: includeDeleted, forUpdate: false)
        }
    }

    /// See `RegistryStore.policyHolder(code:)`.
    public func policyHolder(code: String) async throws -> Versioned<PolicyHolder>? {
        try await workflowEngine.read { try await $0.one(PolicyHolder.self, code: code) }
    }

    /// See `RegistryStore.insertPolicyHolder(_:)`.
    public func insertPolicyHolder(_ holder: PolicyHolder) async throws -> Versioned<PolicyHolder> {
        try await workflowEngine.write { try await $0.insertPolicyHolder(holder, now: $1) }
    }

    /// See `RegistryStore.updatePolicyHolder(_:ifVersion:)`.
    public func updatePolicyHolder(_ holder: PolicyHolder, ifVersion: Int?) async throws -> Versioned<PolicyHolder> {
        try await workflowEngine.write { try await $0.updatePolicyHolder(holder, ifVersion: ifVersion, now: $1) }
    }

    /// See `RegistryStore.deletePolicyHolder(uuid:)`.
    public func deletePolicyHolder(uuid: String) async throws -> Versioned<PolicyHolder> {
        try await workflowEngine.write { try await $0.deletePolicyHolder(uuid: uuid, now: $1) }
    }
}

extension Optional {
    /// The value transformed by an async function, or nil.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

import Foundation

/// Policies, claims, coverage, invoices and payments on PostgreSQL: not implemented yet. Each method fails with
/// ``PostgresUnsupported`` (HTTP 500), never with a made-up answer.
extension PostgresRegistryStore: InsuranceStore {
    public func policies(familyID: Int64) async throws -> [Versioned<Policy>] { throw Self.unsupported() }
    public func activePolicies(insureeID: Int64, on date: LocalDate) async throws -> [Versioned<Policy>] { throw Self.unsupported() }
    public func policyMembers(policyID: Int64) async throws -> [InsureePolicy] { throw Self.unsupported() }
    public func contributions(policyID: Int64) async throws -> [Versioned<Premium>] { throw Self.unsupported() }
    public func contributionTotal(policyID: Int64) async throws -> Decimal { throw Self.unsupported() }
    public func enrolFamily(policy: Policy, members: [Int64], contributions: [Premium]) async throws -> PolicyEnrolment {
        throw Self.unsupported()
    }
    public func claim(uuid: String) async throws -> ClaimDetails? { throw Self.unsupported() }
    public func claim(code: String) async throws -> ClaimDetails? { throw Self.unsupported() }
    public func submitClaim(claim: Claim, items: [ClaimLine], services: [ClaimLine]) async throws -> ClaimDetails {
        throw Self.unsupported()
    }
    public func coverage(_ kind: MedicalKind, medicalID: Int64, productID: Int64,
                         healthFacilityID: Int64?) async throws -> MedicalCoverage? { throw Self.unsupported() }
    public func usage(insureeID: Int64, policyID: Int64) async throws -> BenefitUsage { throw Self.unsupported() }
    public func invoice(uuid: String) async throws -> InvoiceDetails? { throw Self.unsupported() }
    public func invoice(code: String) async throws -> InvoiceDetails? { throw Self.unsupported() }
    public func createInvoice(_ invoice: Invoice, lines: [InvoiceLineItem]) async throws -> InvoiceDetails { throw Self.unsupported() }
    public func updateInvoice(_ invoice: Invoice, expectedVersion: Int) async throws -> InvoiceDetails { throw Self.unsupported() }
    public func searchHistory<R: HistoryRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        throw Self.unsupported()
    }
    public func payment(uuid: String) async throws -> PaymentDetails? { throw Self.unsupported() }
    public func payment(identifier: PaymentNoticeIdentifier) async throws -> PaymentDetails? { throw Self.unsupported() }
    public func payments(invoiceUUID: String) async throws -> [PaymentDetails] { throw Self.unsupported() }
    public func recordPayment(_ request: PaymentRequest) async throws -> PaymentResult { throw Self.unsupported() }
    public func cancelPayment(uuid: String) async throws -> PaymentResult { throw Self.unsupported() }
    public func reconcilePayments(_ paymentUUIDs: [String], reconciliationID: String,
                                  date: LocalDate) async throws -> [PaymentDetails] { throw Self.unsupported() }
    public func reconciliation(id reconciliationID: String) async throws -> [PaymentDetails] { throw Self.unsupported() }
    public func reconciliationIDs(invoiceUUID: String?, paymentUUID: String?, after: String?,
                                  limit: Int) async throws -> [String] { throw Self.unsupported() }
}

extension PostgresRegistryStore: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``: one connection, `BEGIN` ... `COMMIT` (a savepoint when nested).
    public func unitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        try await database.transaction(body)
    }
}

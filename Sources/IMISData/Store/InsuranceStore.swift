import Foundation

/// Policies, contributions, claims, coverage, invoices and payments as the FHIR layer sees them (Coverage,
/// Contract, Claim, ClaimResponse, CoverageEligibility, Invoice, PaymentNotice, PaymentReconciliation).
///
/// Every write runs in one write transaction (SQLite `BEGIN IMMEDIATE`, so writes are serialized) and either
/// completes or leaves nothing behind. Business rules broken by a write throw `RegistryError.invalidValue`
/// (HTTP 422); unknown rows `RegistryError.notFound` or `.invalidReference`. The generic reads of
/// `RegistryStore` (`record(_:uuid:)`, `versions`, `search`) also serve `Policy`, `Premium`, `Payer`,
/// `Diagnosis` and `Claim`; ``searchHistory(_:_:)`` serves invoices and payments.
public protocol InsuranceStore: Sendable {
    // MARK: Policies and contributions (reference §3.3–3.5)

    /// The current policies of a family, newest start first.
    func policies(familyID: Int64) async throws -> [Versioned<Policy>]
    /// The current active policies (status 2) an insuree is a member of whose cover (`EffectiveDate`, else
    /// `StartDate`, to `ExpiryDate`) includes `date`.
    func activePolicies(insureeID: Int64, on date: LocalDate) async throws -> [Versioned<Policy>]
    /// The current members (`tblInsureePolicy`) of a policy, by insuree id.
    func policyMembers(policyID: Int64) async throws -> [InsureePolicy]
    /// The current contributions of a policy, by pay date.
    func contributions(policyID: Int64) async throws -> [Versioned<Premium>]
    /// Enrols a family: inserts `policy`, one `tblInsureePolicy` row per member (all current family members when
    /// `members` is empty) and the `contributions`, then applies the activation rule (``InsuranceRules``).
    func enrolFamily(policy: Policy, members: [Int64], contributions: [Premium]) async throws -> PolicyEnrolment

    // MARK: Claims (reference §3.6, §3.7)

    /// The current claim with this UUID, with its current items and services.
    func claim(uuid: String) async throws -> ClaimDetails?
    /// The current claim with this code (the newest when several facilities use the code).
    func claim(code: String) async throws -> ClaimDetails?
    /// Inserts a claim with its items and services in one transaction; `Claimed` defaults to Σ quantity × price.
    func submitClaim(claim: Claim, items: [ClaimLine], services: [ClaimLine]) async throws -> ClaimDetails

    // MARK: Coverage and eligibility (reference §3.8)

    /// Whether product `productID` covers the item or service, with its limits and the unit price of the health
    /// facility's price list (`PriceOverule`, else the catalogue price); `nil` when the product does not cover it.
    func coverage(_ kind: MedicalKind, medicalID: Int64, productID: Int64,
                  healthFacilityID: Int64?) async throws -> MedicalCoverage?
    /// What an insuree has used under a policy: accepted lines of non-rejected claims whose `DateFrom` falls in
    /// the policy's cover (or whose line names the policy).
    func usage(insureeID: Int64, policyID: Int64) async throws -> BenefitUsage

    // MARK: Invoices and payments (reference §3.12)

    /// The live invoice with this UUID, with its live lines.
    func invoice(uuid: String) async throws -> InvoiceDetails?
    /// The live invoice with this code, with its live lines.
    func invoice(code: String) async throws -> InvoiceDetails?
    /// Inserts an invoice and its lines (version 1).
    func createInvoice(_ invoice: Invoice, lines: [InvoiceLineItem]) async throws -> InvoiceDetails
    /// The live payment with this UUID, with its details and notice identifier.
    func payment(uuid: String) async throws -> PaymentDetails?
    /// The payment recorded for this PaymentNotice identifier.
    func payment(identifier: PaymentNoticeIdentifier) async throws -> PaymentDetails?
    /// The live payments with a detail for this invoice, oldest first.
    func payments(invoiceUUID: String) async throws -> [PaymentDetails]
    /// Writes `invoice` over the live invoice with its UUID as the next version; `RegistryError.conflict` when the
    /// live version is not `expectedVersion`.
    func updateInvoice(_ invoice: Invoice, expectedVersion: Int) async throws -> InvoiceDetails
    /// A keyset-paged search over the live rows of a history-model table (invoices, payments, policy holders).
    func searchHistory<R: HistoryRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R>
    /// Records a payment of an invoice, idempotently on `request.identifier` (see ``InsuranceRules``).
    func recordPayment(_ request: PaymentRequest) async throws -> PaymentResult
    /// Cancels a payment and reverts what it did (see ``InsuranceRules``); cancelling twice changes nothing.
    func cancelPayment(uuid: String) async throws -> PaymentResult

    // MARK: Reconciliations

    /// Marks the live payments reconciliated under `reconciliationID` on `date`, in one transaction.
    func reconcilePayments(_ paymentUUIDs: [String], reconciliationID: String, date: LocalDate) async throws -> [PaymentDetails]
    /// The live payments reconciliated under `reconciliationID` (matched ignoring case), oldest first.
    func reconciliation(id reconciliationID: String) async throws -> [PaymentDetails]
    /// Reconciliation ids in ascending order after `after`, at most `limit`; only those with a payment of
    /// `invoiceUUID` or `paymentUUID` when given.
    func reconciliationIDs(invoiceUUID: String?, paymentUUID: String?, after: String?, limit: Int) async throws -> [String]
}

/// Everything the FHIR layer asks of storage: the registry, insurance and units of work of one database.
public typealias IMISStore = RegistryStore & InsuranceStore & UnitOfWorkStore

/// What `enrolFamily` wrote.
public struct PolicyEnrolment: Sendable, Hashable {
    /// The policy after the activation rule.
    public var policy: Versioned<Policy>
    /// Its members.
    public var members: [InsureePolicy]
    /// Its contributions.
    public var contributions: [Versioned<Premium>]
}

/// A claim with its current items and services.
public struct ClaimDetails: Sendable, Hashable {
    /// The claim.
    public var claim: Versioned<Claim>
    /// `tblClaimItems` rows, by id.
    public var items: [ClaimLine]
    /// `tblClaimServices` rows, by id.
    public var services: [ClaimLine]
}

/// Product coverage of an item or service at a health facility.
public struct MedicalCoverage: Sendable, Hashable {
    /// The `tblProductItems` / `tblProductServices` row.
    public var coverage: ProductCoverage
    /// The facility's unit price (decimal text); `nil` when the facility's price list lacks it (rejection reason
    /// 2, not in price list) or no facility was given.
    public var price: String?
}

/// Quantities used under a policy.
public struct BenefitUsage: Sendable, Hashable {
    /// By `ItemID`.
    public var items: [Int64: MedicalUsage]
    /// By `ServiceID`.
    public var services: [Int64: MedicalUsage]
    /// Claims having at least one service of a category, by `ServCategory` (`C` consultation, `S` surgery,
    /// `D` delivery, `H` hospitalization, `A` antenatal, `V` visit).
    public var claimsByCategory: [String: Int]
}

/// Use of one item or service.
public struct MedicalUsage: Sendable, Hashable {
    /// Σ `QtyApproved` (else `QtyProvided`).
    public var quantity: Decimal
    /// The latest `DateFrom` of a claim with it.
    public var lastDate: LocalDate?
}

/// An invoice with its lines.
public struct InvoiceDetails: Sendable, Hashable {
    /// The invoice.
    public var invoice: Versioned<Invoice>
    /// Its live lines, in insertion order.
    public var lines: [Versioned<InvoiceLineItem>]
}

/// The identifier a FHIR PaymentNotice is idempotent on (`fhir_payment_notice_identifier`).
public struct PaymentNoticeIdentifier: Sendable, Hashable {
    /// `Identifier.system`; empty when absent.
    public var system: String
    /// `Identifier.value`.
    public var value: String

    /// An identifier.
    public init(system: String? = nil, value: String) {
        self.system = system ?? ""
        self.value = value
    }
}

/// A payment with its details.
public struct PaymentDetails: Sendable, Hashable {
    /// The `tblPaymentInvoice` row.
    public var payment: Versioned<PaymentInvoice>
    /// Its `tblDetailPaymentInvoice` rows.
    public var details: [Versioned<PaymentInvoiceDetail>]
    /// The notice identifier it was recorded under.
    public var identifier: PaymentNoticeIdentifier?
}

/// A payment to record (FHIR PaymentNotice create, reference §3.12; membership-and-payments §2.5).
public struct PaymentRequest: Sendable, Hashable {
    /// The notice identifier; a second request with it returns the first payment.
    public var identifier: PaymentNoticeIdentifier
    /// The invoice paid (`request` → `Invoice/<uuid>`).
    public var invoiceUUID: String
    /// `amount.value` (decimal text): `AmountReceived` and the detail's `Amount`.
    public var amount: String
    /// `amount.currency`; must match the invoice's currency when given.
    public var currencyCode: String?
    /// `paymentDate`: `DatePayment`, and `PayDate` of the contribution.
    public var datePayment: LocalDate
    /// `paymentStatus` `cleared` (reconciliated) rather than `paid`.
    public var reconciled: Bool
    /// `payment.reference`: `PayerRef`.
    public var payerRef: String?
    /// `PayerName`.
    public var payerName: String?
    /// Receipt number: `CodeReceipt` and the contribution's `Receipt` (defaults to the identifier value).
    public var receipt: String?
    /// The contribution's `PayType`: `B`, `C`, `M` or `F` (payments through the payment layer: `M`).
    public var payType: String
    /// `Json_ext` of the payment.
    public var jsonExt: String?

    /// A payment request.
    public init(identifier: PaymentNoticeIdentifier, invoiceUUID: String, amount: String, currencyCode: String? = nil,
                datePayment: LocalDate, reconciled: Bool = false, payerRef: String? = nil, payerName: String? = nil,
                receipt: String? = nil, payType: String = "M", jsonExt: String? = nil) {
        self.identifier = identifier; self.invoiceUUID = invoiceUUID; self.amount = amount
        self.currencyCode = currencyCode; self.datePayment = datePayment; self.reconciled = reconciled
        self.payerRef = payerRef; self.payerName = payerName; self.receipt = receipt; self.payType = payType
        self.jsonExt = jsonExt
    }
}

/// What `recordPayment` or `cancelPayment` did.
public struct PaymentResult: Sendable, Hashable {
    /// The payment and its details.
    public var payment: PaymentDetails
    /// False when the identifier was already recorded (or the payment already cancelled): nothing was written.
    public var created: Bool
    /// The invoice after the write.
    public var invoice: Versioned<Invoice>
    /// The contributions written (or closed, on cancellation).
    public var contributions: [Versioned<Premium>]
    /// The policies credited, after the activation rule.
    public var policies: [Versioned<Policy>]
}


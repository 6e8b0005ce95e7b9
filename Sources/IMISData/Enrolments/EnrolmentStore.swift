import Foundation

/// A self-enrolment waiting for, or settled by, its payment: one row of the project's `imisfhir_enrolment`.
///
/// The family, its members, the idle policy and the contribution invoice are openIMIS rows written with it; this
/// row ties them together with the payment provider's order and the time the enrolment lapses unpaid.
public struct EnrolmentRecord: Sendable, Hashable {
    /// The enrolment's id (a random UUID: whoever holds it may see its payment state and pay it).
    public var id: String
    /// `tblFamilies.FamilyUUID`.
    public var familyUUID: String
    /// `tblPolicy.PolicyUUID` of the idle policy.
    public var policyUUID: String
    /// `tblInvoice.UUID` of the contribution invoice the payment settles.
    public var invoiceUUID: String
    /// The members' insurance numbers, comma-separated, head first.
    public var chfids: String
    /// The amount due (decimal text, the policy value) and its ISO 4217 currency.
    public var amount: String
    public var currency: String
    /// `pending`, `active` (paid and verified) or `expired` (lapsed unpaid).
    public var status: String
    /// The payment provider's order id, once an order was created.
    public var orderID: String?
    /// The provider's approval link for the payer.
    public var approvalURL: String?
    /// When it was recorded and when it lapses unpaid.
    public var createdAt: Date
    public var expiresAt: Date
    /// A keyed hash of the address it came from (the per-address limit), never the address itself.
    public var sourceKey: String

    /// A record with every column given.
    public init(id: String, familyUUID: String, policyUUID: String, invoiceUUID: String, chfids: String, amount: String,
                currency: String, status: String, orderID: String? = nil, approvalURL: String? = nil, createdAt: Date,
                expiresAt: Date, sourceKey: String) {
        self.id = id; self.familyUUID = familyUUID; self.policyUUID = policyUUID; self.invoiceUUID = invoiceUUID
        self.chfids = chfids; self.amount = amount; self.currency = currency; self.status = status
        self.orderID = orderID; self.approvalURL = approvalURL; self.createdAt = createdAt; self.expiresAt = expiresAt
        self.sourceKey = sourceKey
    }

    /// The statuses of an enrolment.
    public static let pending = "pending", active = "active", expired = "expired"
}

/// One member of a self-enrolment as the store writes it.
public struct EnrolmentMember: Sendable, Hashable {
    /// The `tblInsuree` row (its family and head flag are set by the store).
    public var insuree: Insuree
    /// The photo file already written under the photo root (`PhotoFolder`, `PhotoFileName`), if any.
    public var photo: (folder: String, file: String)?

    /// A member with its photo file, if any.
    public init(insuree: Insuree, photo: (folder: String, file: String)? = nil) {
        self.insuree = insuree
        self.photo = photo
    }

    /// Equal rows and photo files.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.insuree == rhs.insuree && lhs.photo?.folder == rhs.photo?.folder && lhs.photo?.file == rhs.photo?.file
    }

    /// Hashes the row and the photo file.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(insuree)
        hasher.combine(photo?.file)
    }
}

/// What a self-enrolment asks for.
public struct EnrolmentRequest: Sendable, Hashable {
    /// The family row (head and key set by the store).
    public var family: Family
    /// The members, head first (the first one is the head).
    public var members: [EnrolmentMember]
    /// The product's code (`tblProduct.ProductCode`).
    public var productCode: String
    /// The currency of the contribution invoice.
    public var currency: String
    /// How long it may stay unpaid.
    public var lifetime: TimeInterval
    /// The hashed source address and how many enrolments it may make per `window`.
    public var sourceKey: String
    public var limit: Int
    public var window: TimeInterval

    /// A request with every part given.
    public init(family: Family, members: [EnrolmentMember], productCode: String, currency: String,
                lifetime: TimeInterval, sourceKey: String, limit: Int, window: TimeInterval) {
        self.family = family; self.members = members; self.productCode = productCode; self.currency = currency
        self.lifetime = lifetime; self.sourceKey = sourceKey; self.limit = limit; self.window = window
    }
}

/// Why an enrolment was refused before anything was written.
public enum EnrolmentRefusal: Error, Sendable, Hashable {
    /// An insurance number is already in the register (or twice in the request).
    case duplicate(chfid: String)
    /// Too many enrolments from one address within the window.
    case tooMany
    /// The enrolment is no longer payable (lapsed or already settled otherwise).
    case notPayable(String)
}

/// What a verified payment of an enrolment did.
public struct EnrolmentPayment: Sendable, Hashable {
    /// The enrolment after it.
    public var enrolment: EnrolmentRecord
    /// The policy after the activation rule.
    public var policy: Policy
    /// Whether this call recorded the payment (false: it was recorded before, nothing was written).
    public var recorded: Bool
}

/// Self-enrolments: the pending family and policy, their payment, their lapse. Every write is one transaction.
public protocol EnrolmentStore: Sendable {
    /// Writes a pending enrolment: the family, its members and photos, an idle policy on the product for all of
    /// them (its value computed from the product), a contribution invoice for that value, and the enrolment row.
    /// Refused (``EnrolmentRefusal``) when an insurance number is taken or the address made too many.
    func enrol(_ request: EnrolmentRequest) async throws -> EnrolmentRecord
    /// The enrolment with this id, its status brought up to date from its policy.
    func enrolment(id: String) async throws -> EnrolmentRecord?
    /// The enrolment whose provider order is `orderID`.
    func enrolment(orderID: String) async throws -> EnrolmentRecord?
    /// Stores the provider's order of a pending enrolment (once: an order already stored is kept and returned).
    func attachOrder(enrolmentID: String, orderID: String, approvalURL: String?) async throws -> EnrolmentRecord
    /// Records a verified payment of the enrolment's invoice (identifier `system|value`, idempotent on it), which
    /// activates the policy, and marks the enrolment active.
    func payEnrolment(id: String, identifier: PaymentNoticeIdentifier, amount: String, currency: String,
                      receipt: String?) async throws -> EnrolmentPayment
    /// Marks the pending enrolments lapsed by now: their invoice cancelled, their idle policy, members and family
    /// closed (deleted, with history); one whose policy was paid meanwhile becomes active instead. The ids it
    /// expired.
    func expireEnrolments() async throws -> [String]
}

/// The table of the project's own enrolments; plain SQL, so that the PostgreSQL schema derives from it.
enum EnrolmentSchema {
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_enrolment (
          EnrolmentUUID TEXT PRIMARY KEY NOT NULL,
          FamilyUUID TEXT NOT NULL,
          PolicyUUID TEXT NOT NULL,
          InvoiceUUID TEXT NOT NULL,
          CHFIDs TEXT NOT NULL,
          Amount TEXT NOT NULL,
          Currency TEXT NOT NULL,
          Status TEXT NOT NULL,
          OrderID TEXT UNIQUE,
          ApprovalURL TEXT,
          CreatedAt TEXT NOT NULL,
          ExpiresAt TEXT NOT NULL,
          SourceKey TEXT NOT NULL,
          ValidityTo TEXT
        );
        CREATE INDEX IF NOT EXISTS imisfhir_enrolment_status ON imisfhir_enrolment (Status, ExpiresAt);
        CREATE INDEX IF NOT EXISTS imisfhir_enrolment_source ON imisfhir_enrolment (SourceKey, CreatedAt);
        """
}

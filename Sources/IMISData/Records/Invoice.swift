import Foundation

/// A row of a "history model" table (reference §5.1): UUID primary key, `isDeleted`, `Version`, `DateUpdated`.
public protocol HistoryRecord: Sendable, Hashable {
    /// `UUID` (primary key, lower-case).
    var uuid: String { get set }
    /// `DateCreated`.
    var dateCreated: Date { get set }
    /// `DateUpdated` (`meta.lastUpdated`).
    var dateUpdated: Date { get set }
    /// `Version`, starting at 1 (`meta.versionId`).
    var version: Int { get set }
    /// `isDeleted`.
    var isDeleted: Bool { get set }
}

extension PolicyHolder: HistoryRecord {}

extension HistoryRecord {
    /// The record as the first version of a new row, created and updated at `now`, its UUID normalised.
    func firstVersion(at now: Date) throws -> Self {
        var row = self
        guard let uuid = RowUUID.normalized(row.uuid) else { throw RegistryError.invalidValue("UUID is not a UUID") }
        row.uuid = uuid
        row.dateCreated = now
        row.dateUpdated = now
        row.version = 1
        row.isDeleted = false
        return row
    }
}

/// `tblInvoice.Status` codes (reference §5.2).
public enum InvoiceStatus: Int, Sendable, Hashable, CaseIterable {
    case draft = 0, validated = 1, paid = 2, cancelled = 3, deleted = 4, suspended = 5, unpaid = 6, reconciliated = 7
}

/// An invoice (amount due, e.g. a family's contribution): one row of `tblInvoice`, a history-model table
/// (FHIR Invoice, reference §3.12). Amounts are exact decimal text.
public struct Invoice: HistoryRecord {
    /// `UUID`.
    public var uuid: String
    /// `Code`, unique among invoices not deleted (e.g. `IV-BCUL0001-13000001-2021-09`).
    public var code: String
    /// `SubjectType`: the model the invoice is about: `family`, `policy`, `contract`, `insuree`.
    public var subjectType: String
    /// `SubjectId`: the UUID of the subject row.
    public var subjectID: String
    /// `ThirdpartyType`: the model of the recipient: `insuree`, `family`, `policyholder`, ...
    public var thirdpartyType: String?
    /// `ThirdpartyId`: the UUID of the recipient row.
    public var thirdpartyID: String?
    /// `DateInvoice`.
    public var dateInvoice: LocalDate
    /// `DateDue`.
    public var dateDue: LocalDate?
    /// `DatePayed` (openIMIS's spelling): when the invoice was paid in full.
    public var datePayed: LocalDate?
    /// `AmountDiscount` (decimal text).
    public var amountDiscount: String?
    /// `AmountNet` (decimal text).
    public var amountNet: String
    /// `TaxAnalysis`: JSON text.
    public var taxAnalysis: String?
    /// `AmountTotal` (decimal text): what must be paid.
    public var amountTotal: String
    /// `Status`: see ``InvoiceStatus``.
    public var status: Int
    /// `CurrencyCode` (ISO 4217, e.g. `EUR`).
    public var currencyCode: String
    /// `Note`.
    public var note: String?
    /// `Terms`.
    public var terms: String?
    /// `PaymentReference`.
    public var paymentReference: String?
    /// `Json_ext`: JSON text.
    public var jsonExt: String?
    /// `DateCreated`.
    public var dateCreated: Date
    /// `DateUpdated`.
    public var dateUpdated: Date
    /// `UserCreatedUUID`.
    public var userCreatedUUID: String?
    /// `UserUpdatedUUID`.
    public var userUpdatedUUID: String?
    /// `Version`.
    public var version: Int
    /// `isDeleted`.
    public var isDeleted: Bool

    /// An invoice; dates and version are set by the store on insert.
    public init(uuid: String = RowUUID.make(), code: String, subjectType: String, subjectID: String,
                thirdpartyType: String? = nil, thirdpartyID: String? = nil, dateInvoice: LocalDate,
                dateDue: LocalDate? = nil, datePayed: LocalDate? = nil, amountDiscount: String? = nil,
                amountNet: String, taxAnalysis: String? = nil, amountTotal: String,
                status: Int = InvoiceStatus.validated.rawValue, currencyCode: String, note: String? = nil,
                terms: String? = nil, paymentReference: String? = nil, jsonExt: String? = nil,
                dateCreated: Date = Date(timeIntervalSince1970: 0), dateUpdated: Date = Date(timeIntervalSince1970: 0),
                userCreatedUUID: String? = nil, userUpdatedUUID: String? = nil, version: Int = 1,
                isDeleted: Bool = false) {
        self.uuid = uuid; self.code = code; self.subjectType = subjectType; self.subjectID = subjectID
        self.thirdpartyType = thirdpartyType; self.thirdpartyID = thirdpartyID; self.dateInvoice = dateInvoice
        self.dateDue = dateDue; self.datePayed = datePayed; self.amountDiscount = amountDiscount
        self.amountNet = amountNet; self.taxAnalysis = taxAnalysis; self.amountTotal = amountTotal
        self.status = status; self.currencyCode = currencyCode; self.note = note; self.terms = terms
        self.paymentReference = paymentReference; self.jsonExt = jsonExt; self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated; self.userCreatedUUID = userCreatedUUID
        self.userUpdatedUUID = userUpdatedUUID; self.version = version; self.isDeleted = isDeleted
    }

    /// `status` as an ``InvoiceStatus``.
    public var invoiceStatus: InvoiceStatus? { InvoiceStatus(rawValue: status) }
}

/// One line of an invoice: a row of `tblInvoiceLineItem` (history model). Amounts are exact decimal text.
///
/// A line with `lineType` `policy` makes its invoice a contribution invoice: `lineID` is the policy's UUID, and
/// a payment of the invoice is recorded as a contribution (`tblPremium`) of that policy.
public struct InvoiceLineItem: HistoryRecord {
    /// `UUID`.
    public var uuid: String
    /// `InvoiceId` → `tblInvoice.UUID` (set by `createInvoice`).
    public var invoiceUUID: String
    /// `Code`.
    public var code: String
    /// `Description`.
    public var description: String?
    /// `LineType`: the model charged: `policy` (contribution) or `contractcontributionplandetails`.
    public var lineType: String
    /// `LineId`: the UUID of the charged row (the policy for `policy`).
    public var lineID: String
    /// `Quantity` (decimal text).
    public var quantity: String
    /// `UnitPrice` (decimal text).
    public var unitPrice: String
    /// `Discount` (decimal text).
    public var discount: String?
    /// `Deduction` (decimal text).
    public var deduction: String?
    /// `AmountNet` (decimal text).
    public var amountNet: String
    /// `AmountTotal` (decimal text).
    public var amountTotal: String
    /// `Json_ext`: JSON text.
    public var jsonExt: String?
    /// `DateCreated`.
    public var dateCreated: Date
    /// `DateUpdated`.
    public var dateUpdated: Date
    /// `Version`.
    public var version: Int
    /// `isDeleted`.
    public var isDeleted: Bool

    /// A line; the store sets `invoiceUUID`, dates and version.
    public init(uuid: String = RowUUID.make(), invoiceUUID: String = "", code: String, description: String? = nil,
                lineType: String, lineID: String, quantity: String = "1", unitPrice: String, discount: String? = nil,
                deduction: String? = nil, amountNet: String, amountTotal: String, jsonExt: String? = nil,
                dateCreated: Date = Date(timeIntervalSince1970: 0), dateUpdated: Date = Date(timeIntervalSince1970: 0),
                version: Int = 1, isDeleted: Bool = false) {
        self.uuid = uuid; self.invoiceUUID = invoiceUUID; self.code = code; self.description = description
        self.lineType = lineType; self.lineID = lineID; self.quantity = quantity; self.unitPrice = unitPrice
        self.discount = discount; self.deduction = deduction; self.amountNet = amountNet
        self.amountTotal = amountTotal; self.jsonExt = jsonExt; self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated; self.version = version; self.isDeleted = isDeleted
    }
}

import Foundation

/// `tblPaymentInvoice.ReconciliationStatus` codes (reference §5.2).
public enum ReconciliationStatus: Int, Sendable, Hashable, CaseIterable {
    case notReconciliated = 0, reconciliated = 1, refunded = 2, cancelled = 3
}

/// `tblDetailPaymentInvoice.Status` codes (reference §5.2).
public enum PaymentDetailStatus: Int, Sendable, Hashable, CaseIterable {
    case rejected = 0, accepted = 1, refunded = 2, cancelled = 3
}

/// A payment received: one row of `tblPaymentInvoice`, a history-model table (FHIR PaymentNotice, reference §3.12).
public struct PaymentInvoice: HistoryRecord {
    /// `UUID`.
    public var uuid: String
    /// `ReconciliationStatus`: see ``ReconciliationStatus``.
    public var reconciliationStatus: Int
    /// `CodeExt`: the payment's identifier in the payment layer.
    public var codeExt: String?
    /// `CodeTp`.
    public var codeTp: String?
    /// `CodeReceipt`: receipt number.
    public var codeReceipt: String?
    /// `Label`.
    public var label: String?
    /// `Fees` (decimal text).
    public var fees: String?
    /// `AmountReceived` (decimal text).
    public var amountReceived: String
    /// `CurrencyCode` (ISO 4217): the currency of `amountReceived` (a column this schema adds).
    public var currencyCode: String?
    /// `DatePayment`.
    public var datePayment: LocalDate
    /// `PaymentOrigin`.
    public var paymentOrigin: String?
    /// `PayerRef`: FHIR `PaymentNotice.payment.reference`.
    public var payerRef: String?
    /// `PayerName`.
    public var payerName: String?
    /// `Json_ext`: JSON text (`{"reconciliation": {"id": ...}}` as openIMIS writes it).
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

    /// A payment; the store sets dates and version.
    public init(uuid: String = RowUUID.make(), reconciliationStatus: Int = 0, codeExt: String? = nil,
                codeTp: String? = nil, codeReceipt: String? = nil, label: String? = nil, fees: String? = nil,
                amountReceived: String, currencyCode: String? = nil, datePayment: LocalDate,
                paymentOrigin: String? = nil, payerRef: String? = nil, payerName: String? = nil,
                jsonExt: String? = nil, dateCreated: Date = Date(timeIntervalSince1970: 0),
                dateUpdated: Date = Date(timeIntervalSince1970: 0), userCreatedUUID: String? = nil,
                userUpdatedUUID: String? = nil, version: Int = 1, isDeleted: Bool = false) {
        self.uuid = uuid; self.reconciliationStatus = reconciliationStatus; self.codeExt = codeExt
        self.codeTp = codeTp; self.codeReceipt = codeReceipt; self.label = label; self.fees = fees
        self.amountReceived = amountReceived; self.currencyCode = currencyCode; self.datePayment = datePayment
        self.paymentOrigin = paymentOrigin; self.payerRef = payerRef; self.payerName = payerName
        self.jsonExt = jsonExt; self.dateCreated = dateCreated; self.dateUpdated = dateUpdated
        self.userCreatedUUID = userCreatedUUID; self.userUpdatedUUID = userUpdatedUUID; self.version = version
        self.isDeleted = isDeleted
    }
}

/// What a payment pays: one row of `tblDetailPaymentInvoice` (history model).
public struct PaymentInvoiceDetail: HistoryRecord {
    /// `UUID`.
    public var uuid: String
    /// `PaymentId` → `tblPaymentInvoice.UUID`.
    public var paymentUUID: String
    /// `SubjectType`: `invoice` or `bill`.
    public var subjectType: String
    /// `SubjectId`: the invoice's UUID.
    public var subjectID: String
    /// `Status`: see ``PaymentDetailStatus``.
    public var status: Int
    /// `Fees` (decimal text).
    public var fees: String?
    /// `Amount` (decimal text).
    public var amount: String
    /// `ReconcilationId` (openIMIS's spelling).
    public var reconciliationID: String?
    /// `ReconcilationDate`.
    public var reconciliationDate: LocalDate?
    /// `Json_ext`: JSON text; holds `{"contributions": [<PremiumUUID>...]}` when the payment recorded contributions.
    public var jsonExt: String?
    /// `DateCreated`.
    public var dateCreated: Date
    /// `DateUpdated`.
    public var dateUpdated: Date
    /// `Version`.
    public var version: Int
    /// `isDeleted`.
    public var isDeleted: Bool

    /// A detail row; the store sets dates and version.
    public init(uuid: String = RowUUID.make(), paymentUUID: String = "", subjectType: String = "invoice",
                subjectID: String, status: Int = PaymentDetailStatus.accepted.rawValue, fees: String? = nil,
                amount: String, reconciliationID: String? = nil, reconciliationDate: LocalDate? = nil,
                jsonExt: String? = nil, dateCreated: Date = Date(timeIntervalSince1970: 0),
                dateUpdated: Date = Date(timeIntervalSince1970: 0), version: Int = 1, isDeleted: Bool = false) {
        self.uuid = uuid; self.paymentUUID = paymentUUID; self.subjectType = subjectType; self.subjectID = subjectID
        self.status = status; self.fees = fees; self.amount = amount; self.reconciliationID = reconciliationID
        self.reconciliationDate = reconciliationDate; self.jsonExt = jsonExt; self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated; self.version = version; self.isDeleted = isDeleted
    }
}

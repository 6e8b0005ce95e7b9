extension Invoice {
    /// The columns of `tblInvoice`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblInvoice"

        case uuid = "UUID"
        case code = "Code"
        case subjectType = "SubjectType"
        case subjectId = "SubjectId"
        case thirdpartyType = "ThirdpartyType"
        case thirdpartyId = "ThirdpartyId"
        case dateInvoice = "DateInvoice"
        case dateDue = "DateDue"
        case datePayed = "DatePayed"
        case amountDiscount = "AmountDiscount"
        case amountNet = "AmountNet"
        case taxAnalysis = "TaxAnalysis"
        case amountTotal = "AmountTotal"
        case status = "Status"
        case currencyCode = "CurrencyCode"
        case note = "Note"
        case terms = "Terms"
        case paymentReference = "PaymentReference"
        case jsonExt = "Json_ext"
        case dateCreated = "DateCreated"
        case dateUpdated = "DateUpdated"
        case userCreatedUUID = "UserCreatedUUID"
        case userUpdatedUUID = "UserUpdatedUUID"
        case version = "Version"
        case isDeleted = "isDeleted"
    }
}

extension InvoiceLineItem {
    /// The columns of `tblInvoiceLineItem`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblInvoiceLineItem"

        case uuid = "UUID"
        case invoiceId = "InvoiceId"
        case code = "Code"
        case description = "Description"
        case lineType = "LineType"
        case lineId = "LineId"
        case quantity = "Quantity"
        case unitPrice = "UnitPrice"
        case discount = "Discount"
        case deduction = "Deduction"
        case amountNet = "AmountNet"
        case amountTotal = "AmountTotal"
        case jsonExt = "Json_ext"
        case dateCreated = "DateCreated"
        case dateUpdated = "DateUpdated"
        case userCreatedUUID = "UserCreatedUUID"
        case userUpdatedUUID = "UserUpdatedUUID"
        case version = "Version"
        case isDeleted = "isDeleted"
    }
}

extension PaymentInvoice {
    /// The columns of `tblPaymentInvoice`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblPaymentInvoice"

        case uuid = "UUID"
        case reconciliationStatus = "ReconciliationStatus"
        case codeExt = "CodeExt"
        case codeTp = "CodeTp"
        case codeReceipt = "CodeReceipt"
        case label = "Label"
        case fees = "Fees"
        case amountReceived = "AmountReceived"
        case currencyCode = "CurrencyCode"
        case datePayment = "DatePayment"
        case paymentOrigin = "PaymentOrigin"
        case payerRef = "PayerRef"
        case payerName = "PayerName"
        case jsonExt = "Json_ext"
        case dateCreated = "DateCreated"
        case dateUpdated = "DateUpdated"
        case userCreatedUUID = "UserCreatedUUID"
        case userUpdatedUUID = "UserUpdatedUUID"
        case version = "Version"
        case isDeleted = "isDeleted"
    }
}

extension PaymentInvoiceDetail {
    /// The columns of `tblDetailPaymentInvoice`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblDetailPaymentInvoice"

        case uuid = "UUID"
        case paymentId = "PaymentId"
        case subjectType = "SubjectType"
        case subjectId = "SubjectId"
        case status = "Status"
        case fees = "Fees"
        case amount = "Amount"
        case reconcilationId = "ReconcilationId"
        case reconcilationDate = "ReconcilationDate"
        case jsonExt = "Json_ext"
        case dateCreated = "DateCreated"
        case dateUpdated = "DateUpdated"
        case userCreatedUUID = "UserCreatedUUID"
        case userUpdatedUUID = "UserUpdatedUUID"
        case version = "Version"
        case isDeleted = "isDeleted"
    }
}

import Foundation
import GRDB

/// A record of a history-model table: `sql.columns` starts with `UUID`; live rows are `isDeleted = 0`.
protocol HistoryTableRecord: TableRecord, HistoryRecord {}

extension PolicyHolder: HistoryTableRecord {}

extension TableSQL {
    /// The mapping of a history-model table (key `UUID`, version `Version`, live rows `isDeleted = 0`).
    static func history(_ table: String, _ columns: [String], code: String? = nil,
                         alternatives: [String: [String]] = [:]) -> TableSQL {
        TableSQL(table: table, columns: ["UUID"] + columns + ["Json_ext", "DateCreated", "DateUpdated",
                                                             "UserCreatedUUID", "UserUpdatedUUID", "Version", "isDeleted"],
                 uuidColumn: "UUID", codeColumn: code, versioned: false, versionExpression: "t.Version",
                 currentCondition: "t.isDeleted = 0", alternatives: alternatives)
    }
}

extension Invoice: HistoryTableRecord {
    static let sql = TableSQL.history(
        "tblInvoice",
        ["Code", "SubjectType", "SubjectId", "ThirdpartyType", "ThirdpartyId", "DateInvoice", "DateDue", "DatePayed",
         "AmountDiscount", "AmountNet", "TaxAnalysis", "AmountTotal", "Status", "CurrencyCode", "Note", "Terms",
         "PaymentReference"], code: "Code")

    init(columns c: inout ColumnReader) throws {
        self.init(
            uuid: try c.next(), code: try c.next(), subjectType: try c.next(), subjectID: try c.next(),
            thirdpartyType: try c.next(), thirdpartyID: try c.next(), dateInvoice: try c.date(),
            dateDue: try c.optionalDate(), datePayed: try c.optionalDate(), amountDiscount: try c.next(),
            amountNet: try c.next(), taxAnalysis: try c.next(), amountTotal: try c.next(), status: try c.next(),
            currencyCode: try c.next(), note: try c.next(), terms: try c.next(), paymentReference: try c.next(),
            jsonExt: try c.next(), dateCreated: try c.timestamp(), dateUpdated: try c.timestamp(),
            userCreatedUUID: try c.next(), userUpdatedUUID: try c.next(), version: try c.next(),
            isDeleted: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [uuid.lowercased(), code, subjectType, subjectID.lowercased(), thirdpartyType, thirdpartyID?.lowercased(),
         dateInvoice.databaseText, dateDue.databaseText, datePayed.databaseText, amountDiscount, amountNet,
         taxAnalysis, amountTotal, status, currencyCode, note, terms, paymentReference, jsonExt,
         dateCreated.databaseText, dateUpdated.databaseText, userCreatedUUID?.lowercased(),
         userUpdatedUUID?.lowercased(), version, isDeleted]
    }
}

extension InvoiceLineItem: HistoryTableRecord {
    static let sql = TableSQL.history(
        "tblInvoiceLineItem",
        ["InvoiceId", "Code", "Description", "LineType", "LineId", "Quantity", "UnitPrice", "Discount", "Deduction",
         "AmountNet", "AmountTotal"])

    init(columns c: inout ColumnReader) throws {
        self.init(
            uuid: try c.next(), invoiceUUID: try c.next(), code: try c.next(), description: try c.next(),
            lineType: try c.next(), lineID: try c.next(), quantity: try c.next(), unitPrice: try c.next(),
            discount: try c.next(), deduction: try c.next(), amountNet: try c.next(), amountTotal: try c.next(),
            jsonExt: try c.next(), dateCreated: try c.timestamp(), dateUpdated: try c.timestamp())
        let _: String? = try c.next(), _: String? = try c.next()  // no user columns on the record
        version = try c.next()
        isDeleted = try c.next()
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [uuid.lowercased(), invoiceUUID.lowercased(), code, description, lineType, lineID.lowercased(), quantity,
         unitPrice, discount, deduction, amountNet, amountTotal, jsonExt, dateCreated.databaseText,
         dateUpdated.databaseText, nil, nil, version, isDeleted]
    }
}

extension PaymentInvoice: HistoryTableRecord {
    static let sql = TableSQL.history(
        "tblPaymentInvoice",
        ["ReconciliationStatus", "CodeExt", "CodeTp", "CodeReceipt", "Label", "Fees", "AmountReceived",
         "CurrencyCode", "DatePayment", "PaymentOrigin", "PayerRef", "PayerName"])

    init(columns c: inout ColumnReader) throws {
        self.init(
            uuid: try c.next(), reconciliationStatus: try c.next(), codeExt: try c.next(), codeTp: try c.next(),
            codeReceipt: try c.next(), label: try c.next(), fees: try c.next(), amountReceived: try c.next(),
            currencyCode: try c.next(), datePayment: try c.date(), paymentOrigin: try c.next(),
            payerRef: try c.next(), payerName: try c.next(), jsonExt: try c.next(), dateCreated: try c.timestamp(),
            dateUpdated: try c.timestamp(), userCreatedUUID: try c.next(), userUpdatedUUID: try c.next(),
            version: try c.next(), isDeleted: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [uuid.lowercased(), reconciliationStatus, codeExt, codeTp, codeReceipt, label, fees, amountReceived,
         currencyCode, datePayment.databaseText, paymentOrigin, payerRef, payerName, jsonExt,
         dateCreated.databaseText, dateUpdated.databaseText, userCreatedUUID?.lowercased(),
         userUpdatedUUID?.lowercased(), version, isDeleted]
    }
}

extension PaymentInvoiceDetail: HistoryTableRecord {
    static let sql = TableSQL.history(
        "tblDetailPaymentInvoice",
        ["PaymentId", "SubjectType", "SubjectId", "Status", "Fees", "Amount", "ReconcilationId", "ReconcilationDate"],
        // openIMIS's invoice module names the payment's key `PaymentUUID`.
        alternatives: ["PaymentId": ["PaymentUUID"]])

    init(columns c: inout ColumnReader) throws {
        self.init(
            uuid: try c.next(), paymentUUID: try c.next(), subjectType: try c.next(), subjectID: try c.next(),
            status: try c.next(), fees: try c.next(), amount: try c.next(), reconciliationID: try c.next(),
            reconciliationDate: try c.optionalDate(), jsonExt: try c.next(), dateCreated: try c.timestamp(),
            dateUpdated: try c.timestamp())
        let _: String? = try c.next(), _: String? = try c.next()  // no user columns on the record
        version = try c.next()
        isDeleted = try c.next()
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [uuid.lowercased(), paymentUUID.lowercased(), subjectType, subjectID.lowercased(), status, fees, amount,
         reconciliationID, reconciliationDate.databaseText, jsonExt, dateCreated.databaseText,
         dateUpdated.databaseText, nil, nil, version, isDeleted]
    }
}

import Foundation
import GRDB

extension SQLiteRegistryStore {
    /// See `InsuranceStore.recordPayment(_:)` and ``InsuranceRules``.
    public func recordPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        let now = clock.now()
        return try await database.write { db in try Self.recordPayment(db, request, now: now) }
    }

    /// See `InsuranceStore.cancelPayment(uuid:)` and ``InsuranceRules``.
    public func cancelPayment(uuid: String) async throws -> PaymentResult {
        let now = clock.now()
        return try await database.write { db in try Self.cancelPayment(db, uuid: uuid, now: now) }
    }

    // MARK: Inside a transaction

    static func recordPayment(_ db: Database, _ request: PaymentRequest, now: Date) throws -> PaymentResult {
        guard !request.identifier.value.isEmpty else { throw RegistryError.invalidValue("the payment identifier is empty") }
        let amount = try DecimalText.require(request.amount, "amount")
        guard amount > 0 else { throw RegistryError.invalidValue("the payment amount is not positive") }
        if let existing = try payment(db, identifier: request.identifier) {
            let detail = existing.details.first?.record
            guard detail.map({ $0.subjectID.caseInsensitiveCompare(request.invoiceUUID) == .orderedSame }) ?? false,
                  DecimalText.parse(existing.payment.record.amountReceived) == amount
            else { throw RegistryError.conflict("the payment identifier is already used by another payment") }
            let invoice = try requireInvoice(db, existing.details.first?.record.subjectID ?? request.invoiceUUID)
            return PaymentResult(payment: existing, created: false, invoice: invoice, contributions: [], policies: [])
        }
        var invoice = try requireInvoice(db, request.invoiceUUID)
        switch invoice.record.invoiceStatus {
        case .draft, .cancelled, .deleted, .none:
            throw RegistryError.invalidValue("invoice \(invoice.record.code) is not open for payment")
        default: break
        }
        if let currency = request.currencyCode, currency != invoice.record.currencyCode {
            throw RegistryError.invalidValue("the payment is in \(currency), the invoice in \(invoice.record.currencyCode)")
        }
        let payment = try HistorySQL.insert(db, PaymentInvoice(
            reconciliationStatus: request.reconciled ? ReconciliationStatus.reconciliated.rawValue : 0,
            codeExt: request.identifier.value, codeReceipt: request.receipt, amountReceived: request.amount,
            currencyCode: request.currencyCode ?? invoice.record.currencyCode, datePayment: request.datePayment,
            payerRef: request.payerRef, payerName: request.payerName, jsonExt: request.jsonExt), now: now)
        try RegistrySQL.translatingErrors {
            try db.cachedStatement(sql: """
                INSERT INTO fhir_payment_notice_identifier (System, Value, PaymentUUID, DateCreated) VALUES (?, ?, ?, ?)
                """).execute(arguments: [request.identifier.system, request.identifier.value, payment.record.uuid,
                                         now.databaseText])
        }
        // A contribution invoice credits its policies.
        let lines = try details(db, invoice).lines.map(\.record).filter { $0.lineType == "policy" }
        var contributions: [Versioned<Premium>] = [], policies: [Versioned<Policy>] = []
        var remaining = amount
        for (index, line) in lines.enumerated() where remaining > 0 {
            guard let policy = try RegistrySQL.byUUID(db, Policy.self, line.lineID)?.record, let policyID = policy.id else {
                throw RegistryError.invalidReference("policy \(line.lineID) of invoice \(invoice.record.code) is not current")
            }
            let due = try DecimalText.require(line.amountTotal, "line amount")
            let share = index == lines.count - 1 ? remaining : min(remaining, due)
            remaining -= share
            contributions.append(try insertContribution(db, Premium(
                amount: share == amount ? request.amount : DecimalText.string(share),
                receipt: request.receipt ?? request.identifier.value, payDate: request.datePayment,
                payType: request.payType), policyID: policyID, now: now))
            policies.append(try applyActivationRule(db, policyID: policyID, now: now))
        }
        let link = contributions.isEmpty ? nil : try jsonText(["contributions": contributions.map(\.record.uuid)])
        _ = try HistorySQL.insert(db, PaymentInvoiceDetail(
            paymentUUID: payment.record.uuid, subjectID: invoice.record.uuid, amount: request.amount,
            reconciliationID: request.reconciled ? request.identifier.value : nil,
            reconciliationDate: request.reconciled ? request.datePayment : nil, jsonExt: link), now: now)
        if try paidAmount(db, invoiceUUID: invoice.record.uuid) >= DecimalText.require(invoice.record.amountTotal, "AmountTotal"),
           invoice.record.invoiceStatus != .paid {
            var paid = invoice.record
            paid.status = InvoiceStatus.paid.rawValue
            paid.datePayed = request.datePayment
            invoice = try HistorySQL.update(db, paid, now: now)
        }
        return PaymentResult(payment: try details(db, payment), created: true, invoice: invoice,
                             contributions: contributions, policies: policies)
    }

    static func cancelPayment(_ db: Database, uuid: String, now: Date) throws -> PaymentResult {
        guard let current = try RegistrySQL.byUUID(db, PaymentInvoice.self, uuid) else {
            throw RegistryError.notFound(table: "tblPaymentInvoice", key: uuid)
        }
        let before = try details(db, current)
        guard let subject = before.details.first?.record.subjectID else {
            throw RegistryError.invalidValue("payment \(uuid) pays nothing")
        }
        var invoice = try requireInvoice(db, subject, includeDeleted: true)
        if current.record.reconciliationStatus == ReconciliationStatus.cancelled.rawValue {
            return PaymentResult(payment: before, created: false, invoice: invoice, contributions: [], policies: [])
        }
        var payment = current.record
        payment.reconciliationStatus = ReconciliationStatus.cancelled.rawValue
        let updated = try HistorySQL.update(db, payment, now: now)
        var closed: [Versioned<Premium>] = [], policyIDs: [Int64] = []
        for detail in before.details {
            var row = detail.record
            row.status = PaymentDetailStatus.cancelled.rawValue
            _ = try HistorySQL.update(db, row, now: now)
            for premiumUUID in contributionUUIDs(row.jsonExt) {
                guard let premium = try RegistrySQL.byUUID(db, Premium.self, premiumUUID), let id = premium.record.id
                else { continue }
                closed.append(try RegistrySQL.delete(db, Premium.self, id: id, now: now, auditUserID: -1))
                if !policyIDs.contains(premium.record.policyID) { policyIDs.append(premium.record.policyID) }
            }
        }
        let policies = try policyIDs.map { try applyActivationRule(db, policyID: $0, now: now) }
        if invoice.record.invoiceStatus == .paid,
           try paidAmount(db, invoiceUUID: invoice.record.uuid) < DecimalText.require(invoice.record.amountTotal, "AmountTotal") {
            var reopened = invoice.record
            reopened.status = InvoiceStatus.validated.rawValue
            reopened.datePayed = nil
            invoice = try HistorySQL.update(db, reopened, now: now)
        }
        return PaymentResult(payment: try details(db, updated), created: true, invoice: invoice,
                             contributions: closed, policies: policies)
    }

    static func requireInvoice(_ db: Database, _ uuid: String, includeDeleted: Bool = false) throws -> Versioned<Invoice> {
        guard let invoice = try RegistrySQL.byUUID(db, Invoice.self, uuid, includeDeleted: includeDeleted) else {
            throw RegistryError.notFound(table: "tblInvoice", key: uuid)
        }
        return invoice
    }

    /// The sum of the accepted details of live, non-cancelled payments of an invoice.
    static func paidAmount(_ db: Database, invoiceUUID: String) throws -> Decimal {
        try DecimalText.sum(String.fetchAll(db.cachedStatement(sql: """
            SELECT d.Amount FROM tblDetailPaymentInvoice d JOIN tblPaymentInvoice p ON p.UUID = d.PaymentId
            WHERE d.SubjectId = ? AND d.isDeleted = 0 AND d.Status = 1 AND p.isDeleted = 0 AND p.ReconciliationStatus <> 3
            """), arguments: [invoiceUUID]))
    }

    static func jsonText(_ object: [String: [String]]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func contributionUUIDs(_ json: String?) -> [String] {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object["contributions"] as? [String] else { return [] }
        return list
    }
}

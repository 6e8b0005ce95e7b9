import Foundation

/// Payments of invoices: recording (idempotent on the notice identifier) and cancelling, with what they do to the
/// contributions, policies and invoice (see ``InsuranceRules``).
extension StoreTransaction {
    /// Records a payment (see `InsuranceStore.recordPayment(_:)`), inside the transaction.
    func recordPayment(_ request: PaymentRequest, now: Date) async throws -> PaymentResult {
        guard !request.identifier.value.isEmpty else { throw RegistryError.invalidValue("the payment identifier is empty") }
        let amount = try DecimalText.require(request.amount, "amount")
        guard amount > 0 else { throw RegistryError.invalidValue("the payment amount is not positive") }
        // One identifier, one payment, whichever instance gets the request first.
        try await lock("payment \(request.identifier.system)|\(request.identifier.value)")
        if let existing = try await payment(identifier: request.identifier) {
            let detail = existing.details.first?.record
            guard detail.map({ $0.subjectID.caseInsensitiveCompare(request.invoiceUUID) == .orderedSame }) ?? false,
                  DecimalText.parse(existing.payment.record.amountReceived) == amount
            else { throw RegistryError.conflict("the payment identifier is already used by another payment") }
            let invoice = try await requireInvoice(existing.details.first?.record.subjectID ?? request.invoiceUUID)
            return PaymentResult(payment: existing, created: false, invoice: invoice, contributions: [], policies: [])
        }
        var invoice = try await requireInvoice(request.invoiceUUID, forUpdate: true)
        switch invoice.record.invoiceStatus {
        case .draft, .cancelled, .deleted, .none:
            throw RegistryError.invalidValue("invoice \(invoice.record.code) is not open for payment")
        default: break
        }
        if let currency = request.currencyCode, currency != invoice.record.currencyCode {
            throw RegistryError.invalidValue("the payment is in \(currency), the invoice in \(invoice.record.currencyCode)")
        }
        let payment = try await insertHistory(PaymentInvoice(
            reconciliationStatus: request.reconciled ? ReconciliationStatus.reconciliated.rawValue : 0,
            codeExt: request.identifier.value, codeReceipt: request.receipt, amountReceived: request.amount,
            currencyCode: request.currencyCode ?? invoice.record.currencyCode, datePayment: request.datePayment,
            payerRef: request.payerRef, payerName: request.payerName, jsonExt: request.jsonExt), now: now)
        if try await hasTable(PaymentNoticeIdentifier.table.table) {
            try await insertChild(PaymentNoticeIdentifier.table, [
                request.identifier.system, request.identifier.value, payment.record.uuid, now.databaseText])
        }
        // A contribution invoice credits its policies.
        let lines = try await details(invoice).lines.map(\.record).filter { $0.lineType == "policy" }
        var contributions: [Versioned<Premium>] = [], policies: [Versioned<Policy>] = []
        var remaining = amount
        for (index, line) in lines.enumerated() where remaining > 0 {
            guard let policy = try await one(Policy.self, uuid: line.lineID)?.record, let policyID = policy.id else {
                throw RegistryError.invalidReference("policy \(line.lineID) of invoice \(invoice.record.code) is not current")
            }
            let due = try DecimalText.require(line.amountTotal, "line amount")
            let share = index == lines.count - 1 ? remaining : min(remaining, due)
            remaining -= share
            contributions.append(try await insertContribution(Premium(
                amount: share == amount ? request.amount : DecimalText.string(share),
                receipt: request.receipt ?? request.identifier.value, payDate: request.datePayment,
                payType: request.payType), policyID: policyID, now: now))
            policies.append(try await applyActivationRule(policyID: policyID, now: now))
        }
        let link = contributions.isEmpty ? nil : try PaymentLinks.json(contributions.map(\.record.uuid))
        _ = try await insertHistory(PaymentInvoiceDetail(
            paymentUUID: payment.record.uuid, subjectID: invoice.record.uuid, amount: request.amount,
            reconciliationID: request.reconciled ? request.identifier.value : nil,
            reconciliationDate: request.reconciled ? request.datePayment : nil, jsonExt: link), now: now)
        // A paid invoice stays paid: its payments are summed only while it is not.
        if invoice.record.invoiceStatus != .paid,
           try await paidAmount(invoiceUUID: invoice.record.uuid) >= DecimalText.require(invoice.record.amountTotal, "AmountTotal") {
            var paid = invoice.record
            paid.status = InvoiceStatus.paid.rawValue
            paid.datePayed = request.datePayment
            invoice = try await updateHistory(paid, now: now)
        }
        return PaymentResult(payment: try await details(payment), created: true, invoice: invoice,
                             contributions: contributions, policies: policies)
    }

    /// Cancels a payment (see `InsuranceStore.cancelPayment(uuid:)`), inside the transaction.
    func cancelPayment(uuid: String, now: Date) async throws -> PaymentResult {
        guard let current = try await one(PaymentInvoice.self, uuid: uuid, includeDeleted: false, forUpdate: true) else {
            throw RegistryError.notFound(table: "tblPaymentInvoice", key: uuid)
        }
        let before = try await details(current)
        guard let subject = before.details.first?.record.subjectID else {
            throw RegistryError.invalidValue("payment \(uuid) pays nothing")
        }
        var invoice = try await requireInvoice(subject, includeDeleted: true, forUpdate: true)
        if current.record.reconciliationStatus == ReconciliationStatus.cancelled.rawValue {
            return PaymentResult(payment: before, created: false, invoice: invoice, contributions: [], policies: [])
        }
        var payment = current.record
        payment.reconciliationStatus = ReconciliationStatus.cancelled.rawValue
        let updated = try await updateHistory(payment, now: now)
        var closed: [Versioned<Premium>] = [], policyIDs: [Int64] = []
        for detail in before.details {
            var row = detail.record
            row.status = PaymentDetailStatus.cancelled.rawValue
            _ = try await updateHistory(row, now: now)
            for premiumUUID in PaymentLinks.contributionUUIDs(row.jsonExt) {
                guard let premium = try await one(Premium.self, uuid: premiumUUID), let id = premium.record.id else { continue }
                closed.append(try await delete(Premium.self, id: id, now: now, auditUserID: -1))
                if !policyIDs.contains(premium.record.policyID) { policyIDs.append(premium.record.policyID) }
            }
        }
        var policies: [Versioned<Policy>] = []
        for policyID in policyIDs { policies.append(try await applyActivationRule(policyID: policyID, now: now)) }
        if invoice.record.invoiceStatus == .paid,
           try await paidAmount(invoiceUUID: invoice.record.uuid) < DecimalText.require(invoice.record.amountTotal, "AmountTotal") {
            var reopened = invoice.record
            reopened.status = InvoiceStatus.validated.rawValue
            reopened.datePayed = nil
            invoice = try await updateHistory(reopened, now: now)
        }
        return PaymentResult(payment: try await details(updated), created: true, invoice: invoice,
                             contributions: closed, policies: policies)
    }

    /// A payment with its live details and the notice identifier it was recorded under.
    func details(_ payment: Versioned<PaymentInvoice>) async throws -> PaymentDetails {
        let details = try await rows(PaymentInvoiceDetail.self, where: [.equalsIgnoringCase("PaymentId", payment.record.uuid)],
                                     order: [.ascending("DateCreated"), .insertion])
        let found = try await values(ColumnSelection(
            table: PaymentNoticeIdentifier.table.table, columns: ["System", "Value"],
            conditions: [.equalsIgnoringCase("PaymentUUID", payment.record.uuid)], live: false, limit: 1))
        let identifier = try found.first.map { row in
            PaymentNoticeIdentifier(system: try row.value(0), value: try row.value(1) ?? "")
        }
        return PaymentDetails(payment: payment, details: details, identifier: identifier)
    }

    /// The payment recorded for this notice identifier (also a cancelled one). Without the project's identifier
    /// table (a database served without migrating), the identifier's value is the payment's `CodeExt`.
    func payment(identifier: PaymentNoticeIdentifier) async throws -> PaymentDetails? {
        guard try await hasTable(PaymentNoticeIdentifier.table.table) else {
            let found = try await rows(PaymentInvoice.self, where: [.exact("CodeExt", identifier.value)],
                                       order: [.insertion], limit: 1)
            guard let first = found.first else { return nil }
            return try await details(first)
        }
        let found = try await values(ColumnSelection(
            table: PaymentNoticeIdentifier.table.table, columns: ["PaymentUUID"],
            conditions: [.exact("System", identifier.system), .exact("Value", identifier.value)], live: false, limit: 1))
        guard let uuid: String = try found.first?.value(0),
              let payment = try await one(PaymentInvoice.self, uuid: uuid, includeDeleted: true, forUpdate: false)
        else { return nil }
        return try await details(payment)
    }

    /// The live payments with a live detail matching `conditions` (payment UUIDs matched ignoring case), oldest
    /// first, with their details.
    func payments(withDetails conditions: [RowPredicate]) async throws -> [PaymentDetails] {
        let found = try await values(ColumnSelection(table: "tblDetailPaymentInvoice", columns: ["PaymentId"],
                                                     conditions: conditions, distinct: true))
        let uuids = try DatabaseMismatch.naming(table: "tblDetailPaymentInvoice", columns: ["PaymentId"]) {
            Set(try found.map { (try $0.value(0) as String).lowercased() })
        }
        guard !uuids.isEmpty else { return [] }
        var result: [PaymentDetails] = []
        for payment in try await rows(PaymentInvoice.self, where: [.or(uuids.sorted().map { .uuidEquals($0) })],
                                      order: [.ascending("DateCreated"), .ascending("UUID")]) {
            result.append(try await details(payment))
        }
        return result
    }
}

extension PaymentNoticeIdentifier {
    /// `fhir_payment_notice_identifier`: the notice identifiers payments were recorded under.
    static let table = ChildTable(table: "fhir_payment_notice_identifier",
                                  columns: ["System", "Value", "PaymentUUID", "DateCreated"])
}

/// The contributions a payment wrote, kept in its detail's `Json_ext` (`{"contributions": [uuid, ...]}`).
enum PaymentLinks {
    /// The `Json_ext` listing `uuids`.
    static func json(_ uuids: [String]) throws -> String {
        let object = ["contributions": uuids]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The contribution UUIDs a `Json_ext` lists (none when it lists nothing readable).
    static func contributionUUIDs(_ json: String?) -> [String] {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object["contributions"] as? [String] else { return [] }
        return list
    }
}

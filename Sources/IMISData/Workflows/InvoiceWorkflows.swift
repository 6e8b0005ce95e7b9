import Foundation

/// Invoices (reference §3.12): reads with their lines, creation, versioned updates, and the amount paid.
extension StoreTransaction {
    /// An invoice with its live lines, in insertion order.
    func details(_ invoice: Versioned<Invoice>) async throws -> InvoiceDetails {
        InvoiceDetails(invoice: invoice, lines: try await rows(
            InvoiceLineItem.self, where: [.equalsIgnoringCase("InvoiceId", invoice.record.uuid)],
            order: [.ascending("DateCreated"), .insertion]))
    }

    /// The invoice with this UUID (live, or also deleted), locked with `forUpdate`; `RegistryError.notFound`.
    func requireInvoice(_ uuid: String, includeDeleted: Bool = false, forUpdate: Bool = false) async throws -> Versioned<Invoice> {
        guard let invoice = try await one(Invoice.self, uuid: uuid, includeDeleted: includeDeleted, forUpdate: forUpdate) else {
            throw RegistryError.notFound(table: "tblInvoice", key: uuid)
        }
        return invoice
    }

    /// Inserts an invoice and its lines (version 1).
    func createInvoice(_ invoice: Invoice, lines: [InvoiceLineItem], now: Date) async throws -> InvoiceDetails {
        guard !invoice.code.isEmpty else { throw RegistryError.invalidValue("invoice Code is empty") }
        for amount in [invoice.amountNet, invoice.amountTotal] + [invoice.amountDiscount].compactMap({ $0 }) {
            _ = try DecimalText.require(amount, "invoice amount")
        }
        guard invoice.currencyCode.count == 3 else { throw RegistryError.invalidValue("CurrencyCode is not an ISO 4217 code") }
        let inserted = try await insertHistory(invoice, now: now)
        for line in lines {
            var row = line
            row.invoiceUUID = inserted.record.uuid
            for amount in [row.quantity, row.unitPrice, row.amountNet, row.amountTotal] {
                _ = try DecimalText.require(amount, "line amount")
            }
            _ = try await insertHistory(row, now: now)
        }
        return try await details(inserted)
    }

    /// Writes `invoice` over the live invoice with its UUID as the next version.
    ///
    /// Refused with `RegistryError.conflict` when the live version is not `expectedVersion`, and with
    /// `RegistryError.invalidValue` when the invoice would become cancelled (3) or deleted (4) while accepted
    /// payments of it remain (cancel them first).
    func updateInvoice(_ invoice: Invoice, expectedVersion: Int, now: Date) async throws -> InvoiceDetails {
        let current = try await requireInvoice(invoice.uuid, forUpdate: true)
        guard current.versionId == expectedVersion else {
            throw RegistryError.conflict("invoice \(current.record.code) is at version \(current.versionId)")
        }
        let closing = [InvoiceStatus.cancelled.rawValue, InvoiceStatus.deleted.rawValue]
        if closing.contains(invoice.status), !closing.contains(current.record.status),
           try await paidAmount(invoiceUUID: invoice.uuid) > 0 {
            throw RegistryError.invalidValue("invoice \(current.record.code) has payments; cancel them first")
        }
        var row = invoice
        row.uuid = current.record.uuid
        row.version = current.record.version
        row.dateCreated = current.record.dateCreated
        row.isDeleted = false
        return try await details(try await updateHistory(row, now: now))
    }

    /// The sum of the accepted details of live, non-cancelled payments of an invoice (UUIDs matched ignoring case).
    func paidAmount(invoiceUUID: String) async throws -> Decimal {
        // One statement: the accepted details whose payment is live and not cancelled (a related-row condition),
        // so the cost does not grow with a list of every payment the invoice ever had.
        let rows = try await values(ColumnSelection(table: "tblDetailPaymentInvoice", columns: ["Amount"], conditions: [
            .equalsIgnoringCase("SubjectId", invoiceUUID),
            .compare("Status", .equal, .integer(Int64(PaymentDetailStatus.accepted.rawValue))),
            .related(table: "tblPaymentInvoice", column: "UUID", outerColumn: "PaymentId", where: [
                .compare("ReconciliationStatus", .notEqual, .integer(Int64(ReconciliationStatus.cancelled.rawValue))),
            ]),
        ]))
        let amounts = try DatabaseMismatch.naming(table: "tblDetailPaymentInvoice", columns: ["Amount"]) {
            try rows.map { try $0.value(0) as String }
        }
        return try DecimalText.sum(amounts)
    }
}

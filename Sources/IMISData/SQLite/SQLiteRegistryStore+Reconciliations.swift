import Foundation
import GRDB

/// Invoice updates and payment reconciliations (reference §3.12, §5.2: `tblPaymentInvoice.ReconciliationStatus`,
/// `tblDetailPaymentInvoice.ReconcilationId` / `ReconcilationDate`).
///
/// A reconciliation is not a table of its own: it is the set of payment details carrying the same
/// `ReconcilationId`. Reconciling a payment sets its `ReconciliationStatus` to reconciliated (1) and stamps its
/// details with the reconciliation id and date, for every listed payment in one transaction.
extension SQLiteRegistryStore {
    /// Writes `invoice` over the live invoice with its UUID as the next version, in one transaction.
    ///
    /// Refused with `RegistryError.conflict` when the live version is not `expectedVersion`, and with
    /// `RegistryError.invalidValue` when the invoice would become cancelled (3) or deleted (4) while accepted
    /// payments of it remain (cancel them first).
    public func updateInvoice(_ invoice: Invoice, expectedVersion: Int) async throws -> InvoiceDetails {
        let now = clock.now()
        return try await database.write { db in
            let current = try Self.requireInvoice(db, invoice.uuid)
            guard current.versionId == expectedVersion else {
                throw RegistryError.conflict("invoice \(current.record.code) is at version \(current.versionId)")
            }
            let closing = [InvoiceStatus.cancelled.rawValue, InvoiceStatus.deleted.rawValue]
            if closing.contains(invoice.status), !closing.contains(current.record.status),
               try Self.paidAmount(db, invoiceUUID: invoice.uuid) > 0 {
                throw RegistryError.invalidValue("invoice \(current.record.code) has payments; cancel them first")
            }
            var row = invoice
            row.version = current.record.version
            row.dateCreated = current.record.dateCreated
            row.isDeleted = false
            return try Self.details(db, try HistorySQL.update(db, row, now: now))
        }
    }

    /// Marks the live payments `paymentUUIDs` reconciliated under `reconciliationID` on `date`, in one
    /// transaction. A cancelled payment, or one already reconciliated, is refused (`RegistryError.invalidValue`).
    public func reconcilePayments(_ paymentUUIDs: [String], reconciliationID: String,
                                  date: LocalDate) async throws -> [PaymentDetails] {
        guard !paymentUUIDs.isEmpty else { throw RegistryError.invalidValue("the reconciliation lists no payment") }
        let now = clock.now()
        return try await database.write { db in
            var result: [PaymentDetails] = []
            for uuid in paymentUUIDs {
                guard let current = try RegistrySQL.byUUID(db, PaymentInvoice.self, uuid) else {
                    throw RegistryError.notFound(table: "tblPaymentInvoice", key: uuid)
                }
                switch ReconciliationStatus(rawValue: current.record.reconciliationStatus) {
                case .notReconciliated?: break
                case .reconciliated?: throw RegistryError.invalidValue("payment \(uuid) is already reconciliated")
                default: throw RegistryError.invalidValue("payment \(uuid) is cancelled or refunded")
                }
                var payment = current.record
                payment.reconciliationStatus = ReconciliationStatus.reconciliated.rawValue
                let updated = try HistorySQL.update(db, payment, now: now)
                for detail in try Self.details(db, current).details {
                    var row = detail.record
                    row.reconciliationID = reconciliationID
                    row.reconciliationDate = date
                    _ = try HistorySQL.update(db, row, now: now)
                }
                result.append(try Self.details(db, updated))
            }
            return result
        }
    }

    /// The live payments reconciliated under `reconciliationID` (matched ignoring case), oldest first.
    public func reconciliation(id reconciliationID: String) throws -> [PaymentDetails] {
        try database.read { db in
            try RegistrySQL.all(db, PaymentInvoice.self, where: """
                t.isDeleted = 0 AND t.UUID IN (SELECT d.PaymentId FROM tblDetailPaymentInvoice d
                WHERE d.isDeleted = 0 AND d.ReconcilationId = ? COLLATE NOCASE)
                """, [reconciliationID], suffix: " ORDER BY t.DateCreated, t.UUID").map { try Self.details(db, $0) }
        }
    }

    /// Reconciliation ids in ascending order after `after`, at most `limit`; only those with a payment of
    /// `invoiceUUID` or `paymentUUID` when given.
    public func reconciliationIDs(invoiceUUID: String? = nil, paymentUUID: String? = nil, after: String? = nil,
                                  limit: Int) throws -> [String] {
        var terms = ["d.isDeleted = 0", "d.ReconcilationId IS NOT NULL"]
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let invoiceUUID { terms.append("d.SubjectId = ? COLLATE NOCASE"); arguments.append(invoiceUUID) }
        if let paymentUUID { terms.append("d.PaymentId = ? COLLATE NOCASE"); arguments.append(paymentUUID) }
        if let after { terms.append("d.ReconcilationId > ?"); arguments.append(after) }
        arguments.append(limit)
        return try database.read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT d.ReconcilationId FROM tblDetailPaymentInvoice d WHERE \(terms.joined(separator: " AND "))
                ORDER BY d.ReconcilationId LIMIT ?
                """, arguments: StatementArguments(arguments))
        }
    }

    /// A timestamp as the history-model columns store it (`DateCreated`, `DateUpdated`), for comparisons.
    public static func timestampText(_ date: Date) -> String { StoredTimestamp.text(date) }
}

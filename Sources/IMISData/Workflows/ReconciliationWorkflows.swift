import Foundation

/// Payment reconciliations (reference §5.2: `tblPaymentInvoice.ReconciliationStatus`,
/// `tblDetailPaymentInvoice.ReconcilationId` / `ReconcilationDate`).
///
/// A reconciliation is not a table of its own: it is the set of payment details carrying the same
/// `ReconcilationId`. Reconciling a payment sets its `ReconciliationStatus` to reconciliated (1) and stamps its
/// details with the reconciliation id and date, for every listed payment in one transaction.
extension StoreTransaction {
    /// Marks the live payments `paymentUUIDs` reconciliated under `reconciliationID` on `date`. A cancelled
    /// payment, or one already reconciliated, is refused (`RegistryError.invalidValue`).
    func reconcilePayments(_ paymentUUIDs: [String], reconciliationID: String, date: LocalDate,
                           now: Date) async throws -> [PaymentDetails] {
        var result: [PaymentDetails] = []
        for uuid in paymentUUIDs {
            guard let current = try await one(PaymentInvoice.self, uuid: uuid, includeDeleted: false, forUpdate: true) else {
                throw RegistryError.notFound(table: "tblPaymentInvoice", key: uuid)
            }
            switch ReconciliationStatus(rawValue: current.record.reconciliationStatus) {
            case .notReconciliated?: break
            case .reconciliated?: throw RegistryError.invalidValue("payment \(uuid) is already reconciliated")
            default: throw RegistryError.invalidValue("payment \(uuid) is cancelled or refunded")
            }
            var payment = current.record
            payment.reconciliationStatus = ReconciliationStatus.reconciliated.rawValue
            let updated = try await updateHistory(payment, now: now)
            for detail in try await details(current).details {
                var row = detail.record
                row.reconciliationID = reconciliationID
                row.reconciliationDate = date
                _ = try await updateHistory(row, now: now)
            }
            result.append(try await details(updated))
        }
        return result
    }

    /// Reconciliation ids in ascending order after `after`, at most `limit`; only those with a payment of
    /// `invoiceUUID` or `paymentUUID` when given.
    func reconciliationIDs(invoiceUUID: String?, paymentUUID: String?, after: String?, limit: Int) async throws -> [String] {
        var conditions: [RowPredicate] = [.isNotNull("ReconcilationId")]
        if let invoiceUUID { conditions.append(.equalsIgnoringCase("SubjectId", invoiceUUID)) }
        if let paymentUUID { conditions.append(.equalsIgnoringCase("PaymentId", paymentUUID)) }
        if let after { conditions.append(.compare("ReconcilationId", .greater, .text(after))) }
        let rows = try await values(ColumnSelection(
            table: "tblDetailPaymentInvoice", columns: ["ReconcilationId"], conditions: conditions,
            order: [.ascending("ReconcilationId")], distinct: true, limit: limit))
        return try DatabaseMismatch.naming(table: "tblDetailPaymentInvoice", columns: ["ReconcilationId"]) {
            try rows.compactMap { try $0.value(0) as String? }
        }
    }
}

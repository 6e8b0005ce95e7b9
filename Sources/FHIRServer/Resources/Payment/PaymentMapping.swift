import FHIRModels
import Foundation
import IMISData

/// PaymentNotice ← `tblPaymentInvoice` + `tblDetailPaymentInvoice`, and PaymentReconciliation ← the payments
/// sharing a `ReconcilationId` (reference §3.12, §5.2; membership-and-payments §2.5; IG profile
/// `openimis-payment-notice`).
enum PaymentMapping {
    /// http://terminology.hl7.org/CodeSystem/paymentstatus (`paid`, `cleared`).
    static let paymentStatusSystem = "http://terminology.hl7.org/CodeSystem/paymentstatus"
    /// http://terminology.hl7.org/CodeSystem/payment-type (`payment`).
    static let paymentTypeSystem = "http://terminology.hl7.org/CodeSystem/payment-type"

    /// `status`: a cancelled (3) or refunded (2) payment is `cancelled`, one whose details are all rejected is
    /// `entered-in-error`, else `active`.
    static func status(_ payment: PaymentDetails) -> FinancialResourceStatusCodes {
        switch ReconciliationStatus(rawValue: payment.payment.record.reconciliationStatus) {
        case .cancelled?, .refunded?: return .cancelled
        default:
            let rejected = PaymentDetailStatus.rejected.rawValue
            return !payment.details.isEmpty && payment.details.allSatisfy({ $0.record.status == rejected })
                ? .enteredInError : .active
        }
    }

    /// Whether a text is a FHIR id (`[A-Za-z0-9\-\.]{1,64}`), so that it can follow `PaymentReconciliation/`.
    static func isFHIRId(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }

    static func money(_ text: String, _ currency: String) -> Money {
        Money(value: Build.decimal(text), currency: Build.code(currency))
    }

    /// The PaymentNotice of a payment. `identifier`: the payment's UUID and the notice identifier it was
    /// recorded under; `payment`: its reconciliation when reconciliated, else the posted `payment.reference`.
    static func paymentNotice(_ payment: PaymentDetails, context: MappingContext) -> PaymentNotice {
        let row = payment.payment.record
        let detail = payment.details.first?.record
        var identifiers = [Build.identifier("UUID", row.uuid.lowercased(), system: context.identifierSystem(.uuid))]
        if let notice = payment.identifier, let value = Build.string(notice.value) {
            identifiers.append(Identifier(system: notice.system.isEmpty ? nil : Build.uri(notice.system), value: value))
        }
        let reference: Reference
        if let id = detail?.reconciliationID, isFHIRId(id) {
            reference = Reference(reference: FHIRPrimitive(FHIRString("PaymentReconciliation/\(id)")), type: Build.uri("PaymentReconciliation"))
        } else if let posted = Build.string(row.payerRef) {
            reference = Reference(reference: posted)
        } else {
            reference = Reference(display: Build.string("not reconciled"))
        }
        let reconciled = row.reconciliationStatus == ReconciliationStatus.reconciliated.rawValue
        return PaymentNotice(
            id: row.uuid.lowercased(),
            meta: Build.meta(versionId: payment.payment.versionId, lastUpdated: row.dateUpdated),
            identifier: identifiers,
            status: FHIRPrimitive(status(payment)),
            request: detail.map { Build.reference("Invoice", uuid: $0.subjectID) },
            created: Build.dateTime(row.dateCreated),
            payment: reference,
            paymentDate: Build.date(row.datePayment),
            recipient: context.insurerReference,
            amount: money(row.amountReceived, row.currencyCode ?? context.currency),
            paymentStatus: Build.concept(paymentStatusSystem, reconciled ? "cleared" : "paid", reconciled ? "Cleared" : "Paid"))
    }

    /// The PaymentReconciliation `id` of the payments reconciliated under it: one `detail` per payment
    /// (identifier = the notice identifier, request = the invoice paid), `paymentAmount` their sum.
    static func reconciliation(id: String, _ payments: [PaymentDetails], context: MappingContext) -> PaymentReconciliation {
        let rows = payments.map(\.payment.record)
        let currency = rows.first?.currencyCode ?? context.currency
        let lastUpdated = rows.map(\.dateUpdated).max() ?? Date(timeIntervalSince1970: 0)
        let date = payments.compactMap { $0.details.first?.record.reconciliationDate }.first
            ?? rows.first?.datePayment ?? LocalDate(utc: Date(timeIntervalSince1970: 0))
        let total = rows.reduce(Decimal(0)) { $0 + (DecimalText.parse($1.amountReceived) ?? 0) }
        let details = payments.map { payment in
            let row = payment.payment.record
            let identifier = payment.identifier.flatMap { notice in
                Build.string(notice.value).map { Identifier(system: notice.system.isEmpty ? nil : Build.uri(notice.system), value: $0) }
            } ?? Build.identifier("UUID", row.uuid.lowercased(), system: nil)
            return PaymentReconciliationDetail(
                identifier: identifier, type: Build.concept(paymentTypeSystem, "payment"),
                request: payment.details.first.map { Build.reference("Invoice", uuid: $0.record.subjectID) },
                date: Build.date(row.datePayment), amount: money(row.amountReceived, row.currencyCode ?? currency))
        }
        return PaymentReconciliation(
            id: id,
            meta: Build.meta(versionId: 1, lastUpdated: lastUpdated),
            identifier: RowUUID.normalized(id).map { [Build.identifier("UUID", $0, system: context.identifierSystem(.uuid))] },
            status: FHIRPrimitive(.active),
            created: Build.dateTime(lastUpdated),
            outcome: FHIRPrimitive(.complete),
            paymentDate: Build.date(date),
            paymentAmount: money(DecimalText.string(total), currency),
            detail: Build.nonEmpty(details))
    }
}

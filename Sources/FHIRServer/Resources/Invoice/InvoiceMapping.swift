import FHIRModels
import Foundation
import IMISData

/// Invoice ← `tblInvoice` + `tblInvoiceLineItem` (reference §3.12, §5.2; IG profile `openimis-invoice-invoice`,
/// example `InformalSectorContributionInvoice`). Amounts keep their stored decimal text.
enum InvoiceMapping {
    /// The IG code systems of an invoice.
    static let typeSystem = "invoice-type", chargeItemSystem = "invoice-charge-item"

    /// `tblInvoice.Status` → R4 invoice-status (mapping.md: Invoice status from the R4 value set):
    /// draft → draft; validated, unpaid, suspended → issued; paid, reconciliated → balanced; cancelled →
    /// cancelled; deleted → entered-in-error.
    static func fhirStatus(_ status: Int) -> FHIRModels.InvoiceStatus {
        switch IMISData.InvoiceStatus(rawValue: status) {
        case .draft?: return .draft
        case .paid?, .reconciliated?: return .balanced
        case .cancelled?: return .cancelled
        case .deleted?: return .enteredInError
        case .validated?, .unpaid?, .suspended?, nil: return .issued
        }
    }

    /// The stored codes an R4 status stands for (search on `status`).
    static let storedStatuses: [String: [Int64]] = [
        "draft": [0], "issued": [1, 5, 6], "balanced": [2, 7], "cancelled": [3], "entered-in-error": [4],
    ]

    /// The FHIR type of a subject or third party model (`family` → Group, `insuree` → Patient,
    /// `policyholder` → Organization).
    static func referenceType(_ model: String?) -> String? {
        switch model?.lowercased() {
        case "family"?: return "Group"
        case "insuree"?: return "Patient"
        case "policyholder"?: return "Organization"
        default: return nil
        }
    }

    /// The charge item concept of a line (`policy` → policy, otherwise contribution).
    static func chargeItem(_ lineType: String) -> CodeableConcept {
        lineType == "policy"
            ? Build.igConcept(chargeItemSystem, "policy", "Policy") : Build.igConcept(chargeItemSystem, "contribution", "Contribution")
    }

    static func money(_ text: String?, _ currency: String) -> Money? {
        Build.decimal(text).map { Money(value: $0, currency: Build.code(currency)) }
    }

    /// The Invoice of `details` in IG form. No `subject`: the IG profile has it 0..0 (the family or
    /// contract an invoice is for is still stored, searchable and written from `subject` on input).
    static func invoice(_ details: InvoiceDetails, context: MappingContext) -> FHIRModels.Invoice {
        let row = details.invoice.record
        let currency = row.currencyCode
        let lines = details.lines.map { versioned in
            let line = versioned.record
            var components = [
                InvoiceLineItemPriceComponent(
                    extension: money(line.unitPrice, currency).map { [Build.ext(OpenIMISIG.Ext.unitPrice, .money($0))] },
                    type: FHIRPrimitive(.base), code: chargeItem(line.lineType), factor: Build.decimal(line.quantity),
                    amount: money(line.amountNet, currency))
            ]
            if let discount = money(line.discount, currency) {
                components.append(InvoiceLineItemPriceComponent(type: FHIRPrimitive(.discount), amount: discount))
            }
            if let deduction = money(line.deduction, currency) {
                components.append(InvoiceLineItemPriceComponent(type: FHIRPrimitive(.deduction), amount: deduction))
            }
            // No `sequence`: the IG profile has `lineItem.sequence` 0..0.
            return FHIRModels.InvoiceLineItem(chargeItem: .codeableConcept(chargeItem(line.lineType)), priceComponent: components)
        }
        return FHIRModels.Invoice(
            id: row.uuid.lowercased(),
            meta: Build.meta(versionId: details.invoice.versionId, lastUpdated: row.dateUpdated),
            identifier: Build.identifiers(uuid: row.uuid, code: row.code, kind: .invoiceCode, context),
            status: FHIRPrimitive(fhirStatus(row.status)),
            type: Build.igConcept(typeSystem, "contribution", "Contribution"),
            recipient: zip(referenceType(row.thirdpartyType), row.thirdpartyID).map { Build.reference($0, uuid: $1) },
            date: Build.dateTime(row.dateInvoice),
            issuer: context.insurerReference,
            lineItem: Build.nonEmpty(lines),
            totalNet: money(row.amountNet, currency),
            totalGross: money(row.amountTotal, currency),
            paymentTerms: Build.string(row.terms).map { _ in FHIRPrimitive(FHIRMarkdown(row.terms ?? "")) },
            note: Build.string(row.note).map { _ in [Annotation(text: FHIRPrimitive(FHIRMarkdown(row.note ?? "")))] })
    }

    private static func zip(_ a: String?, _ b: String?) -> (String, String)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    /// The stored status an update asks for, from the current one (reference §3.12; api.md §1): draft may be
    /// issued, cancelled or entered in error; issued may be cancelled or entered in error; balanced is set only
    /// by payments; cancelled and entered-in-error are final. The same FHIR status keeps the stored code.
    static func transition(from current: Int, to requested: FHIRModels.InvoiceStatus) throws(MappingError) -> Int {
        let path = "Invoice.status"
        let now = fhirStatus(current)
        if now == requested { return current }
        if requested == .balanced { throw .invalid(path, "balanced is set only by payments (PaymentNotice)") }
        switch (now, requested) {
        case (.draft, .issued): return IMISData.InvoiceStatus.validated.rawValue
        case (.draft, .cancelled), (.issued, .cancelled): return IMISData.InvoiceStatus.cancelled.rawValue
        case (.draft, .enteredInError), (.issued, .enteredInError): return IMISData.InvoiceStatus.deleted.rawValue
        case (.balanced, _): throw .invalid(path, "a balanced invoice changes only when its payments are cancelled")
        default: throw .invalid(path, "an invoice cannot go from \(now.rawValue) to \(requested.rawValue)")
        }
    }
}

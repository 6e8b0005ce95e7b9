import FHIRModels
import Foundation
import IMISData

/// ClaimResponse ← the adjudication of a claim (reference §3.7; IG profile
/// `openimis-claim-response`, example for `Claim001`): one adjudication per line at the claim's
/// current status (category from `claim-status`, reason from `claim-rejection-reasons`), and the
/// accepted total at that status.
public enum ClaimResponseMapping {
    static let statusDisplays = [1: "Rejected", 2: "Entered", 4: "Checked", 8: "Processed", 16: "Valuated"]
    static let rejectionReasons: [Int: String] = [
        -2: "REJECTED BY AI EVALUATION", -1: "REJECTED BY MEDICAL OFFICER", 0: "ACCEPTED", 1: "INVALID ITEM OR SERVICE",
        2: "NOT IN PRICE LIST", 3: "NO PRODUCT FOUND", 4: "CATEGORY LIMITATION", 5: "FREQUENCY FAILURE", 6: "DUPLICATED",
        7: "FAMILY", 8: "DIAGNOSIS NOT IN LIST", 9: "TARGET DATE", 10: "CARE TYPE", 11: "MAX HOSPITAL ADMISSIONS",
        12: "MAX VISITS", 13: "MAX CONSULTATIONS", 14: "MAX SURGERIES", 15: "MAX DELIVERIES", 16: "QTY OVER LIMIT",
        17: "WAITING PERIOD FAIL", 19: "MAX ANTENATAL",
    ]

    /// `ClaimStatus` → `ClaimResponse.outcome`: rejected and valuated are complete, entered is
    /// queued, checked and processed are partial.
    public static func outcome(_ status: Int) -> ClaimProcessingCodes {
        switch ClaimStatus(rawValue: status) {
        case .entered: return .queued
        case .checked, .processed: return .partial
        case .rejected, .valuated, nil: return .complete
        }
    }

    public static func claimResponse(_ details: ClaimDetails, _ r: ClaimRelations, context: MappingContext) -> ClaimResponse {
        let row = details.claim.record
        let patient = r.insuree.map { Build.reference("Patient", uuid: $0.uuid, display: $0.chfid) }
            ?? Reference(display: "unknown insuree")
        var response = ClaimResponse(
            id: row.uuid.lowercased(), meta: Build.meta(details.claim), status: FHIRPrimitive(.active),
            type: ClaimMapping.visitType(row.visitType), use: FHIRPrimitive(.claim), patient: patient,
            created: Build.dateTime(row.dateProcessed ?? row.dateClaimed), insurer: context.insurerReference,
            outcome: FHIRPrimitive(outcome(row.status)))
        response.identifier = Build.identifiers(uuid: row.uuid, code: row.code, kind: .claimCode, context)
        response.requestor = r.claimAdministrator.map { Build.reference("Practitioner", uuid: $0.uuid, display: $0.code) }
        response.request = Build.reference("Claim", uuid: row.uuid, display: row.code)
        let category = statusConcept(row.status)
        var total = Decimal(0)
        var items: [ClaimResponseItem] = []
        for (index, line) in ClaimMapping.lines(details).enumerated() {
            let rejected = row.status == ClaimStatus.rejected.rawValue || (line.rejectionReason ?? 0) != 0
            let quantity = Decimal(string: line.quantityApproved ?? line.quantityProvided) ?? 0
            let price = Decimal(string: price(line, status: row.status)) ?? 0
            var adjudication = ClaimResponseItemAdjudication(category: rejected ? statusConcept(1) : category)
            adjudication.reason = reason(rejected ? (line.rejectionReason ?? -1) : 0)
            if rejected {
                // The IG has amount and value 1..1 on every adjudication: a rejected line shows what
                // was asked (PriceAsked, QtyProvided), as openIMIS's ClaimResponseConverter does.
                adjudication.amount = Build.money(line.priceAsked, context) ?? Build.money("0", context)
                adjudication.value = Build.decimal(line.quantityProvided) ?? Build.decimal(0)
            } else {
                adjudication.amount = Build.money(price.description, context)
                adjudication.value = FHIRPrimitive(FHIRDecimal(stringLiteral: quantity.description))
                total += price * quantity
            }
            var item = ClaimResponseItem(
                itemSequence: FHIRPrimitive(FHIRPositiveInt(UInt32(clamping: index + 1))), adjudication: [adjudication])
            if let reference = ClaimMapping.medical(line, r).reference {
                item.extension = [Build.ext("claim-item-reference", .reference(reference))]
            }
            items.append(item)
        }
        response.item = Build.nonEmpty(items)
        // The IG has total 1..4: a rejected claim shows its accepted total, 0, under category Rejected.
        response.total = [ClaimResponseTotal(category: category, amount: Build.money(total.description, context) ?? Money())]
        return response
    }

    /// The line's price at the claim's status: asked until checked, approved or adjusted once
    /// processed, valuated once valuated (each falling back to the asked price).
    static func price(_ line: ClaimLine, status: Int) -> String {
        switch ClaimStatus(rawValue: status) {
        case .processed: return line.priceAdjusted ?? line.priceApproved ?? line.priceAsked
        case .valuated: return line.priceValuated ?? line.priceAdjusted ?? line.priceApproved ?? line.priceAsked
        default: return line.priceApproved ?? line.priceAsked
        }
    }

    static func statusConcept(_ status: Int) -> CodeableConcept {
        Build.igConcept("claim-status", String(status), statusDisplays[status])
    }

    static func reason(_ code: Int) -> CodeableConcept {
        Build.igConcept("claim-rejection-reasons", String(code), rejectionReasons[code])
    }
}

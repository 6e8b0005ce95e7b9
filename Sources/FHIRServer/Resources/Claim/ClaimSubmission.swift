import FHIRModels
import Foundation
import IMISData

/// Claim submission (reference §3.6 POST): the posted claim is checked and stored in one
/// transaction, then answered with its ClaimResponse.
///
/// The check (openIMIS's claim validation, reduced to the rules this server implements): the
/// insuree needs a policy active on the claim's start date, else every line is rejected with
/// reason 3 (no product found); a line whose item or service the product does not cover is
/// rejected with 1 (invalid item or service), one missing from the facility's price list with 2
/// (not in price list); accepted lines are approved at the asked quantity and price. A claim
/// with no accepted line is rejected (1), otherwise checked (4).
enum ClaimSubmission {
    static let lineRejected = 2
    static let linePassed = 1

    static func check(_ draft: ClaimDraft, store: any IMISStore) async throws -> ClaimDraft {
        var draft = draft
        let policy = try await store.activePolicies(insureeID: draft.claim.insureeID, on: draft.claim.dateFrom).first?.record
        func checked(_ line: ClaimLine) async throws -> ClaimLine {
            var line = line
            guard let policy else {
                line.rejectionReason = 3
                line.status = lineRejected
                return line
            }
            line.policyID = policy.id
            line.productID = policy.productID
            guard let coverage = try await store.coverage(
                line.kind, medicalID: line.medicalID, productID: policy.productID, healthFacilityID: draft.claim.hfID)
            else {
                line.rejectionReason = 1
                line.status = lineRejected
                return line
            }
            guard coverage.price != nil else {
                line.rejectionReason = 2
                line.status = lineRejected
                return line
            }
            line.rejectionReason = 0
            line.status = linePassed
            line.quantityApproved = line.quantityProvided
            line.priceApproved = line.priceAsked
            line.priceOrigin = coverage.coverage.priceOrigin
            return line
        }
        var items: [ClaimLine] = []
        for line in draft.items { items.append(try await checked(line)) }
        var services: [ClaimLine] = []
        for line in draft.services { services.append(try await checked(line)) }
        draft.items = items
        draft.services = services
        let accepted = (items + services).filter { $0.rejectionReason == 0 }
        let approved = accepted.reduce(Decimal(0)) { sum, line in
            sum + (Decimal(string: line.quantityApproved ?? "0") ?? 0) * (Decimal(string: line.priceApproved ?? "0") ?? 0)
        }
        draft.claim.status = accepted.isEmpty ? ClaimStatus.rejected.rawValue : ClaimStatus.checked.rawValue
        draft.claim.approved = accepted.isEmpty ? nil : approved.description
        if accepted.isEmpty { draft.claim.rejectionReason = (items + services).first?.rejectionReason }
        return draft
    }

    /// Creates claims; `notices` hears of each claim adjudicated outside a unit of work, once it committed.
    static func writer(store: any IMISStore, notices: PeopleNotices = .silent) -> RegistryWriter<IMISData.Claim> {
        RegistryWriter<IMISData.Claim>(create: { resource in
            guard case .claim(let claim) = resource else { throw FHIRError(.invalid, "expected a Claim") }
            let draft = try await check(try await ClaimMapping.claimDraft(from: claim, store: store), store: store)
            if try await store.claim(code: draft.claim.code) != nil {
                throw FHIRError(.conflict, "a claim with code \(draft.claim.code) already exists")
            }
            let stored = try await store.submitClaim(claim: draft.claim, items: draft.items, services: draft.services).claim
            if !UnitOfWork.isActive { notices.claimAdjudicated(stored.record) }
            return stored
        })
    }
}

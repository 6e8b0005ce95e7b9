import FHIRModels
import Foundation
import IMISData

/// The rows a Contract shows besides the policy.
public struct ContractRelations: Sendable, Hashable {
    public var family: Family?
    public var head: Insuree?
    /// The covered members (`tblInsureePolicy`), with their insuree rows.
    public var members: [Insuree]
    public var product: Product?
    public var officer: EnrolmentOfficer?
    public var contributions: [Premium]

    public init(
        family: Family? = nil, head: Insuree? = nil, members: [Insuree] = [], product: Product? = nil,
        officer: EnrolmentOfficer? = nil, contributions: [Premium] = []
    ) {
        self.family = family
        self.head = head
        self.members = members
        self.product = product
        self.officer = officer
        self.contributions = contributions
    }
}

/// Contract ← policy + members + contributions: the enrolment of a family (reference §3.4; IG
/// profile `openimis-contract`, example `InformalSectorContract`).
public enum ContractMapping {
    static let payTypes = ["B": "Bank transfer", "C": "Cash", "M": "Mobile phone", "F": "Funding"]

    /// `PolicyStatus` → `Contract.status`, within the IG's required value set `contract-status-codes`
    /// (offered, executed): Idle and Ready are offered; Active, Expired and Suspended were executed
    /// (an expired policy shows its ended `term.asset.period`, as Coverage does).
    public static func status(_ policy: Policy) -> ContractResourceStatusCodes {
        switch PolicyStatus(rawValue: policy.status) {
        case .active, .expired, .suspended: return .executed
        case .idle, .ready, nil: return .offered
        }
    }

    public static func contract(_ versioned: Versioned<Policy>, _ r: ContractRelations, context: MappingContext) -> Contract {
        let policy = versioned.record
        var contract = Contract(id: policy.uuid.lowercased(), meta: Build.meta(versioned))
        contract.identifier = [Build.identifier("UUID", policy.uuid.lowercased(), system: context.identifierSystem(.uuid))]
        contract.status = FHIRPrimitive(status(policy))
        contract.issued = Build.dateTime(policy.enrollDate)
        if let family = r.family {
            contract.subject = [Build.reference("Group", uuid: family.uuid, display: r.head?.chfid)]
        }
        contract.author = r.officer.map { Build.reference("Practitioner", uuid: $0.uuid, display: $0.code) }
        contract.scope = Build.igConcept("contract-scope", "informal", "Informal Sector")
        var asset = ContractTermAsset()
        asset.extension = Build.nonEmpty(r.contributions.map { premium(in: $0, context) })
        asset.typeReference = Build.nonEmpty(r.members.map { Build.reference("Patient", uuid: $0.uuid, display: $0.chfid) })
        asset.period = [Period(start: Build.dateTime(policy.startDate), end: Build.dateTime(policy.expiryDate))]
        asset.usePeriod = [Period(start: Build.dateTime(policy.effectiveDate ?? policy.startDate), end: Build.dateTime(policy.expiryDate))]
        if let product = r.product {
            asset.valuedItem = [
                ContractTermAssetValuedItem(
                    entity: .reference(Build.reference("InsurancePlan", uuid: product.uuid, display: product.code)),
                    net: Build.money(policy.value, context))
            ]
        }
        // The IG has `offer.party` 1..1 (the head, beneficiary) and `offer.text` 0..0; the text is
        // written only for a family without a head row, where the offer would otherwise be empty.
        var offer = ContractTermOffer()
        if let head = r.head {
            offer.party = [
                ContractTermOfferParty(
                    reference: [Build.reference("Patient", uuid: head.uuid, display: head.chfid)],
                    role: Build.igConcept("contract-resource-party-role", "beneficiary", "Beneficiary"))
            ]
        } else {
            offer.text = "Enrolment of the family"
        }
        let term = ContractTerm(offer: offer, asset: [asset])
        contract.term = [term]
        return contract
    }

    /// One contribution as the IG `contract-premium` extension.
    static func premium(in premium: Premium, _ context: MappingContext) -> Extension {
        var parts = [
            Build.ext("payer", .codeableConcept(Build.igConcept("contract-premium-payer", "beneficiary", "Beneficiary"))),
            Build.ext("category", .codeableConcept(Build.igConcept("contract-premium-category", premium.isPhotoFee ? "P" : "C",
                premium.isPhotoFee ? "Photo Fee" : "Contribution and Others"))),
        ]
        if let money = Build.money(premium.amount, context) { parts.append(Build.ext("amount", .money(money))) }
        parts.append(Build.ext("receipt", .string(FHIRPrimitive(FHIRString(premium.receipt)))))
        parts.append(Build.ext("date", .date(Build.date(premium.payDate))))
        parts.append(Build.ext("type", .codeableConcept(Build.igConcept("contract-premium-type", premium.payType, payTypes[premium.payType]))))
        // Sub-extensions carry simple names; the complex extension has the IG URL.
        var ext = Build.ext("contract-premium", parts: parts.map { part in
            var p = part
            p.url = String(part.url.split(separator: "/").last ?? "")
            return p
        })
        ext.id = premium.uuid.lowercased()
        return ext
    }
}

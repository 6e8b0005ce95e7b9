import FHIRModels
import Foundation
import IMISData

/// Contract ← the enrolment of a family: policy, members, contributions (reference §3.4).
/// `POST Contract` enrols a family in one transaction, refusing a policy that overlaps another of
/// the family on the same product (422).
enum ContractResource {
    static func relations(_ policy: Policy, store: any IMISStore) async throws -> ContractRelations {
        var r = ContractRelations()
        r.family = try await store.record(Family.self, id: policy.familyID)?.record
        r.head = try await r.family.flatMapAsync { try await store.referencedInsuree(id: $0.headInsureeID) }
        if let id = policy.id {
            for member in try await store.policyMembers(policyID: id) {
                if let insuree = try await store.referencedInsuree(id: member.insureeID) { r.members.append(insuree) }
            }
            r.contributions = try await store.contributions(policyID: id).map(\.record)
        }
        r.product = try await store.record(Product.self, id: policy.productID)?.record
        r.officer = try await policy.officerID.flatMapAsync { try await store.record(EnrolmentOfficer.self, id: $0)?.record }
        return r
    }

    static func provider(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<Policy> {
        let statusCodes: [String: [Int64]] = ["offered": [1, 16], "executed": [2, 4, 8]]
        let parameters: [SearchParameter] = [
            SearchParameter("identifier", .token, documentation: "The policy UUID.") { c throws(FHIRError) in
                try Translate.identifier(c, kinds: [Translate.IdentifierKind(typeCode: "UUID", column: Policy.Column.policyUUID, ignoreCase: true)])
            },
            SearchParameter("subject", .reference, targets: ["Group"], documentation: "The family (UUID or head's insurance number).") { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                var keys: [RowPredicate] = []
                for ref in try c.references(defaultType: "Group") where ref.type == nil || ref.type == "Group" {
                    keys.append(.or([
                        .equalsIgnoringCase(Family.Column.familyUUID, ref.id),
                        .related(Insuree.Column.insureeID, outer: Family.Column.insureeID, where: [.compare(Insuree.Column.chfid, .equal, .text(ref.id))]),
                    ]))
                }
                return .related(Family.Column.familyID, outer: Policy.Column.familyID, where: [.or(keys)])
            },
            SearchParameter("patient", .reference, targets: ["Patient"], documentation: "A covered member.", translate: CoverageResource.member),
            SearchParameter("status", .token, documentation: "offered (Idle, Ready), executed (Active, Expired, Suspended).") { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let codes = c.tokens().flatMap { ($0.code.flatMap { statusCodes[$0] } ?? []).map { SQLValue.integer($0) } }
                let match = RowPredicate.oneOf(Policy.Column.policyStatus, codes)
                return c.modifier == "not" ? .not(match) : match
            },
        ]
        let writer = RegistryWriter<Policy>(create: { resource in
            guard case .contract(let contract) = resource else { throw FHIRError(.invalid, "expected a Contract") }
            let today = LocalDate(utc: store.clock.now())
            let draft = try await ContractMapping.enrolmentDraft(from: contract, store: store, today: today)
            return try await store.enrolFamily(policy: draft.policy, members: draft.members, contributions: draft.contributions).policy
        })
        return RegistryProvider<Policy>(
            resourceType: "Contract", store: store, readsByCode: false,
            interactions: [.read, .vread, .historyInstance, .searchType], searchParameters: parameters, districtScope: .policyFamily,
            documentation: "Enrolments: policy (tblPolicy), members (tblInsureePolicy), contributions (tblPremium). "
                + "POST enrols a family; a policy overlapping another on the same product is refused (422).",
            writer: writer,
            render: { row in .contract(ContractMapping.contract(row, try await relations(row.record, store: store), context: mapping)) })
    }
}

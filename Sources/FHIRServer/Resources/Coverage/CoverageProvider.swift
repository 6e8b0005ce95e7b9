import FHIRModels
import IMISData

/// Coverage ← `tblPolicy` (reference §3.3): read, vread, history, search.
enum CoverageResource {
    /// `Coverage.status` → the `PolicyStatus` codes it stands for (mapping.md).
    static let statusCodes: [String: [Int64]] = ["active": [2, 8], "cancelled": [4], "draft": [1, 16]]

    /// An insuree by `Patient/<uuid>` or by insurance number, as a condition on `InsureeID` columns.
    static func insuree(_ c: SearchCriterion, column: some SchemaColumn) throws(FHIRError) -> RowPredicate {
        var keys: [RowPredicate] = []
        for ref in try c.references(defaultType: "Patient") where ref.type == nil || ref.type == "Patient" {
            keys.append(.or([.equalsIgnoringCase(Insuree.Column.insureeUUID, ref.id), .compare(Insuree.Column.chfid, .equal, .text(ref.id))]))
        }
        return .related(Insuree.Column.insureeID, outer: column, where: [.or(keys)])
    }

    /// The family head, as a condition on the policy's `FamilyID`.
    static func head(_ c: SearchCriterion) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        return .related(Family.Column.familyID, outer: Policy.Column.familyID, where: [try insuree(c, column: Family.Column.insureeID)])
    }

    /// A covered member (`tblInsureePolicy`) or the head.
    static func member(_ c: SearchCriterion) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        let covered = RowPredicate.related(
            InsureePolicy.Column.policyId, outer: Policy.Column.policyID, where: [try insuree(c, column: InsureePolicy.Column.insureeId)])
        return .or([covered, try head(c)])
    }

    static func provider(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<Policy> {
        let parameters: [SearchParameter] = [
            SearchParameter("identifier", .token, documentation: "The policy UUID.") { c throws(FHIRError) in
                try Translate.identifier(c, kinds: [Translate.IdentifierKind(typeCode: "UUID", column: Policy.Column.policyUUID, ignoreCase: true)])
            },
            SearchParameter("beneficiary", .reference, targets: ["Patient"], documentation: "An insuree covered by the policy.", translate: member),
            SearchParameter("patient", .reference, targets: ["Patient"], documentation: "An insuree covered by the policy.", translate: member),
            SearchParameter("policy-holder", .reference, targets: ["Patient"], documentation: "The head of the insured family.", translate: head),
            SearchParameter("payor", .reference, targets: ["Patient"], documentation: "The head of the insured family (informal sector).", translate: head),
            SearchParameter("status", .token, documentation: "active (Active, Expired), cancelled (Suspended), draft (Idle, Ready).") { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                var stored: [SQLValue] = []
                for token in c.tokens() where token.system == nil || token.system == FinancialResourceStatusCodes.valueSetURL
                    || token.system == "http://hl7.org/fhir/fm-status"
                {
                    stored += (token.code.flatMap { statusCodes[$0] } ?? []).map { .integer($0) }
                }
                let match = RowPredicate.oneOf(Policy.Column.policyStatus, stored)
                return c.modifier == "not" ? .not(match) : match
            },
        ]
        return RegistryProvider<Policy>(
            resourceType: "Coverage", store: store, readsByCode: false, searchParameters: parameters, districtScope: .policyFamily,
            documentation: "Policies (tblPolicy), read-only. The family's head is policy holder, payor and beneficiary; "
                + "Contract lists every covered member.",
            render: { row in
                let family = try await store.record(Family.self, id: row.record.familyID)?.record
                let head = try await family.flatMapAsync { try await store.referencedInsuree(id: $0.headInsureeID) }
                let product = try await store.record(Product.self, id: row.record.productID)?.record
                return .coverage(CoverageMapping.coverage(row, head: head, product: product, context: mapping))
            })
    }
}

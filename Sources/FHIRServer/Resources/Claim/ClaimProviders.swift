import FHIRModels
import Foundation
import IMISData

/// Claim and ClaimResponse ← `tblClaim` + lines (reference §3.6, §3.7): both read the same rows.
enum ClaimResources {
    typealias Column = IMISData.Claim.Column

    /// Loads what a Claim or ClaimResponse shows besides the claim row.
    static func relations(_ details: ClaimDetails, store: any IMISStore) async throws -> ClaimRelations {
        let claim = details.claim.record
        var r = ClaimRelations()
        r.insuree = try await store.referencedInsuree(id: claim.insureeID)
        r.healthFacility = try await store.record(HealthFacility.self, id: claim.hfID)?.record
        r.claimAdministrator = try await claim.claimAdminID.flatMapAsync { try await store.record(ClaimAdministrator.self, id: $0)?.record }
        for id in [claim.icdID, claim.icdID1, claim.icdID2, claim.icdID3, claim.icdID4].compactMap({ $0 }) {
            if let icd = try await store.record(Diagnosis.self, id: id)?.record { r.diagnoses.append(icd) }
        }
        for line in details.items { r.items[line.medicalID] = try await store.record(MedicalItem.self, id: line.medicalID)?.record }
        for line in details.services {
            r.services[line.medicalID] = try await store.record(MedicalService.self, id: line.medicalID)?.record
        }
        if let familyID = r.insuree?.familyID {
            r.policy = try await store.policies(familyID: familyID).map(\.record)
                .max { ($0.effectiveDate ?? $0.startDate).description < ($1.effectiveDate ?? $1.startDate).description }
        }
        return r
    }

    static func details(_ row: Versioned<IMISData.Claim>, store: any IMISStore) async throws -> ClaimDetails {
        // A history row shows the lines of the claim it is a version of (lines are versioned apart).
        var uuid = row.record.uuid
        if let currentID = row.record.legacyID, let current = try await store.record(IMISData.Claim.self, id: currentID) {
            uuid = current.record.uuid
        }
        guard var details = try await store.claim(uuid: uuid) else {
            throw FHIRError(.notFound, "claim lines not found")
        }
        details.claim = row
        return details
    }

    static let patient = SearchParameter(
        "patient", .reference, targets: ["Patient"], documentation: "The insuree (UUID or insurance number)."
    ) { c throws(FHIRError) in
        try Translate.reference(
            c, column: Column.insureeID, target: "Patient", key: Insuree.Column.insureeID, uuid: Insuree.Column.insureeUUID,
            code: Insuree.Column.chfid)
    }

    static let created = SearchParameter("created", .date, documentation: "DateClaimed.") { c throws(FHIRError) in
        try Translate.day(c, column: Column.dateClaimed)
    }

    static func identifier(_ mapping: MappingContext) -> SearchParameter {
        .identifier(code: Column.claimCode, system: mapping.identifierSystems[.claimCode], uuid: Column.claimUUID, documentation: "Claim code or UUID.")
    }

    static func claim(store: any IMISStore, mapping: MappingContext, notices: PeopleNotices = .silent)
        -> RegistryProvider<IMISData.Claim>
    {
        let parameters: [SearchParameter] = [
            identifier(mapping), patient, created,
            SearchParameter("provider", .reference, targets: ["Organization"], documentation: "The health facility.") { c throws(FHIRError) in
                try Translate.reference(
                    c, column: Column.hfid, target: "Organization", key: HealthFacility.Column.hfID, uuid: HealthFacility.Column.hfUUID,
                    code: HealthFacility.Column.hfCode)
            },
            SearchParameter("enterer", .reference, targets: ["Practitioner"], documentation: "The claim administrator.") { c throws(FHIRError) in
                try Translate.reference(
                    c, column: Column.claimAdminId, target: "Practitioner", key: ClaimAdministrator.Column.claimAdminId,
                    uuid: ClaimAdministrator.Column.claimAdminUUID, code: ClaimAdministrator.Column.claimAdminCode)
            },
            SearchParameter("status", .token, documentation: "Always active (openIMIS claims have no other FHIR status).") { c throws(FHIRError) in
                try constant(c, value: "active")
            },
            SearchParameter("use", .token, documentation: "Always claim.") { c throws(FHIRError) in try constant(c, value: "claim") },
        ]
        return RegistryProvider<IMISData.Claim>(
            resourceType: "Claim", store: store, searchParameters: parameters, districtScope: .claimFacility,
            documentation: "Claims (tblClaim with tblClaimItems and tblClaimServices). Reads accept the UUID or the claim code. "
                + "POST checks and stores a claim and answers 201 with its ClaimResponse; unknown references are 422.",
            writer: ClaimSubmission.writer(store: store, notices: notices), createAnswerType: "ClaimResponse",
            render: { row in
                let details = try await details(row, store: store)
                return .claim(ClaimMapping.claim(details, try await relations(details, store: store), context: mapping))
            })
    }

    static func claimResponse(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<IMISData.Claim> {
        let outcomes: [String: [Int64]] = ["queued": [2], "partial": [4, 8], "complete": [1, 16]]
        let parameters: [SearchParameter] = [
            identifier(mapping), patient, created,
            SearchParameter("request", .reference, targets: ["Claim"], documentation: "The claim (UUID or claim code).") { c throws(FHIRError) in
                var keys: [RowPredicate] = []
                for ref in try c.references(defaultType: "Claim") where ref.type == nil || ref.type == "Claim" {
                    keys.append(.or([.uuidEquals(ref.id), .compare(Column.claimCode, .equal, .text(ref.id))]))
                }
                return .or(keys)
            },
            SearchParameter("outcome", .token, documentation: "queued (entered), partial (checked, processed), complete (rejected, valuated).") { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let codes = c.tokens().flatMap { ($0.code.flatMap { outcomes[$0] } ?? []).map { SQLValue.integer($0) } }
                let match = RowPredicate.oneOf(Column.claimStatus, codes)
                return c.modifier == "not" ? .not(match) : match
            },
        ]
        return RegistryProvider<IMISData.Claim>(
            resourceType: "ClaimResponse", store: store, searchParameters: parameters, districtScope: .claimFacility,
            documentation: "The adjudication of claims (tblClaim), read-only. Ids are the claims' ids.",
            render: { row in
                let details = try await details(row, store: store)
                return .claimResponse(ClaimResponseMapping.claimResponse(details, try await relations(details, store: store), context: mapping))
            })
    }

    /// A token parameter whose value is the same for every row.
    static func constant(_ c: SearchCriterion, value: String) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        let matches = c.tokens().contains { $0.code == value }
        return .constant(c.modifier == "not" ? !matches : matches)
    }
}

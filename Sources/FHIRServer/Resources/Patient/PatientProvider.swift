import FHIRModels
import IMISData
import NIOConcurrencyHelpers

/// Patient ← `tblInsuree` (mapping.md; reference §3.1): the provider's search table and loader.
enum PatientResource {
    static let genderCodes = ["male": "M", "female": "F", "other": "O"]
    static let genderSystem = "http://hl7.org/fhir/administrative-gender"
    typealias Column = Insuree.Column

    static func provider(
        store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache, cache: RenderCache? = nil
    ) -> RegistryProvider<Insuree> {
        let parameters: [SearchParameter] = [
            .identifier(
                code: Column.chfid, system: mapping.identifierSystems[.insuranceNumber], uuid: Column.insureeUUID,
                documentation: "Insurance number (CHF ID) or UUID; `|value`, `system|value`, `:of-type`."),
            .text(
                "name", columns: [Column.lastName, Column.otherNames],
                documentation: "Family or given names; starts-with, case- and accent-insensitive."),
            .text("family", columns: [Column.lastName]),
            .text("given", columns: [Column.otherNames]),
            SearchParameter("birthdate", .date) { c throws(FHIRError) in try Translate.day(c, column: Column.dob) },
            SearchParameter("address-city", .string, documentation: "The village of the address.") { c throws(FHIRError) in
                Translate.insureeLocation(levels: 0, try Translate.string(c, columns: [IMISData.Location.Column.locationName]))
            },
            SearchParameter("address-district", .string, documentation: "The district of the address.") { c throws(FHIRError) in
                Translate.insureeLocation(levels: 2, try Translate.string(c, columns: [IMISData.Location.Column.locationName]))
            },
            SearchParameter("address-state", .string, documentation: "The region of the address.") { c throws(FHIRError) in
                Translate.insureeLocation(levels: 3, try Translate.string(c, columns: [IMISData.Location.Column.locationName]))
            },
            SearchParameter("gender", .token) { c throws(FHIRError) in
                try Translate.code(c, column: Column.gender, system: genderSystem, codes: genderCodes)
            },
            SearchParameter("phone", .token) { c throws(FHIRError) in try Translate.text(c, column: Column.phone) },
            SearchParameter("email", .token) { c throws(FHIRError) in try Translate.text(c, column: Column.email) },
            SearchParameter("telecom", .token) { c throws(FHIRError) in
                .or([try Translate.text(c, column: Column.phone), try Translate.text(c, column: Column.email)])
            },
            SearchParameter(
                "general-practitioner", .reference, targets: ["Organization"],
                references: { resource in
                    resource.as(Patient.self)?.generalPractitioner?.compactMap { $0.reference?.value?.string } ?? []
                }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: Column.hfid, target: "Organization", key: HealthFacility.Column.hfID,
                    uuid: HealthFacility.Column.hfUUID, code: HealthFacility.Column.hfCode)
            },
            SearchParameter(
                "group", .reference, targets: ["Group"], documentation: "The family (Group) of the insuree.",
                references: { resource in
                    (resource.as(Patient.self)?.extension ?? []).compactMap { ext -> String? in
                        guard ext.url.hasSuffix("patient-group-reference"), case .reference(let ref)? = ext.value else { return nil }
                        return ref.reference?.value?.string
                    }
                }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: Column.familyID, target: "Group", key: Family.Column.familyID, uuid: Family.Column.familyUUID,
                    code: nil)
            },
        ]
        return RegistryProvider<Insuree>(
            resourceType: "Patient", store: store, searchParameters: parameters, districtScope: .insureeAddress,
            documentation: "Insurees (tblInsuree). Reads accept the UUID or the insurance number (CHF ID). "
                + PatientMapping.writeRule,
            writer: RegistryWrites.patientWriter(store: store, mapping: mapping, codes: codes),
            cache: cache,
            render: { row in
                let relations = try await loadRelations(row.record, store: store, codes: try await codes.get(store))
                return .patient(PatientMapping.patient(row, relations, context: mapping))
            })
    }

    /// Loads the rows a Patient shows (family, head, address chain, photo, facility) in one database access.
    static func loadRelations(_ insuree: Insuree, store: any IMISStore, codes: CodeDisplays) async throws -> PatientRelations {
        let found = try await store.insureeSurroundings(insuree) { insuree, family in
            PatientMapping.addressLocationID(of: insuree, family: family)
        }
        var relations = PatientRelations(codes: codes)
        relations.family = found.family
        relations.familyHead = found.familyHead
        if !found.addressLocations.isEmpty { relations.addressLocations = LocationChain(ancestors: found.addressLocations) }
        relations.photo = found.photo
        relations.healthFacility = found.healthFacility
        return relations
    }
}

/// The reference-table displays, loaded once on first use.
final class CodeDisplayCache: Sendable {
    private let box = NIOLockedValueBox<CodeDisplays?>(nil)

    func get(_ store: any IMISStore) async throws -> CodeDisplays {
        if let cached = box.withLockedValue({ $0 }) { return cached }
        let loaded = try await CodeDisplays.load(from: store)
        box.withLockedValue { $0 = loaded }
        return loaded
    }
}

import FHIRModels
import IMISData
import NIOConcurrencyHelpers

/// Patient ← `tblInsuree` (mapping.md; reference §3.1): the provider's search table and loader.
enum PatientResource {
    static let genderCodes = ["male": "M", "female": "F", "other": "O"]
    static let genderSystem = "http://hl7.org/fhir/administrative-gender"

    static func provider(
        store: SQLiteRegistryStore, mapping: MappingContext, codes: CodeDisplayCache, cache: RenderCache? = nil
    ) -> RegistryProvider<Insuree> {
        let parameters: [SearchParameter] = [
            .identifier(
                code: "CHFID", system: mapping.identifierSystems[.insuranceNumber], uuid: "InsureeUUID",
                documentation: "Insurance number (CHF ID) or UUID; `|value`, `system|value`, `:of-type`."),
            .text(
                "name", columns: ["LastName", "OtherNames"],
                documentation: "Family or given names; starts-with, case- and accent-insensitive."),
            .text("family", columns: ["LastName"]),
            .text("given", columns: ["OtherNames"]),
            SearchParameter("birthdate", .date) { c throws(FHIRError) in try Translate.day(c, column: "DOB") },
            SearchParameter("address-city", .string, documentation: "The village of the address.") { c throws(FHIRError) in
                Translate.insureeLocation(levels: 0, try Translate.string(c, columns: ["LocationName"]))
            },
            SearchParameter("address-district", .string, documentation: "The district of the address.") { c throws(FHIRError) in
                Translate.insureeLocation(levels: 2, try Translate.string(c, columns: ["LocationName"]))
            },
            SearchParameter("address-state", .string, documentation: "The region of the address.") { c throws(FHIRError) in
                Translate.insureeLocation(levels: 3, try Translate.string(c, columns: ["LocationName"]))
            },
            SearchParameter(AccessRestriction.districtParameter, .token) { c throws(FHIRError) in
                Translate.insureeLocation(levels: 2, try Translate.locationIDs(c))
            }.serverOnly(),
            SearchParameter("gender", .token) { c throws(FHIRError) in
                try Translate.code(c, column: "Gender", system: genderSystem, codes: genderCodes)
            },
            SearchParameter("phone", .token) { c throws(FHIRError) in try Translate.text(c, column: "Phone") },
            SearchParameter("email", .token) { c throws(FHIRError) in try Translate.text(c, column: "Email") },
            SearchParameter("telecom", .token) { c throws(FHIRError) in
                .or([try Translate.text(c, column: "Phone"), try Translate.text(c, column: "Email")])
            },
            SearchParameter(
                "general-practitioner", .reference, targets: ["Organization"],
                references: { resource in
                    resource.as(Patient.self)?.generalPractitioner?.compactMap { $0.reference?.value?.string } ?? []
                }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: "HFID", target: "Organization", table: "tblHF", keyColumn: "HfID", uuidColumn: "HfUUID",
                    codeColumn: "HFCode")
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
                    c, column: "FamilyID", target: "Group", table: "tblFamilies", keyColumn: "FamilyID",
                    uuidColumn: "FamilyUUID", codeColumn: nil)
            },
        ]
        return RegistryProvider<Insuree>(
            resourceType: "Patient", store: store, searchParameters: parameters,
            documentation: "Insurees (tblInsuree). Reads accept the UUID or the insurance number (CHF ID). "
                + PatientMapping.writeRule,
            writer: RegistryWrites.patientWriter(store: store, mapping: mapping, codes: codes),
            cache: cache,
            render: { row in
                let relations = try loadRelations(row.record, store: store, codes: try await codes.get(store))
                return .patient(PatientMapping.patient(row, relations, context: mapping))
            })
    }

    /// Loads the rows a Patient shows (family, head, address chain, photo, facility) in one database access.
    static func loadRelations(_ insuree: Insuree, store: SQLiteRegistryStore, codes: CodeDisplays) throws -> PatientRelations {
        try store.read { reader in
            var relations = PatientRelations(codes: codes)
            if let familyID = insuree.familyID, let family = try reader.record(Family.self, id: familyID)?.record {
                relations.family = family
                let headID = family.headInsureeID
                relations.familyHead = headID == insuree.id ? insuree : try reader.record(Insuree.self, id: headID)?.record
            }
            if let locationID = PatientMapping.addressLocationID(of: insuree, family: relations.family) {
                relations.addressLocations = LocationChain(ancestors: try reader.locationAncestors(id: locationID))
            }
            if let photoID = insuree.photoID {
                relations.photo = try reader.photo(id: photoID, insureeID: insuree.id ?? 0)
            }
            if let hfID = insuree.hfID {
                relations.healthFacility = try reader.record(HealthFacility.self, id: hfID)?.record
            }
            return relations
        }
    }
}

/// The reference-table displays, loaded once on first use.
final class CodeDisplayCache: Sendable {
    private let box = NIOLockedValueBox<CodeDisplays?>(nil)

    func get(_ store: SQLiteRegistryStore) async throws -> CodeDisplays {
        if let cached = box.withLockedValue({ $0 }) { return cached }
        let loaded = try await CodeDisplays.load(from: store)
        box.withLockedValue { $0 = loaded }
        return loaded
    }
}

import FHIRModels
import IMISData

/// Practitioner and PractitionerRole ← claim administrators (`CA`, `tblClaimAdmin`) and enrolment officers
/// (`EO`, `tblOfficer`), in that order (reference §3.11). A PractitionerRole has the id of its Practitioner.
enum PractitionerResources {
    static let roleSystem = OpenIMISIG.codeSystem(PractitionerMapping.qualificationSystem)
    /// What the kind-selecting parameter (`qualification`, `role`) accepts.
    static let selectorDocumentation = "`CA` claim administrator or `EO` enrolment officer (system \(roleSystem)); "
        + "`:not`, `:missing`. Without it, both."

    /// The two kinds, claim administrators (`CA`) first, then enrolment officers (`EO`).
    static func kinds(_ admins: any ResourceProvider, _ officers: any ResourceProvider) -> [CompositeKind] {
        [CompositeKind(admins, codes: [.init(roleSystem, "CA")]), CompositeKind(officers, codes: [.init(roleSystem, "EO")])]
    }

    static func practitioner(store: any IMISStore, mapping: MappingContext) -> CompositeProvider {
        let admins = RegistryProvider<ClaimAdministrator>(
            resourceType: "Practitioner", store: store, searchParameters: personParameters(admin, mapping),
            documentation: "Claim administrators (tblClaimAdmin).",
            render: { row in .practitioner(PractitionerMapping.practitioner(claimAdministrator: row, context: mapping)) })
        let officers = RegistryProvider<EnrolmentOfficer>(
            resourceType: "Practitioner", store: store, searchParameters: personParameters(officer, mapping),
            documentation: "Enrolment officers (tblOfficer).",
            render: { row in .practitioner(PractitionerMapping.practitioner(enrolmentOfficer: row, context: mapping)) })
        return CompositeProvider(
            resourceType: "Practitioner",
            kinds: kinds(admins, officers),
            selector: "qualification",
            selectorDocumentation: selectorDocumentation,
            documentation: "Claim administrators (tblClaimAdmin, qualification CA) then enrolment officers (tblOfficer, "
                + "qualification EO). Reads accept the UUID or the code.",
            parameterDocumentation: [
                "identifier": "Claim administrator or officer code, or UUID.",
                "resourceType": "openIMIS's kind filter: `ca` claim administrators or `eo` enrolment officers "
                    + "(case-insensitive; a comma for either), as `GET /api_fhir_r4/Practitioner?resourceType=ca`.",
            ])
    }

    static func practitionerRole(store: any IMISStore, mapping: MappingContext) -> CompositeProvider {
        let adminParameters = roleParameters(admin, mapping) + [
            SearchParameter(
                "organization", .reference, targets: ["Organization"], documentation: "The claim administrator's health facility.",
                references: { resource in [resource.as(PractitionerRole.self)?.organization?.reference?.value?.string].compactMap { $0 } }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: ClaimAdministrator.Column.hfId, target: "Organization", key: HealthFacility.Column.hfID,
                    uuid: HealthFacility.Column.hfUUID, code: HealthFacility.Column.hfCode)
            }
        ]
        let officerParameters = roleParameters(officer, mapping) + [
            SearchParameter(
                "location", .reference, targets: ["Location"], documentation: "The enrolment officer's location.",
                references: { resource in resource.as(PractitionerRole.self)?.location?.compactMap { $0.reference?.value?.string } ?? [] }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: EnrolmentOfficer.Column.locationId, target: "Location", key: IMISData.Location.Column.locationId,
                    uuid: IMISData.Location.Column.locationUUID, code: IMISData.Location.Column.locationCode)
            }
        ]
        let admins = RegistryProvider<ClaimAdministrator>(
            resourceType: "PractitionerRole", store: store, searchParameters: adminParameters,
            documentation: "Claim administrators (tblClaimAdmin).",
            render: { row in
                let hf = try await row.record.hfID.flatMapAsync { try await store.record(HealthFacility.self, id: $0)?.record }
                return .practitionerRole(PractitionerMapping.practitionerRole(
                    claimAdministrator: row, healthFacility: hf, context: mapping))
            })
        let officers = RegistryProvider<EnrolmentOfficer>(
            resourceType: "PractitionerRole", store: store, searchParameters: officerParameters,
            documentation: "Enrolment officers (tblOfficer).",
            render: { row in
                let officer = row.record
                let location = try await officer.locationID.flatMapAsync { try await store.record(IMISData.Location.self, id: $0)?.record }
                let substitute = try await officer.substituteOfficerID.flatMapAsync { try await store.record(EnrolmentOfficer.self, id: $0)?.record }
                return .practitionerRole(PractitionerMapping.practitionerRole(
                    enrolmentOfficer: row, location: location, substitute: substitute, context: mapping))
            })
        return CompositeProvider(
            resourceType: "PractitionerRole",
            kinds: kinds(admins, officers),
            selector: "role",
            selectorDocumentation: selectorDocumentation,
            documentation: "Roles of claim administrators (organization = their health facility) then of enrolment "
                + "officers (location = their district); ids are those of the Practitioners. Reads accept the UUID or the code.",
            parameterDocumentation: ["identifier": "Claim administrator or officer code, or UUID."])
    }

    /// The columns of one staff table.
    struct Table: Sendable {
        var codeColumn: any SchemaColumn
        var uuidColumn: any SchemaColumn
        var nameColumns: [any SchemaColumn]
        var codeKind: IdentifierKind
        /// openIMIS's `resourceType` value for the table (`ca`, `eo`).
        var kindName: String
    }

    static let admin = Table(
        codeColumn: ClaimAdministrator.Column.claimAdminCode, uuidColumn: ClaimAdministrator.Column.claimAdminUUID,
        nameColumns: [ClaimAdministrator.Column.lastName, ClaimAdministrator.Column.otherNames],
        codeKind: .claimAdministratorCode, kindName: "ca")
    static let officer = Table(
        codeColumn: EnrolmentOfficer.Column.code, uuidColumn: EnrolmentOfficer.Column.officerUUID,
        nameColumns: [EnrolmentOfficer.Column.lastName, EnrolmentOfficer.Column.otherNames], codeKind: .officerCode,
        kindName: "eo")

    /// openIMIS's `resourceType=ca|eo` (reference §3.11): every row of the table when a value names it, none
    /// otherwise.
    static func kindFilter(_ kindName: String) -> SearchParameter {
        SearchParameter("resourceType", .token, documentation: "`\(kindName)`") { c throws(FHIRError) in
            guard c.modifier == nil else { throw FHIRError(.badSearch, "resourceType takes no modifier") }
            let names = c.values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            for name in names where name != "ca" && name != "eo" {
                throw FHIRError(.badSearch, "resourceType takes ca (claim administrators) or eo (enrolment officers)")
            }
            return .constant(names.contains(kindName))
        }
    }

    static func identifier(_ table: Table, _ mapping: MappingContext) -> SearchParameter {
        .identifier(
            code: table.codeColumn, system: mapping.identifierSystems[table.codeKind], uuid: table.uuidColumn,
            documentation: "Code or UUID.")
    }

    static func personParameters(_ table: Table, _ mapping: MappingContext) -> [SearchParameter] {
        [
            identifier(table, mapping),
            kindFilter(table.kindName),
            SearchParameter("name", .string, documentation: "Last name or other names; starts-with, case- and accent-insensitive.") { c throws(FHIRError) in
                try Translate.string(c, columns: table.nameColumns)
            },
        ]
    }

    /// `identifier` and `practitioner` (the role's own row: same UUID or code).
    static func roleParameters(_ table: Table, _ mapping: MappingContext) -> [SearchParameter] {
        [
            identifier(table, mapping),
            SearchParameter(
                "practitioner", .reference, targets: ["Practitioner"], documentation: "The Practitioner (same UUID or code).",
                references: { resource in [resource.as(PractitionerRole.self)?.practitioner?.reference?.value?.string].compactMap { $0 } }
            ) { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                var keys: [RowPredicate] = []
                for ref in try c.references(defaultType: "Practitioner") where ref.type == nil || ref.type == "Practitioner" {
                    keys.append(.uuidEquals(ref.id))
                    keys.append(.compare(table.codeColumn, .equal, .text(ref.id)))
                }
                return .or(keys)
            },
        ]
    }
}

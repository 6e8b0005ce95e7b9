import FHIRModels
import IMISData

/// Organization: health facilities (`prov`, `tblHF`), policy holders (`bus`, `tblPolicyHolder`) and the
/// configured insurer (`ins`) on one endpoint, in that order (reference §3.9); `type` selects the kinds,
/// none means all three.
enum OrganizationResource {
    static let typeSystem = HL7System.organizationType

    static func provider(store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache) -> CompositeProvider {
        CompositeProvider(
            resourceType: "Organization",
            kinds: [
                CompositeKind(healthFacilities(store: store, mapping: mapping, codes: codes), codes: [.init(typeSystem, "prov")]),
                CompositeKind(PolicyHolderProvider(store: store, mapping: mapping), codes: [.init(typeSystem, "bus")]),
                CompositeKind(insurer(mapping: mapping), codes: [.init(typeSystem, "ins")]),
            ],
            selector: "type",
            selectorDocumentation: "Kind: `prov` health facility, `bus` policy holder, `ins` the insurer "
                + "(system \(typeSystem)); `:not`, `:missing`. Without it, every kind.",
            documentation: "Health facilities (tblHF, type prov), policy holders (tblPolicyHolder, type bus) and the "
                + "insurer (configuration, type ins), listed in that order. Reads accept the UUID or the code.",
            parameterDocumentation: [
                "identifier": "Code (HF code, policy holder code, insurer code) or UUID.",
                "name": "Name (HF name, trade name, insurer name); starts-with, case- and accent-insensitive.",
            ])
    }

    /// Health facilities (`tblHF`) as Organization `prov`.
    static func healthFacilities(
        store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache
    ) -> RegistryProvider<HealthFacility> {
        RegistryProvider<HealthFacility>(
            resourceType: "Organization", store: store,
            searchParameters: [
                SearchParameter("identifier", .token, documentation: "HF code or UUID.") { c throws(FHIRError) in
                    try Translate.identifier(c, kinds: hfIdentifiers(mapping))
                },
                SearchParameter("name", .string) { c throws(FHIRError) in try Translate.string(c, columns: [HealthFacility.Column.hfName]) },
            ],
            documentation: "Health facilities (tblHF).",
            render: { row in
                let hf = row.record
                let chain = LocationChain(ancestors: try await store.locationAncestors(id: hf.locationID))
                // A history row's administrators are those of the facility it is a version of.
                let admins = try await (hf.legacyID ?? hf.id).mapAsync { try await store.claimAdministrators(healthFacilityID: $0) } ?? []
                return .organization(OrganizationMapping.healthFacility(
                    row, locations: chain, claimAdministrators: admins.map(\.record), codes: try await codes.get(store),
                    context: mapping))
            })
    }

    static func hfIdentifiers(_ mapping: MappingContext) -> [Translate.IdentifierKind] {
        [
            Translate.IdentifierKind(
                typeCode: "Code", system: mapping.identifierSystems[.healthFacilityCode], column: HealthFacility.Column.hfCode),
            Translate.IdentifierKind(typeCode: "UUID", column: HealthFacility.Column.hfUUID, ignoreCase: true),
        ]
    }

    /// The insurer (`MappingContext.insurer`) as Organization `ins`; reads by id or code.
    static func insurer(mapping: MappingContext) -> SingletonProvider {
        let insurer = mapping.insurer
        return SingletonProvider(
            resourceType: "Organization", resource: .organization(OrganizationMapping.insurer(context: mapping)),
            lastUpdated: insurer.lastUpdated, aliases: [insurer.code], fields: [InsurerField.code.name: insurer.code, InsurerField.name.name: insurer.name],
            searchParameters: [
                SearchParameter("identifier", .token) { c throws(FHIRError) in
                    try Translate.identifier(c, kinds: [
                        Translate.IdentifierKind(typeCode: "Code", system: mapping.identifierSystem(.insurerCode), column: InsurerField.code)
                    ])
                },
                SearchParameter("name", .string) { c throws(FHIRError) in try Translate.string(c, columns: [InsurerField.name]) },
            ],
            documentation: "The insurer (configuration).")
    }
}

/// The fields of the configured insurer, which ``SingletonProvider`` matches search conditions against (it has no
/// table: the insurer comes from the configuration).
enum InsurerField: String, SchemaColumn, CaseIterable {
    static let table = "insurer"

    case code = "Code"
    case name = "Name"
}

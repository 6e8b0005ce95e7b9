import FHIRModels
import IMISData

/// Location: administrative locations (`tblLocations`, physicalType R/D/W/V) then health facilities as
/// sites (`tblHF`, physicalType `si`) (reference §3.10). `physicalType` selects the kinds — the openIMIS
/// `GET Location?physicalType=si` — and, for administrative locations, filters `LocationType` as `type`
/// does; without it, both kinds. A read tries the administrative locations first, then the sites.
extension LocationResource {
    static let siteTypes = ["HOSP": "H", "COMM": "D", "OF": "C"]

    static func composite(store: any IMISStore, mapping: MappingContext) -> CompositeProvider {
        let adminCodes = ["R", "D", "W", "V"].map { CompositeKind.Code(OpenIMISIG.codeSystem("location-type"), $0) }
        return CompositeProvider(
            resourceType: "Location",
            kinds: [
                CompositeKind(provider(store: store, mapping: mapping), codes: adminCodes, aliases: ["physicalType": "type"]),
                CompositeKind(sites(store: store, mapping: mapping), codes: [.init(HL7System.locationPhysicalType, "si")]),
            ],
            selector: "physicalType",
            selectorDocumentation: "`si` health facility sites (system \(HL7System.locationPhysicalType)), or the "
                + "location type R, D, W, V (openIMIS location-type); `:not`, `:missing`. Without it, both kinds.",
            documentation: "Administrative locations (tblLocations) then health facilities as sites (tblHF, "
                + "physicalType si). Reads accept the UUID or the location code, then the HF UUID or code.",
            parameterDocumentation: [
                "identifier": "Location code or HF code, or UUID.",
                "type": "Location type R, D, W or V (openIMIS location-type), or a site's HOSP, COMM, OF (v3-RoleCode).",
                "partof": "The parent location (a site's district).",
            ])
    }

    /// Health facilities as Location sites.
    static func sites(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<HealthFacility> {
        RegistryProvider<HealthFacility>(
            resourceType: "Location", store: store,
            searchParameters: [
                SearchParameter("identifier", .token) { c throws(FHIRError) in
                    try Translate.identifier(c, kinds: OrganizationResource.hfIdentifiers(mapping))
                },
                SearchParameter("name", .string) { c throws(FHIRError) in try Translate.string(c, columns: [HealthFacility.Column.hfName]) },
                SearchParameter("type", .token) { c throws(FHIRError) in
                    try Translate.code(c, column: HealthFacility.Column.hfLevel, system: HL7System.roleCode, codes: siteTypes)
                },
                SearchParameter("partof", .reference, targets: ["Location"]) { c throws(FHIRError) in
                    try Translate.reference(
                        c, column: HealthFacility.Column.locationId, target: "Location", key: IMISData.Location.Column.locationId,
                        uuid: IMISData.Location.Column.locationUUID, code: IMISData.Location.Column.locationCode)
                },
            ],
            documentation: "Health facilities (tblHF) as sites.",
            render: { row in
                let district = try await store.record(IMISData.Location.self, id: row.record.locationID)?.record
                return .location(LocationMapping.site(row, district: district, context: mapping))
            })
    }
}

import FHIRModels
import IMISData

/// Location ← `tblLocations` (reference §3.10): region, district, ward, village.
enum LocationResource {
    typealias Column = IMISData.Location.Column
    static let types = ["R": "R", "D": "D", "W": "W", "V": "V"]

    static func provider(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<IMISData.Location> {
        let parameters: [SearchParameter] = [
            .identifier(
                code: Column.locationCode, system: mapping.identifierSystems[.locationCode], uuid: Column.locationUUID,
                documentation: "Location code or UUID."),
            .text("name", columns: [Column.locationName]),
            SearchParameter("type", .token, documentation: "Location type R, D, W or V (openIMIS location-type).") { c throws(FHIRError) in
                try Translate.code(
                    c, column: Column.locationType, system: OpenIMISIG.codeSystem("location-type"), codes: types)
            },
            SearchParameter(
                "partof", .reference, targets: ["Location"],
                references: { resource in
                    [resource.as(FHIRModels.Location.self)?.partOf?.reference?.value?.string].compactMap { $0 }
                }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: Column.parentLocationId, target: "Location", key: Column.locationId, uuid: Column.locationUUID,
                    code: Column.locationCode)
            },
        ]
        return RegistryProvider<IMISData.Location>(
            resourceType: "Location", store: store, searchParameters: parameters,
            documentation: "Administrative locations (tblLocations). Reads accept the UUID or the location code.",
            render: { row in
                let parent = try await row.record.parentID.flatMapAsync { try await store.record(IMISData.Location.self, id: $0)?.record }
                return .location(LocationMapping.location(row, parent: parent, context: mapping))
            })
    }
}

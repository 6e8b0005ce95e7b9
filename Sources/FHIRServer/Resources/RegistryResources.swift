import FHIRModels
import IMISData

/// Group ← `tblFamilies` (reference §3.2).
enum GroupResource {
    static func provider(store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache) -> RegistryProvider<Family> {
        let memberOf: @Sendable (SearchCriterion) async throws(FHIRError) -> RowPredicate = { c throws(FHIRError) in
            if c.modifier == "missing" { return .constant(!(try c.missing())) }
            var keys: [RowPredicate] = []
            for ref in try c.references(defaultType: "Patient") where ref.type == nil || ref.type == "Patient" {
                keys.append(.or([.equalsIgnoringCase("InsureeUUID", ref.id), .compare("CHFID", .equal, .text(ref.id))]))
            }
            return .related(table: "tblInsuree", column: "FamilyID", outerColumn: "FamilyID", where: [.or(keys)])
        }
        let parameters: [SearchParameter] = [
            SearchParameter("identifier", .token, documentation: "The head's insurance number (Code) or the family UUID.") { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let positive = SearchCriterion(
                    name: c.name, modifier: c.modifier == "not" ? nil : c.modifier, values: c.values, type: .token)
                let own = try Translate.identifier(
                    positive, kinds: [Translate.IdentifierKind(typeCode: "UUID", column: "FamilyUUID", ignoreCase: true)])
                let headCode = Translate.IdentifierKind(
                    typeCode: "Code", system: mapping.identifierSystems[.familyCode], column: "CHFID")
                let head = RowPredicate.related(
                    table: "tblInsuree", column: "InsureeID", outerColumn: "InsureeID",
                    where: [try Translate.identifier(positive, kinds: [headCode])])
                let match = RowPredicate.or([own, head])
                return c.modifier == "not" ? .not(match) : match
            },
            SearchParameter(
                "member", .reference, targets: ["Patient"], documentation: "A member insuree.",
                references: { resource in
                    resource.as(FHIRGroup.self)?.member?.compactMap { $0.entity.reference?.value?.string } ?? []
                }, translate: memberOf),
            SearchParameter("name", .string, documentation: "The head's last name.") { c throws(FHIRError) in
                .related(
                    table: "tblInsuree", column: "InsureeID", outerColumn: "InsureeID",
                    where: [try Translate.string(c, columns: ["LastName"])])
            },
            SearchParameter(AccessRestriction.districtParameter, .token) { c throws(FHIRError) in
                Translate.locationAncestor(of: "LocationId", levels: 2, try Translate.locationIDs(c))
            }.serverOnly(),
        ]
        return RegistryProvider<Family>(
            resourceType: "Group", store: store, searchParameters: parameters,
            documentation: "Families (tblFamilies). Reads accept the UUID or the head's insurance number. "
                + GroupMapping.writeRule,
            codeLookup: { code in try await store.family(headCHFID: code) },
            writer: RegistryWrites.groupWriter(store: store, mapping: mapping, codes: codes),
            render: { row in
                let family = row.record
                let members = try await store.familyMembers(familyID: family.id ?? 0).map(\.record)
                var head = members.first { $0.id == family.headInsureeID }
                if head == nil { head = try await store.record(Insuree.self, id: family.headInsureeID)?.record }
                let chain = try await family.locationID.mapAsync { LocationChain(ancestors: try await store.locationAncestors(id: $0)) } ?? .empty
                let relations = GroupRelations(head: head, members: members, locations: chain, codes: try await codes.get(store))
                return .group(GroupMapping.group(row, relations, context: mapping))
            })
    }
}

/// Location ← `tblLocations` (reference §3.10): region, district, ward, village.
enum LocationResource {
    static let types = ["R": "R", "D": "D", "W": "W", "V": "V"]

    static func provider(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<IMISData.Location> {
        let parameters: [SearchParameter] = [
            .identifier(
                code: "LocationCode", system: mapping.identifierSystems[.locationCode], uuid: "LocationUUID",
                documentation: "Location code or UUID."),
            .text("name", columns: ["LocationName"]),
            SearchParameter("type", .token, documentation: "Location type R, D, W or V (openIMIS location-type).") { c throws(FHIRError) in
                try Translate.code(
                    c, column: "LocationType", system: OpenIMISIG.codeSystem("location-type"), codes: types)
            },
            SearchParameter(
                "partof", .reference, targets: ["Location"],
                references: { resource in
                    [resource.as(FHIRModels.Location.self)?.partOf?.reference?.value?.string].compactMap { $0 }
                }
            ) { c throws(FHIRError) in
                try Translate.reference(
                    c, column: "ParentLocationId", target: "Location", table: "tblLocations", keyColumn: "LocationId",
                    uuidColumn: "LocationUUID", codeColumn: "LocationCode")
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

/// Medication ← `tblItems`, ActivityDefinition ← `tblServices` (reference §3.13).
enum CatalogResources {
    static func medication(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<MedicalItem> {
        RegistryProvider<MedicalItem>(
            resourceType: "Medication", store: store,
            searchParameters: [
                .identifier(
                    code: "ItemCode", system: mapping.identifierSystems[.itemCode], uuid: "ItemUUID",
                    documentation: "Item code or UUID.")
            ],
            documentation: "Medical items (tblItems). Reads accept the UUID or the item code.",
            render: { row in .medication(MedicalCatalogMapping.medication(row, context: mapping)) })
    }

    static func activityDefinition(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<MedicalService> {
        RegistryProvider<MedicalService>(
            resourceType: "ActivityDefinition", store: store,
            searchParameters: [
                .identifier(
                    code: "ServiceCode", system: mapping.identifierSystems[.serviceCode], uuid: "ServiceUUID",
                    documentation: "Service code or UUID."),
                .text("name", columns: ["ServiceName"]),
            ],
            documentation: "Medical services (tblServices). Reads accept the UUID or the service code.",
            render: { row in .activityDefinition(MedicalCatalogMapping.activityDefinition(row, context: mapping)) })
    }
}

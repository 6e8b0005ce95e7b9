import FHIRModels
import IMISData

/// Group ← `tblFamilies` (reference §3.2).
enum GroupResource {
    static func provider(store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache) -> RegistryProvider<Family> {
        let memberOf: @Sendable (SearchCriterion) async throws(FHIRError) -> RowPredicate = { c throws(FHIRError) in
            if c.modifier == "missing" { return .constant(!(try c.missing())) }
            var keys: [RowPredicate] = []
            for ref in try c.references(defaultType: "Patient") where ref.type == nil || ref.type == "Patient" {
                keys.append(.or([.equalsIgnoringCase(Insuree.Column.insureeUUID, ref.id), .compare(Insuree.Column.chfid, .equal, .text(ref.id))]))
            }
            return .related(Insuree.Column.familyID, outer: Family.Column.familyID, where: [.or(keys)])
        }
        let parameters: [SearchParameter] = [
            SearchParameter("identifier", .token, documentation: "The head's insurance number (Code) or the family UUID.") { c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let positive = SearchCriterion(
                    name: c.name, modifier: c.modifier == "not" ? nil : c.modifier, values: c.values, type: .token)
                let own = try Translate.identifier(
                    positive, kinds: [Translate.IdentifierKind(typeCode: "UUID", column: Family.Column.familyUUID, ignoreCase: true)])
                let headCode = Translate.IdentifierKind(
                    typeCode: "Code", system: mapping.identifierSystems[.familyCode], column: Insuree.Column.chfid)
                let head = RowPredicate.related(
                    Insuree.Column.insureeID, outer: Family.Column.insureeID,
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
                    Insuree.Column.insureeID, outer: Family.Column.insureeID,
                    where: [try Translate.string(c, columns: [Insuree.Column.lastName])])
            },
        ]
        return RegistryProvider<Family>(
            resourceType: "Group", store: store, searchParameters: parameters, districtScope: .familyVillage,
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

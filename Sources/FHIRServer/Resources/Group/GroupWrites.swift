import FHIRModels
import IMISData

/// Group writes (reference §3.2 "in" columns; mapping.md §Decisions 4–5): the family, its head and members.
extension RegistryWrites {
    static func groupWriter(store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache) -> RegistryWriter<Family> {
        RegistryWriter<Family>(
            create: { resource in
                guard case .group(let group) = resource else { throw FHIRError(.invalid, "expected a Group") }
                let draft = try await GroupMapping.familyDraft(
                    from: group, resolver: .store(store), codes: try await codes.get(store), context: mapping)
                let headID = try head(of: draft)
                try await checkMembersCanMove(draft.memberInsureeIDs, into: nil, store: store)
                return try await store.saveFamily(draft.family(), members: draft.memberInsureeIDs, headID: headID, ifVersion: nil)
            },
            update: { existing, resource, ifMatch in
                guard case .group(let group) = resource else { throw FHIRError(.invalid, "expected a Group") }
                let draft = try await GroupMapping.familyDraft(
                    from: group, existing: existing.record, resolver: .store(store), codes: try await codes.get(store),
                    context: mapping)
                let headID = try head(of: draft)
                let current = try await store.familyMembers(familyID: existing.record.id ?? 0).compactMap(\.record.id)
                if let missing = current.first(where: { !draft.memberInsureeIDs.contains($0) }) {
                    let chfid = try await store.record(Insuree.self, id: missing)?.record.chfid ?? "?"
                    throw MappingError(
                        .invalidValue, path: "Group.member",
                        "removing member \(chfid) is not supported: move the insuree to another family instead")
                }
                try await checkMembersCanMove(draft.memberInsureeIDs, into: existing.record.id, store: store)
                return try await store.saveFamily(
                    draft.family(updating: existing.record), members: draft.memberInsureeIDs, headID: headID,
                    ifVersion: ifMatch)
            })
    }

    static func head(of draft: FamilyDraft) throws -> Int64 {
        guard let headID = draft.headInsureeID else {
            throw MappingError(.required, path: "Group.identifier", "the Code identifier must name the head, one of the members")
        }
        return headID
    }

    /// A member that heads another family with other members cannot leave it (the family would
    /// lose its head).
    static func checkMembersCanMove(_ members: [Int64], into familyID: Int64?, store: any IMISStore) async throws {
        for memberID in members {
            guard let member = try await store.record(Insuree.self, id: memberID)?.record,
                let currentFamily = member.familyID, currentFamily != familyID, member.isHead
            else { continue }
            let others = try await store.familyMembers(familyID: currentFamily).compactMap(\.record.id).filter { $0 != memberID }
            if others.contains(where: { !members.contains($0) }) {
                throw FHIRError(.conflict, "insuree \(member.chfid) heads another family with other members")
            }
        }
    }
}

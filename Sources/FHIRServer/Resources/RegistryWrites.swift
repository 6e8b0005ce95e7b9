import FHIRModels
import IMISData

/// Patient and Group writes (reference §3.1, §3.2 "in" columns; mapping.md §Decisions 4–5):
/// the resource is mapped to a draft of openIMIS columns, then written as versioned rows.
enum RegistryWrites {
    static func patientWriter(store: any IMISStore, mapping: MappingContext, codes: CodeDisplayCache) -> RegistryWriter<Insuree> {
        RegistryWriter<Insuree>(
            create: { resource in
                guard case .patient(let patient) = resource else { throw FHIRError(.invalid, "expected a Patient") }
                let draft = try await PatientMapping.insureeDraft(
                    from: patient, resolver: .store(store), codes: try await codes.get(store), context: mapping)
                try refusePhoto(draft)
                if try await store.insuree(chfid: draft.chfid) != nil {
                    throw FHIRError(.conflict, "an insuree with insurance number \(draft.chfid) already exists")
                }
                if let newFamily = draft.newFamily {
                    return try await store.createFamily(newFamily.family(), head: draft.insuree()).head
                }
                guard draft.familyID != nil else {
                    throw MappingError(.required, path: "Patient.extension", "a patient who is not head joins a family (patient-group-reference)")
                }
                return try await store.insert(draft.insuree())
            },
            update: { existing, resource, ifMatch in
                guard case .patient(let patient) = resource else { throw FHIRError(.invalid, "expected a Patient") }
                let draft = try await PatientMapping.insureeDraft(
                    from: patient, existing: existing.record, resolver: .store(store), codes: try await codes.get(store),
                    context: mapping)
                try refusePhoto(draft)
                if draft.chfid != existing.record.chfid, try await store.insuree(chfid: draft.chfid) != nil {
                    throw FHIRError(.conflict, "an insuree with insurance number \(draft.chfid) already exists")
                }
                if draft.newFamily != nil && draft.familyID == nil && existing.record.familyID != nil && !existing.record.isHead {
                    throw MappingError(.invalidValue, path: "Patient.extension", "moving an insuree into a new family is done by creating a Group")
                }
                let updated = try await store.update(draft.insuree(updating: existing.record), ifVersion: ifMatch)
                if let familyID = updated.record.familyID, let family = try await store.record(Family.self, id: familyID),
                    let changed = draft.familyAddressUpdate(of: family.record)
                {
                    _ = try await store.update(changed, ifVersion: nil)
                }
                return updated
            },
            delete: { existing in
                let insuree = existing.record
                guard let id = insuree.id else { return }
                if let familyID = insuree.familyID, insuree.isHead {
                    let others = try await store.familyMembers(familyID: familyID).filter { $0.record.id != id }
                    if !others.isEmpty {
                        throw FHIRError(.conflict, "the head of a family with other members cannot be deleted; change the head first")
                    }
                    _ = try await store.delete(Insuree.self, id: id, auditUserID: insuree.auditUserID)
                    _ = try await store.delete(Family.self, id: familyID, auditUserID: insuree.auditUserID)
                    return
                }
                _ = try await store.delete(Insuree.self, id: id, auditUserID: insuree.auditUserID)
            })
    }

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

    static func refusePhoto(_ draft: InsureeDraft) throws {
        if draft.photo != nil {
            throw MappingError(.unmappedElement, path: "Patient.photo", "photo data is not stored by this server yet")
        }
    }
}

import FHIRModels
import IMISData

/// Patient writes (reference §3.1 "in" columns; mapping.md §Decisions 4–5): the resource is mapped to a draft
/// of openIMIS columns, then written as versioned rows.
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

    static func refusePhoto(_ draft: InsureeDraft) throws {
        if draft.photo != nil {
            throw MappingError(.unmappedElement, path: "Patient.photo", "photo data is not stored by this server yet")
        }
    }
}

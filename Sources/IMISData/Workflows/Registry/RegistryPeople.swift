import Foundation

/// Insurees, families and photos (reference §3.1–§3.3), written once over the workflow primitives.
extension RegistryStore where Self: WorkflowStore {
    /// See ``RegistryStore/insuree(chfid:)``. Served by the index of current insurance numbers.
    public func insuree(chfid: String) async throws -> Versioned<Insuree>? {
        try await workflowEngine.read { tx in try await tx.one(Insuree.self, code: chfid) }
    }

    /// See ``RegistryStore/searchInsurees(_:)``.
    public func searchInsurees(_ query: InsureeQuery) async throws -> SearchPage<Insuree> {
        try await page(Insuree.self, query.page, where: RegistryPeople.predicates(query))
    }

    /// See ``RegistryStore/familyMembers(familyID:)``.
    public func familyMembers(familyID: Int64) async throws -> [Versioned<Insuree>] {
        try await workflowEngine.read { tx in try await RegistryPeople.members(tx, familyID: familyID) }
    }

    /// See ``RegistryStore/family(headCHFID:)``: the head by its number, then its family (two keyed reads).
    public func family(headCHFID: String) async throws -> Versioned<Family>? {
        try await workflowEngine.read { tx in
            guard let headID = try await tx.one(Insuree.self, code: headCHFID)?.record.id else { return nil }
            return try await tx.first(Family.self, where: [.compare("InsureeID", .equal, .integer(headID))])
        }
    }

    /// See ``RegistryStore/photos(insureeID:)``.
    public func photos(insureeID: Int64) async throws -> [InsureePhoto] {
        try await workflowEngine.read { tx in
            try await tx.rows(InsureePhoto.self, where: [.compare("InsureeID", .equal, .integer(insureeID))],
                              order: [.descending("PhotoDate"), .descending("PhotoID")])
        }.map(\.record)
    }

    /// See ``RegistryStore/insertPhoto(_:)``: the row is stored as given (its `ValidityFrom` = now) and read
    /// back by its UUID for its key.
    public func insertPhoto(_ photo: InsureePhoto) async throws -> InsureePhoto {
        guard let uuid = RowUUID.normalized(photo.uuid) else { throw RegistryError.invalidValue("PhotoUUID") }
        return try await workflowEngine.write { tx, now in
            var row = photo
            row.uuid = uuid
            row.validityFrom = now
            let table = ChildTable(table: InsureePhoto.sql.table, columns: InsureePhoto.sql.columns)
            try await tx.insertChild(table, row.databaseValues)
            if row.id == nil { row.id = try await tx.one(InsureePhoto.self, uuid: uuid)?.record.id }
            return row
        }
    }

    /// See ``RegistryStore/createFamily(_:head:)``: the head first (without a family), then the family pointing
    /// at it, then the head's `FamilyID` set in place (the head stays at version 1).
    public func createFamily(_ family: Family, head: Insuree) async throws -> CreatedFamily {
        try await workflowEngine.write { tx, now in
            var head = head
            head.isHead = true
            head.familyID = nil
            var insertedHead = try await tx.insert(head, now: now)
            guard let headID = insertedHead.record.id else { throw RegistryError.invalidValue("InsureeID") }
            var family = family
            family.headInsureeID = headID
            let insertedFamily = try await tx.insert(family, now: now)
            guard let familyID = insertedFamily.record.id else { throw RegistryError.invalidValue("FamilyID") }
            try await tx.updateChildren(RegistryPeople.insurees, set: "FamilyID", to: .integer(familyID),
                                        where: [.compare("InsureeID", .equal, .integer(headID))])
            insertedHead.record.familyID = familyID
            return CreatedFamily(family: insertedFamily, head: insertedHead)
        }
    }

    /// See ``RegistryStore/saveFamily(_:members:headID:ifVersion:)``: the family inserted or updated (its
    /// `InsureeID` = `headID`), then every listed insuree moved into it through a versioned update when its
    /// `FamilyID` or `IsHead` changes.
    public func saveFamily(_ family: Family, members: [Int64], headID: Int64,
                           ifVersion: Int? = nil) async throws -> Versioned<Family> {
        try await workflowEngine.write { tx, now in
            var row = family
            row.headInsureeID = headID
            let saved = row.id == nil
                ? try await tx.insert(row, now: now) : try await tx.update(row, now: now, ifVersion: ifVersion)
            guard let familyID = saved.record.id else { throw RegistryError.invalidValue("FamilyID") }
            for memberID in members {
                guard var insuree = try await tx.one(Insuree.self, id: memberID, forUpdate: true)?.record else {
                    throw RegistryError.invalidReference("insuree \(memberID) is not current")
                }
                let isHead = memberID == headID
                if insuree.familyID == familyID && insuree.isHead == isHead { continue }
                insuree.familyID = familyID
                insuree.isHead = isHead
                _ = try await tx.update(insuree, now: now, ifVersion: nil)
            }
            return saved
        }
    }
}

/// The conditions and reads of the insuree workflows.
enum RegistryPeople {
    /// `tblInsuree` as a plain table, for the in-place `FamilyID` of a new family's head.
    static let insurees = ChildTable(table: Insuree.sql.table, columns: Insuree.sql.columns)

    /// The current members of a family, head first, then by key.
    static func members(_ tx: any StoreTransaction, familyID: Int64) async throws -> [Versioned<Insuree>] {
        try await tx.rows(Insuree.self, where: [.compare("FamilyID", .equal, .integer(familyID))],
                          order: [.descending("IsHead"), .ascending("InsureeID")])
    }

    /// The conditions of a Patient search (``InsureeQuery``); names are folded prefixes.
    static func predicates(_ query: InsureeQuery) -> [RowPredicate] {
        var predicates: [RowPredicate] = []
        if let chfid = query.chfid { predicates.append(.compare("CHFID", .equal, .text(chfid))) }
        if let uuids = query.uuids { predicates.append(.or(uuids.map { .uuidEquals($0) })) }
        if let name = query.name {
            predicates.append(.or([.foldedStartsWith("LastName", name), .foldedStartsWith("OtherNames", name)]))
        }
        if let family = query.family { predicates.append(.foldedStartsWith("LastName", family)) }
        if let given = query.given { predicates.append(.foldedStartsWith("OtherNames", given)) }
        if let gender = query.gender {
            predicates.append(gender.map { .compare("Gender", .equal, .text($0)) } ?? .isNull("Gender"))
        }
        if let from = query.birthDateFrom { predicates.append(.compare("DOB", .greaterOrEqual, .text(from.databaseText))) }
        if let to = query.birthDateTo { predicates.append(.compare("DOB", .lessOrEqual, .text(to.databaseText))) }
        if let familyID = query.familyID { predicates.append(.compare("FamilyID", .equal, .integer(familyID))) }
        if let phone = query.phone { predicates.append(.compare("Phone", .equal, .text(phone))) }
        if let email = query.email { predicates.append(.equalsIgnoringCase("Email", email)) }
        return predicates
    }
}

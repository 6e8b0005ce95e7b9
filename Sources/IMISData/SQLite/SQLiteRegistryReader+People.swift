import Foundation
import GRDB

extension SQLiteRegistryReader {
    /// See `RegistryStore.insuree(chfid:)`. Served by the partial index `tblInsuree_CHFID_current`.
    public func insuree(chfid: String) throws -> Versioned<Insuree>? {
        try RegistrySQL.byCode(db, Insuree.self, chfid)
    }

    /// See `RegistryStore.familyMembers(familyID:)`.
    public func familyMembers(familyID: Int64) throws -> [Versioned<Insuree>] {
        try RegistrySQL.all(db, Insuree.self, where: "t.FamilyID = ? AND t.ValidityTo IS NULL", [familyID],
                            suffix: " ORDER BY t.IsHead DESC, t.InsureeID")
    }

    /// See `RegistryStore.family(headCHFID:)`.
    public func family(headCHFID: String) throws -> Versioned<Family>? {
        try RegistrySQL.one(db, Family.self, where: """
            t.ValidityTo IS NULL AND t.InsureeID = (SELECT i.InsureeID FROM tblInsuree i
            WHERE i.CHFID = ? AND i.ValidityTo IS NULL)
            """, [headCHFID])
    }

    /// See `RegistryStore.photos(insureeID:)`.
    public func photos(insureeID: Int64) throws -> [InsureePhoto] {
        try RegistrySQL.all(db, InsureePhoto.self, where: "t.InsureeID = ? AND t.ValidityTo IS NULL",
                            [insureeID], suffix: " ORDER BY t.PhotoDate DESC, t.PhotoID DESC").map(\.record)
    }

    /// The current photo `id` when it belongs to insuree `insureeID` (one row: a cache of the rendering
    /// depends on that photo only, not on the insuree's whole photo list).
    public func photo(id: Int64, insureeID: Int64) throws -> InsureePhoto? {
        guard let photo = try RegistrySQL.byID(db, InsureePhoto.self, id)?.record, photo.insureeID == insureeID
        else { return nil }
        return photo
    }

    /// See `RegistryStore.searchInsurees(_:)`.
    public func searchInsurees(_ query: InsureeQuery) throws -> SearchPage<Insuree> {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        // A folded prefix range on one name column, answered by its expression index.
        func prefix(_ column: String, _ text: String, alias: String = "t.") -> String {
            let folded = NameFolding.fold(text)
            arguments += [folded, NameFolding.upperBound(ofPrefix: folded)]
            let expression = "\(NameFolding.sqlFunctionName)(\(alias)\(column))"
            return "\(expression) >= ? AND \(expression) < ?"
        }
        if let chfid = query.chfid {
            conditions.append("t.CHFID = ?")
            arguments.append(chfid)
        }
        if let uuids = query.uuids {
            conditions.append("t.InsureeUUID IN (\(uuids.map { _ in "?" }.joined(separator: ", ")))")
            arguments += uuids.map { $0 as (any DatabaseValueConvertible)? }
        }
        if let name = query.name {
            // Two index range scans joined by UNION ALL: SQLite does not OR expression indexes together.
            let last = prefix("LastName", name, alias: ""), other = prefix("OtherNames", name, alias: "")
            conditions.append("""
                t.InsureeID IN (SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL AND \(last)
                UNION ALL SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL AND \(other))
                """)
        }
        if let family = query.family { conditions.append(prefix("LastName", family)) }
        if let given = query.given { conditions.append(prefix("OtherNames", given)) }
        if let gender = query.gender {
            if let gender {
                conditions.append("t.Gender = ?")
                arguments.append(gender)
            } else {
                conditions.append("t.Gender IS NULL")
            }
        }
        if let from = query.birthDateFrom {
            conditions.append("t.DOB >= ?")
            arguments.append(from.databaseText)
        }
        if let to = query.birthDateTo {
            conditions.append("t.DOB <= ?")
            arguments.append(to.databaseText)
        }
        if let familyID = query.familyID {
            conditions.append("t.FamilyID = ?")
            arguments.append(familyID)
        }
        if let phone = query.phone {
            conditions.append("t.Phone = ?")
            arguments.append(phone)
        }
        if let email = query.email {
            conditions.append("t.Email = ? COLLATE NOCASE")
            arguments.append(email)
        }
        let selective = query.chfid != nil || query.uuids != nil || query.name != nil || query.family != nil
            || query.given != nil || query.familyID != nil || query.birthDateFrom != nil || query.birthDateTo != nil
        return try RegistrySQL.page(db, Insuree.self, conditions: conditions, arguments: arguments,
                                    query: query.page, selective: selective)
    }
}

import Foundation
import GRDB

extension SQLiteRegistryStore {
    /// Creates (when `family.id` is nil) or updates a family and moves `members` into it in one
    /// transaction: every listed insuree gets `FamilyID` = the family and `IsHead` = (id == `headID`),
    /// each through a versioned update (a history row first) when something changes; the family's
    /// `InsureeID` becomes `headID`. `ifVersion` guards the family's update (`If-Match`).
    public func saveFamily(_ family: Family, members: [Int64], headID: Int64, ifVersion: Int? = nil) async throws -> Versioned<Family> {
        let now = clock.now()
        return try await database.write { db in
            var row = family
            row.headInsureeID = headID
            let saved: Versioned<Family>
            if row.id == nil {
                saved = try RegistrySQL.insert(db, row, now: now)
            } else {
                saved = try RegistrySQL.update(db, row, now: now, ifVersion: ifVersion)
            }
            guard let familyID = saved.record.id else { throw RegistryError.invalidValue("FamilyID") }
            for memberID in members {
                guard var insuree = try RegistrySQL.byID(db, Insuree.self, memberID)?.record else {
                    throw RegistryError.invalidReference("insuree \(memberID) is not current")
                }
                let isHead = memberID == headID
                if insuree.familyID == familyID && insuree.isHead == isHead { continue }
                insuree.familyID = familyID
                insuree.isHead = isHead
                _ = try RegistrySQL.update(db, insuree, now: now, ifVersion: nil)
            }
            return saved
        }
    }
}

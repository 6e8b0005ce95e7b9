import Foundation
import GRDB

extension SQLiteRegistryStore {
    /// See `RegistryStore.insert(_:)`.
    public func insert<R: VersionedRecord>(_ record: R) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let row = SQLiteRegistryReader.cast(record, to: S.self)
            let now = clock.now()
            let result = try await database.write { db in try RegistrySQL.insert(db, row, now: now) }
            return SQLiteRegistryReader.cast(result, to: Versioned<R>.self)
        }
        return try await run(SQLiteRegistryReader.mapped(R.self))
    }

    /// See `RegistryStore.update(_:ifVersion:)`.
    public func update<R: VersionedRecord>(_ record: R, ifVersion: Int? = nil) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let row = SQLiteRegistryReader.cast(record, to: S.self)
            let now = clock.now()
            let result = try await database.write { db in try RegistrySQL.update(db, row, now: now, ifVersion: ifVersion) }
            return SQLiteRegistryReader.cast(result, to: Versioned<R>.self)
        }
        return try await run(SQLiteRegistryReader.mapped(R.self))
    }

    /// See `RegistryStore.delete(_:id:auditUserID:)`.
    public func delete<R: VersionedRecord>(_ type: R.Type, id: Int64, auditUserID: Int64 = -1) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let now = clock.now()
            let result = try await database.write { db in
                try RegistrySQL.delete(db, s, id: id, now: now, auditUserID: auditUserID)
            }
            return SQLiteRegistryReader.cast(result, to: Versioned<R>.self)
        }
        return try await run(SQLiteRegistryReader.mapped(type))
    }

    /// See `RegistryStore.createFamily(_:head:)`.
    public func createFamily(_ family: Family, head: Insuree) async throws -> CreatedFamily {
        let now = clock.now()
        return try await database.write { db in try Self.createFamily(db, family, head: head, now: now) }
    }

    static func createFamily(_ db: Database, _ family: Family, head: Insuree, now: Date) throws -> CreatedFamily {
        var head = head
        head.isHead = true
        head.familyID = nil
        var insertedHead = try RegistrySQL.insert(db, head, now: now)
        guard let headID = insertedHead.record.id else { throw RegistryError.invalidValue("InsureeID") }
        var family = family
        family.headInsureeID = headID
        let insertedFamily = try RegistrySQL.insert(db, family, now: now)
        try db.cachedStatement(sql: "UPDATE tblInsuree SET FamilyID = ? WHERE InsureeID = ?")
            .execute(arguments: [insertedFamily.record.id, headID])
        insertedHead.record.familyID = insertedFamily.record.id
        return CreatedFamily(family: insertedFamily, head: insertedHead)
    }

    /// See `RegistryStore.insertPhoto(_:)`.
    public func insertPhoto(_ photo: InsureePhoto) async throws -> InsureePhoto {
        var row = photo
        guard let uuid = RowUUID.normalized(row.uuid) else { throw RegistryError.invalidValue("PhotoUUID") }
        row.uuid = uuid
        row.validityFrom = clock.now()
        return try await database.write { db in
            try RegistrySQL.translatingErrors {
                try db.cachedStatement(sql: InsureePhoto.sql.insert)
                    .execute(arguments: StatementArguments(row.databaseValues))
            }
            row.id = row.id ?? db.lastInsertedRowID
            return row
        }
    }
}

import Foundation
import GRDB

extension SQLiteRegistryStore {
    /// See `RegistryStore.insertPolicyHolder(_:)`.
    public func insertPolicyHolder(_ holder: PolicyHolder) async throws -> Versioned<PolicyHolder> {
        let now = clock.now()
        return try await database.write { db in try Self.insertPolicyHolder(db, holder, now: now) }
    }

    static func insertPolicyHolder(_ db: Database, _ holder: PolicyHolder, now: Date) throws -> Versioned<PolicyHolder> {
        var row = try holder.firstVersion(at: now)
        if row.dateValidFrom == Date(timeIntervalSince1970: 0) { row.dateValidFrom = now }
        try RegistrySQL.translatingErrors {
            try db.cachedStatement(sql: PolicyHolder.sql.insert).execute(arguments: StatementArguments(row.databaseValues))
        }
        return Versioned(record: row, versionId: 1)
    }

    /// See `RegistryStore.updatePolicyHolder(_:ifVersion:)`.
    public func updatePolicyHolder(_ holder: PolicyHolder, ifVersion: Int?) async throws -> Versioned<PolicyHolder> {
        let now = clock.now()
        return try await database.write { db in
            let current = try requireLivePolicyHolder(db, uuid: holder.uuid, ifVersion: ifVersion)
            var row = holder
            row.uuid = current.record.uuid
            row.dateCreated = current.record.dateCreated
            row.userCreatedUUID = current.record.userCreatedUUID
            row.dateUpdated = now
            row.version = current.record.version + 1
            row.isDeleted = false
            let columns = PolicyHolder.sql.columns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")
            let values = Array(row.databaseValues.dropFirst()) + [row.uuid]
            try RegistrySQL.translatingErrors {
                try db.cachedStatement(sql: "UPDATE tblPolicyHolder SET \(columns) WHERE UUID = ?")
                    .execute(arguments: StatementArguments(values))
            }
            return Versioned(record: row, versionId: row.version)
        }
    }

    /// See `RegistryStore.deletePolicyHolder(uuid:)`.
    public func deletePolicyHolder(uuid: String) async throws -> Versioned<PolicyHolder> {
        let now = clock.now()
        return try await database.write { db in
            var row = try requireLivePolicyHolder(db, uuid: uuid, ifVersion: nil).record
            row.isDeleted = true
            row.version += 1
            row.dateUpdated = now
            try db.cachedStatement(sql: """
                UPDATE tblPolicyHolder SET isDeleted = 1, Version = ?, DateUpdated = ? WHERE UUID = ?
                """).execute(arguments: [row.version, now.databaseText, row.uuid])
            return Versioned(record: row, versionId: row.version)
        }
    }

    private func requireLivePolicyHolder(_ db: Database, uuid: String,
                                         ifVersion: Int?) throws -> Versioned<PolicyHolder> {
        guard let current = try RegistrySQL.byUUID(db, PolicyHolder.self, uuid) else {
            throw RegistryError.notFound(table: "tblPolicyHolder", key: uuid)
        }
        if let expected = ifVersion, expected != current.versionId {
            throw RegistryError.versionMismatch(expected: expected, actual: current.versionId)
        }
        return current
    }
}

import Foundation

/// Policy holders (`tblPolicyHolder`, a history-model table; reference §3.9).
extension StoreTransaction {
    /// Inserts a policy holder (version 1); `DateValidFrom` defaults to now.
    func insertPolicyHolder(_ holder: PolicyHolder, now: Date) async throws -> Versioned<PolicyHolder> {
        var row = holder
        if row.dateValidFrom == Date(timeIntervalSince1970: 0) { row.dateValidFrom = now }
        return try await insertHistory(row, now: now)
    }

    /// Writes `holder` over the live policy holder with its UUID as the next version.
    func updatePolicyHolder(_ holder: PolicyHolder, ifVersion: Int?, now: Date) async throws -> Versioned<PolicyHolder> {
        let current = try await requireLivePolicyHolder(uuid: holder.uuid, ifVersion: ifVersion)
        var row = holder
        row.uuid = current.record.uuid
        row.dateCreated = current.record.dateCreated
        row.userCreatedUUID = current.record.userCreatedUUID
        row.version = current.record.version
        row.isDeleted = false
        return try await updateHistory(row, now: now)
    }

    /// Marks the live policy holder deleted (`isDeleted`) as the next version.
    func deletePolicyHolder(uuid: String, now: Date) async throws -> Versioned<PolicyHolder> {
        var row = try await requireLivePolicyHolder(uuid: uuid, ifVersion: nil).record
        row.isDeleted = true
        return try await updateHistory(row, now: now)
    }

    /// The live policy holder with this UUID, locked until the transaction ends; `RegistryError.notFound` or
    /// `.versionMismatch`.
    func requireLivePolicyHolder(uuid: String, ifVersion: Int?) async throws -> Versioned<PolicyHolder> {
        guard let current = try await one(PolicyHolder.self, uuid: uuid, includeDeleted: false, forUpdate: true) else {
            throw RegistryError.notFound(table: "tblPolicyHolder", key: uuid)
        }
        if let expected = ifVersion, expected != current.versionId {
            throw RegistryError.versionMismatch(expected: expected, actual: current.versionId)
        }
        return current
    }
}

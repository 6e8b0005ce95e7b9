import Foundation
import GRDB

/// Lookups inside one read of the SQLite registry: one connection, one snapshot, no hop per query.
///
/// Get one from `SQLiteRegistryStore.read(_:)` to render a resource that needs several rows (an insuree, its
/// family, the village chain, the photo, the facility) for the price of a single database access.
public struct SQLiteRegistryReader {
    let db: Database

    init(_ db: Database) { self.db = db }

    static func mapped<R: VersionedRecord>(_ type: R.Type) throws -> any VersionedTableRecord.Type {
        guard let mapped = type as? any VersionedTableRecord.Type else {
            throw RegistryError.invalidValue("\(R.self) is not stored in SQLite")
        }
        return mapped
    }

    /// Casts a result computed on the opened type back to the caller's type (they are the same type).
    static func cast<R, S>(_ value: S, to: R.Type) -> R { value as! R }

    // MARK: Generic versioned tables

    /// See `RegistryStore.record(_:uuid:includeDeleted:)`.
    public func record<R: VersionedRecord>(_ type: R.Type, uuid: String,
                                           includeDeleted: Bool = false) throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) throws -> Versioned<R>? {
            try RegistrySQL.byUUID(db, s, uuid, includeDeleted: includeDeleted).map { Self.cast($0, to: Versioned<R>.self) }
        }
        return try run(Self.mapped(type))
    }

    /// See `RegistryStore.record(_:code:)`.
    public func record<R: VersionedRecord>(_ type: R.Type, code: String) throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) throws -> Versioned<R>? {
            try RegistrySQL.byCode(db, s, code).map { Self.cast($0, to: Versioned<R>.self) }
        }
        return try run(Self.mapped(type))
    }

    /// See `RegistryStore.record(_:id:)`.
    public func record<R: VersionedRecord>(_ type: R.Type, id: Int64) throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) throws -> Versioned<R>? {
            try RegistrySQL.byID(db, s, id).map { Self.cast($0, to: Versioned<R>.self) }
        }
        return try run(Self.mapped(type))
    }

    /// See `RegistryStore.page(_:_:)`.
    public func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery) throws -> SearchPage<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) throws -> SearchPage<R> {
            Self.cast(try RegistrySQL.page(db, s, conditions: [], arguments: [], query: query), to: SearchPage<R>.self)
        }
        return try run(Self.mapped(type))
    }

    /// See `RegistryStore.versions(_:id:)`.
    public func versions<R: VersionedRecord>(_ type: R.Type, id: Int64) throws -> [Versioned<R>] {
        func run<S: VersionedTableRecord>(_ s: S.Type) throws -> [Versioned<R>] {
            Self.cast(try RegistrySQL.versions(db, s, id: id), to: [Versioned<R>].self)
        }
        return try run(Self.mapped(type))
    }

    // MARK: Locations, facilities, staff

    /// See `RegistryStore.locationAncestors(id:)`.
    public func locationAncestors(id: Int64) throws -> [Location] {
        var chain: [Location] = []
        var next: Int64? = id
        while let current = next, chain.count < 8, let location = try RegistrySQL.byID(db, Location.self, current) {
            chain.append(location.record)
            next = location.record.parentID
        }
        return chain
    }

    /// See `RegistryStore.childLocations(parentID:)`.
    public func childLocations(parentID: Int64?) throws -> [Location] {
        let condition = parentID == nil ? "t.ParentLocationId IS NULL" : "t.ParentLocationId = ?"
        let arguments: StatementArguments = parentID.map { [$0] } ?? []
        return try RegistrySQL.all(db, Location.self, where: "\(condition) AND t.ValidityTo IS NULL", arguments,
                                   suffix: " ORDER BY t.LocationCode").map(\.record)
    }

    /// See `RegistryStore.claimAdministrators(healthFacilityID:)`.
    public func claimAdministrators(healthFacilityID: Int64) throws -> [Versioned<ClaimAdministrator>] {
        try RegistrySQL.all(db, ClaimAdministrator.self, where: "t.HFId = ? AND t.ValidityTo IS NULL",
                            [healthFacilityID], suffix: " ORDER BY t.ClaimAdminCode")
    }

    /// See `RegistryStore.referenceCodes(_:)`.
    public func referenceCodes(_ table: ReferenceTable) throws -> [ReferenceCode] {
        ReadRecorder.note(table.tableName, nil)
        let statement = try db.cachedStatement(sql: """
            SELECT CAST(\(table.codeColumn) AS TEXT), \(table.displayColumn), AltLanguage, SortOrder
            FROM \(table.tableName) ORDER BY SortOrder, \(table.codeColumn)
            """)
        return try Row.fetchAll(statement).map { row in
            ReferenceCode(code: row[0], display: row[1], altLanguage: row[2], sortOrder: row[3])
        }
    }

    // MARK: Policy holders

    /// See `RegistryStore.policyHolder(uuid:)`.
    public func policyHolder(uuid: String) throws -> Versioned<PolicyHolder>? {
        try RegistrySQL.byUUID(db, PolicyHolder.self, uuid)
    }

    /// See `RegistryStore.policyHolder(code:)`.
    public func policyHolder(code: String) throws -> Versioned<PolicyHolder>? {
        try RegistrySQL.byCode(db, PolicyHolder.self, code)
    }
}

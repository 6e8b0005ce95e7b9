import Foundation

/// The generic versioned-table methods of ``RegistryStore`` (reference §5.1), written once over the workflow
/// primitives (``StoreTransaction``) for every engine: point reads, pages, keyset searches, every version of a
/// row, and the versioned insert, update and delete.
extension RegistryStore where Self: WorkflowStore {
    /// See ``RegistryStore/record(_:uuid:includeDeleted:)``.
    public func record<R: VersionedRecord>(_ type: R.Type, uuid: String,
                                           includeDeleted: Bool = false) async throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R>? {
            try await workflowEngine.read { tx in
                try await tx.one(s, uuid: uuid, includeDeleted: includeDeleted, forUpdate: false)
            }.map { try RegistryTables.cast($0, to: Versioned<R>.self) }
        }
        return try await run(RegistryTables.mapped(type))
    }

    /// See ``RegistryStore/record(_:code:)``.
    public func record<R: VersionedRecord>(_ type: R.Type, code: String) async throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R>? {
            try await workflowEngine.read { tx in try await tx.one(s, code: code) }
                .map { try RegistryTables.cast($0, to: Versioned<R>.self) }
        }
        return try await run(RegistryTables.mapped(type))
    }

    /// See ``RegistryStore/record(_:id:)``.
    public func record<R: VersionedRecord>(_ type: R.Type, id: Int64) async throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R>? {
            try await workflowEngine.read { tx in try await tx.one(s, id: id, forUpdate: false) }
                .map { try RegistryTables.cast($0, to: Versioned<R>.self) }
        }
        return try await KeyedReadMemo.value(R.self, id: id) { try await run(RegistryTables.mapped(type)) }
    }

    /// See ``RegistryStore/page(_:_:)``.
    public func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery) async throws -> SearchPage<R> {
        try await page(type, query, where: [])
    }

    /// An offset page of the current rows matching `conditions`, in `_lastUpdated` order (`ValidityFrom`, then
    /// the key): the first `offset + count` rows of the keyset search, less the first `offset`.
    func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery,
                                  where conditions: [RowPredicate]) async throws -> SearchPage<R> {
        var predicates = conditions
        if let from = query.lastUpdatedFrom { predicates.append(.lastUpdated(.greaterOrEqual, from)) }
        if let before = query.lastUpdatedBefore { predicates.append(.lastUpdated(.less, before)) }
        let all = try await search(type, RowQuery(
            predicates: predicates, order: .lastUpdated(descending: query.descending),
            limit: max(0, query.offset) + max(0, query.count), countTotal: query.includeTotal))
        return SearchPage(items: Array(all.items.dropFirst(max(0, query.offset))), total: all.total)
    }

    /// See ``RegistryStore/search(_:_:)``. The engine's search primitive holds its fast paths (SQLite's folded
    /// name prefixes, see `FoldedPrefixSearch`).
    public func search<R: VersionedRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> RowPage<R> {
            try RegistryTables.cast(try await workflowEngine.read { tx in try await tx.search(s, query) }, to: RowPage<R>.self)
        }
        return try await run(RegistryTables.mapped(type))
    }

    /// See ``RegistryStore/versions(_:id:)``.
    public func versions<R: VersionedRecord>(_ type: R.Type, id: Int64) async throws -> [Versioned<R>] {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> [Versioned<R>] {
            try RegistryTables.cast(try await workflowEngine.read { tx in try await tx.versions(s, id: id) },
                                to: [Versioned<R>].self)
        }
        return try await run(RegistryTables.mapped(type))
    }

    /// See ``RegistryStore/insert(_:)``.
    public func insert<R: VersionedRecord>(_ record: R) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let row = try RegistryTables.cast(record, to: S.self)
            return try RegistryTables.cast(try await workflowEngine.write { tx, now in try await tx.insert(row, now: now) },
                                       to: Versioned<R>.self)
        }
        return try await run(RegistryTables.mapped(R.self))
    }

    /// See ``RegistryStore/update(_:ifVersion:)``.
    public func update<R: VersionedRecord>(_ record: R, ifVersion: Int? = nil) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let row = try RegistryTables.cast(record, to: S.self)
            return try RegistryTables.cast(try await workflowEngine.write { tx, now in
                try await tx.update(row, now: now, ifVersion: ifVersion)
            }, to: Versioned<R>.self)
        }
        return try await run(RegistryTables.mapped(R.self))
    }

    /// See ``RegistryStore/delete(_:id:auditUserID:)``.
    public func delete<R: VersionedRecord>(_ type: R.Type, id: Int64, auditUserID: Int64 = -1) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            try RegistryTables.cast(try await workflowEngine.write { tx, now in
                try await tx.delete(s, id: id, now: now, auditUserID: auditUserID)
            }, to: Versioned<R>.self)
        }
        return try await run(RegistryTables.mapped(type))
    }
}

/// The table mapping behind a public record type.
enum RegistryTables {
    /// The mapped type of `type` (every ``VersionedRecord`` of this module has one).
    static func mapped<R: VersionedRecord>(_ type: R.Type) throws -> any VersionedTableRecord.Type {
        guard let mapped = type as? any VersionedTableRecord.Type else {
            throw RegistryError.invalidValue("\(R.self) has no table mapping")
        }
        return mapped
    }

    /// Casts a result computed on the opened type back to the caller's type (they are the same type); a mismatch
    /// is an error of this module, thrown rather than trapped.
    static func cast<R, S>(_ value: S, to: R.Type) throws -> R {
        guard let cast = value as? R else { throw RegistryError.invalidValue("\(S.self) is not \(R.self)") }
        return cast
    }
}

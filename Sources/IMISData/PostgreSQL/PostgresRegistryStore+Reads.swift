import Foundation
import GRDB

/// The registry on PostgreSQL: the methods of `RegistryStore` are the workflows of `Workflows/Registry/`; this
/// engine keeps its keyset search (the search primitive) and two fast paths of the Patient render, which reads
/// the family with its head in one statement and the address chain in one recursive query.
extension PostgresRegistryStore: RegistryStore {
    /// A keyset page over the current rows of a mapped table (the semantics of the SQLite store's search).
    func keysetSearch<R: TableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        let table = try await database.table(R.sql)
        let catalog = try await database.catalog()
        if let page = try await namePage(R.self, query, table: table, catalog: catalog) { return page }
        var compiler = PostgresQueryCompiler(catalog: catalog, table: table)
        var terms = [table.current]
        for predicate in query.predicates { terms.append(try compiler.compile(predicate)) }
        let filter = compiler.statement
        let keyCast: (String) -> String
        let lastUpdated: String
        if case .lastUpdated = query.order {
            let from = try table.column("ValidityFrom")
            (lastUpdated, keyCast) = (from.instant("t"), { from.cast($0) })
        } else {
            // Byte order, as SQLite's: a locale's collation may skip the hyphens.
            (lastUpdated, keyCast) = ("", { "lower(\($0)) COLLATE \"C\"" })
        }
        let keyset = VersionedKeyset(query, lastUpdated: lastUpdated, uuid: "\(table.uuidText("t")) COLLATE \"C\"",
                                     id: "t.\(table.id.quoted)")
        func count() async throws -> Int {
            var statement = filter
            statement.sql = "SELECT COUNT(*) FROM \(table.name) t WHERE \(terms.joined(separator: " AND "))"
            return Int.fromDatabaseValue(try await database.scalar(statement)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: query.countTotal ? try await count() : nil, next: nil) }
        var statement = filter
        var pageTerms = terms
        if let past = keyset.past(query, { cursor in
            let key = keyCast(statement.bind(.text(cursor.key)))
            return (key, statement.bind(.integer(cursor.id)))
        }) { pageTerms.append(past) }
        let limit = statement.bind(.integer(Int64(query.limit + 1)))
        statement.sql = "\(table.select) WHERE \(pageTerms.joined(separator: " AND ")) ORDER BY \(keyset.order()) LIMIT \(limit)"
        let rows = try await database.rows(statement)
        let fetched = try table.decode(R.self, rows: rows)
        ReadRecorder.note(R.sql.table, nil)
        let counted = RowPage<R>.needsCount(fetched: fetched.count, query: query) ? try await count() : nil
        return RowPage.keyset(fetched, query: query, backward: keyset.backward, counted: counted)
    }

    /// See ``RegistryStore/readsWaitOnServer``.
    public var readsWaitOnServer: Bool { true }

    // MARK: Fast paths

    /// See `RegistryStore.insureeSurroundings(_:addressLocation:)`: the family with its head (one statement),
    /// the address chain (one recursive statement), then the photo and facility by key.
    public func insureeSurroundings(
        _ insuree: Insuree, addressLocation: @Sendable (Insuree, Family?) -> Int64?
    ) async throws -> InsureeSurroundings {
        var result = InsureeSurroundings()
        if let familyID = insuree.familyID, let (family, head) = try await familyAndHead(familyID: familyID) {
            result.family = family.record
            result.familyHead = family.record.headInsureeID == insuree.id ? insuree : head?.record
        }
        if let locationID = addressLocation(insuree, result.family) {
            result.addressLocations = try await locationAncestors(id: locationID)
        }
        if let photoID = insuree.photoID, let photo = try await one(InsureePhoto.self, id: photoID)?.record,
           photo.insureeID == insuree.id {
            result.photo = photo
        }
        if let hfID = insuree.hfID {
            result.healthFacility = try await KeyedReadMemo.value(HealthFacility.self, id: hfID) {
                try await one(HealthFacility.self, id: hfID)
            }?.record
        }
        return result
    }

    /// A current family and its current head, in one statement.
    func familyAndHead(familyID: Int64) async throws -> (Versioned<Family>, Versioned<Insuree>?)? {
        try await KeyedReadMemo.value(MemoizedRead.FamilyAndHead.self, id: familyID) {
            try await readFamilyAndHead(familyID: familyID)
        }
    }

    /// The family and head of `familyAndHead(familyID:)`, read.
    func readFamilyAndHead(familyID: Int64) async throws -> (Versioned<Family>, Versioned<Insuree>?)? {
        let families = try await database.table(Family.sql)
        let insurees = try await database.table(Insuree.sql)
        let headColumn = try families.column("InsureeID")
        var statement = PGStatement()
        statement.sql = """
            SELECT \(families.list("t")), \(insurees.list("h")) FROM \(families.name) t
            LEFT JOIN \(insurees.name) h ON h.\(insurees.id.quoted) = t.\(headColumn.quoted) AND \(insurees.current("h"))
            WHERE t.\(families.id.quoted) = \(statement.bind(.integer(familyID))) AND \(families.current) LIMIT 1
            """
        guard let row = try await database.rows(statement).first else { return nil }
        let values = try IMISPostgres.values(row)
        let split = Family.sql.columns.count + 1
        guard let family = try families.decode(Family.self, [Array(values[..<split])]).first else { return nil }
        ReadRecorder.note(Family.sql.table, family.record.id)
        let headValues = Array(values[split...])
        guard let headID = headValues.first, !headID.isNull else { return (family, nil) }
        let head = try insurees.decode(Insuree.self, [headValues]).first
        ReadRecorder.note(Insuree.sql.table, head?.record.id)
        return (family, head)
    }

    /// The location and its parents up to the region, in one round trip (a recursive query), at most 8 levels.
    public func locationAncestors(id: Int64) async throws -> [Location] {
        try await KeyedReadMemo.value(MemoizedRead.LocationAncestors.self, id: id) { try await ancestors(id: id) }
    }

    /// The chain of `locationAncestors(id:)`, read.
    func ancestors(id: Int64) async throws -> [Location] {
        try await fetch(Location.self, byKeys: true) { table, statement in
            let parent = try table.column("ParentLocationId")
            let start = statement.bind(.integer(id))
            let key = table.id.quoted
            let prefix = """
                WITH RECURSIVE chain(id, depth) AS (
                  SELECT CAST(\(start) AS bigint), 0
                  UNION ALL
                  SELECT CAST(t.\(parent.quoted) AS bigint), c.depth + 1 FROM chain c JOIN \(table.name) t ON t.\(key) = c.id
                  WHERE \(table.current) AND t.\(parent.quoted) IS NOT NULL AND c.depth < 7
                )
                """
            return (prefix, "JOIN chain c ON t.\(key) = c.id WHERE \(table.current) ORDER BY c.depth")
        }.map(\.record)
    }
}

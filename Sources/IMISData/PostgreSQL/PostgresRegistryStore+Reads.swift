import Foundation
import GRDB

extension PostgresRegistryStore: RegistryStore {
    // MARK: Generic versioned tables

    public func record<R: VersionedRecord>(_ type: R.Type, uuid: String, includeDeleted: Bool) async throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R>? {
            try await one(s, uuid: uuid, includeDeleted: includeDeleted).map { Self.cast($0, to: Versioned<R>.self) }
        }
        return try await run(Self.mapped(type))
    }

    public func record<R: VersionedRecord>(_ type: R.Type, code: String) async throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R>? {
            try await one(s, code: code).map { Self.cast($0, to: Versioned<R>.self) }
        }
        return try await run(Self.mapped(type))
    }

    public func record<R: VersionedRecord>(_ type: R.Type, id: Int64) async throws -> Versioned<R>? {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R>? {
            try await one(s, id: id).map { Self.cast($0, to: Versioned<R>.self) }
        }
        return try await run(Self.mapped(type))
    }

    public func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery) async throws -> SearchPage<R> {
        try await page(type, query, predicates: [])
    }

    /// An offset page of the current rows matching `predicates`, in `_lastUpdated` order.
    func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery, predicates given: [RowPredicate]) async throws -> SearchPage<R> {
        var predicates = given
        if let from = query.lastUpdatedFrom { predicates.append(.lastUpdated(.greaterOrEqual, from)) }
        if let before = query.lastUpdatedBefore { predicates.append(.lastUpdated(.less, before)) }
        let all = try await search(type, RowQuery(
            predicates: predicates, order: .lastUpdated(descending: query.descending),
            limit: max(0, query.offset) + max(0, query.count), countTotal: query.includeTotal))
        return SearchPage(items: Array(all.items.dropFirst(max(0, query.offset))), total: all.total)
    }

    public func search<R: VersionedRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> RowPage<R> {
            Self.cast(try await keysetSearch(s, query), to: RowPage<R>.self)
        }
        return try await run(Self.mapped(type))
    }

    /// A keyset page over the current rows of a mapped table (the semantics of the SQLite store's search).
    func keysetSearch<R: TableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        let table = try await database.table(R.sql)
        let catalog = try await database.catalog()
        var compiler = PostgresQueryCompiler(catalog: catalog, table: table)
        var terms = [table.current]
        for predicate in query.predicates { terms.append(try compiler.compile(predicate)) }
        let filter = compiler.statement
        let id = "t.\(table.id.quoted)"
        let keyColumn: String
        let descending: Bool
        let keyCast: (String) -> String
        switch query.order {
        case .lastUpdated(let d):
            let from = try table.column("ValidityFrom")
            keyColumn = from.instant("t")
            keyCast = { from.cast($0) }
            descending = d
        case .uuid(let d):
            // Byte order, as SQLite's: a locale's collation may skip the hyphens.
            keyColumn = "lower(t.\(table.uuid.quoted)) COLLATE \"C\""
            keyCast = { "lower(\($0)) COLLATE \"C\"" }
            descending = d
        }
        func count() async throws -> Int {
            var statement = filter
            statement.sql = "SELECT COUNT(*) FROM \(table.name) t WHERE \(terms.joined(separator: " AND "))"
            return Int.fromDatabaseValue(try await database.scalar(statement)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: query.countTotal ? try await count() : nil, next: nil) }
        var statement = filter
        var pageTerms = terms
        let backward = query.before != nil && query.after == nil
        if let cursor = query.after ?? query.before {
            let op = (descending != backward) ? "<" : ">"
            let key = keyCast(statement.bind(.text(cursor.key)))
            let rowID = statement.bind(.integer(cursor.id))
            pageTerms.append("(\(keyColumn) \(op) \(key) OR (\(keyColumn) = \(key) AND \(id) \(op) \(rowID)))")
        }
        let direction = (descending != backward) ? "DESC" : "ASC"
        let limit = statement.bind(.integer(Int64(query.limit + 1)))
        statement.sql = "\(table.select) WHERE \(pageTerms.joined(separator: " AND ")) ORDER BY \(keyColumn) \(direction), \(id) \(direction) LIMIT \(limit)"
        let rows = try await database.rows(statement)
        let fetched = try table.decode(R.self, rows: rows)
        ReadRecorder.note(R.sql.table, nil)
        let counted = RowPage<R>.needsCount(fetched: fetched.count, query: query) ? try await count() : nil
        return RowPage.keyset(fetched, query: query, backward: backward, counted: counted)
    }

    public func versions<R: VersionedRecord>(_ type: R.Type, id: Int64) async throws -> [Versioned<R>] {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> [Versioned<R>] {
            let history = try await fetch(s) { table, statement in
                guard let legacy = table.legacy else { return "WHERE FALSE" }
                return "WHERE t.\(legacy.quoted) = \(statement.bind(.integer(id))) ORDER BY t.\(table.id.quoted)"
            }
            guard let head = try await first(s, { table, statement in
                "WHERE t.\(table.id.quoted) = \(statement.bind(.integer(id)))"
                    + (table.legacy.map { " AND t.\($0.quoted) IS NULL" } ?? "")
            }) else { return [] }
            let rows = history.map(\.record) + [head.record]
            return rows.enumerated().map { Self.cast(Versioned(record: $1, versionId: $0 + 1), to: Versioned<R>.self) }
        }
        return try await run(Self.mapped(type))
    }

    // MARK: Insurees and families

    public func insuree(chfid: String) async throws -> Versioned<Insuree>? {
        try await one(Insuree.self, code: chfid)
    }

    public func searchInsurees(_ query: InsureeQuery) async throws -> SearchPage<Insuree> {
        var predicates: [RowPredicate] = []
        if let chfid = query.chfid { predicates.append(.compare("CHFID", .equal, .text(chfid))) }
        if let uuids = query.uuids { predicates.append(.or(uuids.map { .uuidEquals($0) })) }
        if let name = query.name {
            predicates.append(.or([.foldedStartsWith("LastName", name), .foldedStartsWith("OtherNames", name)]))
        }
        if let family = query.family { predicates.append(.foldedStartsWith("LastName", family)) }
        if let given = query.given { predicates.append(.foldedStartsWith("OtherNames", given)) }
        if let gender = query.gender { predicates.append(.compare("Gender", .equal, gender.map { .text($0) } ?? .null)) }
        if let from = query.birthDateFrom { predicates.append(.compare("DOB", .greaterOrEqual, .text(from.databaseText))) }
        if let to = query.birthDateTo { predicates.append(.compare("DOB", .lessOrEqual, .text(to.databaseText))) }
        if let familyID = query.familyID { predicates.append(.compare("FamilyID", .equal, .integer(familyID))) }
        if let phone = query.phone { predicates.append(.compare("Phone", .equal, .text(phone))) }
        if let email = query.email { predicates.append(.equalsIgnoringCase("Email", email)) }
        return try await page(Insuree.self, query.page, predicates: predicates)
    }

    public func familyMembers(familyID: Int64) async throws -> [Versioned<Insuree>] {
        try await all(Insuree.self, "FamilyID", .integer(familyID), order: [("IsHead", true), ("InsureeID", false)])
    }

    public func family(headCHFID: String) async throws -> Versioned<Family>? {
        guard let head = try await insuree(chfid: headCHFID), let headID = head.record.id else { return nil }
        return try await first(Family.self) { table, statement in
            "WHERE t.\(try table.column("InsureeID").quoted) = \(statement.bind(.integer(headID))) AND \(table.current)"
        }
    }

    public func photos(insureeID: Int64) async throws -> [InsureePhoto] {
        try await all(InsureePhoto.self, "InsureeID", .integer(insureeID), order: [("PhotoDate", true), ("PhotoID", true)])
            .map(\.record)
    }

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
            result.healthFacility = try await one(HealthFacility.self, id: hfID)?.record
        }
        return result
    }

    /// A current family and its current head, in one statement.
    func familyAndHead(familyID: Int64) async throws -> (Versioned<Family>, Versioned<Insuree>?)? {
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

    // MARK: Locations, facilities, staff

    /// The location and its parents up to the region, in one round trip (a recursive query), at most 8 levels.
    public func locationAncestors(id: Int64) async throws -> [Location] {
        try await fetch(Location.self) { table, statement in
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

    public func childLocations(parentID: Int64?) async throws -> [Location] {
        try await fetch(Location.self) { table, statement in
            let parent = try table.column("ParentLocationId")
            let condition = parentID.map { "t.\(parent.quoted) = \(statement.bind(.integer($0)))" } ?? "t.\(parent.quoted) IS NULL"
            return "WHERE \(condition) AND \(table.current) ORDER BY t.\(try table.column("LocationCode").quoted)"
        }.map(\.record)
    }

    public func claimAdministrators(healthFacilityID: Int64) async throws -> [Versioned<ClaimAdministrator>] {
        try await all(ClaimAdministrator.self, "HFId", .integer(healthFacilityID), order: [("ClaimAdminCode", false)])
    }

    // MARK: Policy holders

    public func policyHolder(uuid: String) async throws -> Versioned<PolicyHolder>? {
        try await one(PolicyHolder.self, uuid: uuid)
    }

    public func policyHolder(uuid: String, includeDeleted: Bool) async throws -> Versioned<PolicyHolder>? {
        try await one(PolicyHolder.self, uuid: uuid, includeDeleted: includeDeleted)
    }

    public func policyHolder(code: String) async throws -> Versioned<PolicyHolder>? {
        try await one(PolicyHolder.self, code: code)
    }

    // MARK: Reference data

    public func referenceCodes(_ table: ReferenceTable) async throws -> [ReferenceCode] {
        let catalog = try await database.catalog()
        guard let name = catalog.tableName(table.tableName),
              let code = catalog.column(name, table.codeColumn), let display = catalog.column(name, table.displayColumn)
        else { return [] }
        let alt = catalog.column(name, "AltLanguage").map { "t.\($0.quoted)" } ?? "NULL"
        let order = catalog.column(name, "SortOrder").map { "t.\($0.quoted)" } ?? "NULL"
        let rows = try await database.rows(PGStatement("""
            SELECT t.\(code.quoted)::text, t.\(display.quoted)::text, \(alt)::text, (\(order))::bigint
            FROM \(PGSQL.quote(name)) t ORDER BY 4, 1
            """))
        return try rows.map { row in
            let values = try IMISPostgres.values(row)
            return ReferenceCode(code: String.fromDatabaseValue(values[0]) ?? "", display: String.fromDatabaseValue(values[1]) ?? "",
                                 altLanguage: String.fromDatabaseValue(values[2]), sortOrder: Int.fromDatabaseValue(values[3]))
        }
    }

    // MARK: Writes (see PostgresRegistryStore+Writes.swift)

    public func insert<R: VersionedRecord>(_ record: R) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let row = record as! S
            let now = clock.now()
            return Self.cast(try await database.transaction { try await insertRow(row, now: now) }, to: Versioned<R>.self)
        }
        return try await run(Self.mapped(R.self))
    }

    public func update<R: VersionedRecord>(_ record: R, ifVersion: Int?) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let row = record as! S
            let now = clock.now()
            return Self.cast(try await database.transaction { try await updateRow(row, now: now, ifVersion: ifVersion) },
                             to: Versioned<R>.self)
        }
        return try await run(Self.mapped(R.self))
    }

    public func delete<R: VersionedRecord>(_ type: R.Type, id: Int64, auditUserID: Int64) async throws -> Versioned<R> {
        func run<S: VersionedTableRecord>(_ s: S.Type) async throws -> Versioned<R> {
            let now = clock.now()
            return Self.cast(try await database.transaction { try await deleteRow(s, id: id, now: now, auditUserID: auditUserID) },
                             to: Versioned<R>.self)
        }
        return try await run(Self.mapped(type))
    }

    public func createFamily(_ family: Family, head: Insuree) async throws -> CreatedFamily {
        let now = clock.now()
        return try await database.transaction {
            var head = head
            head.isHead = true
            head.familyID = nil
            var insertedHead = try await insertRow(head, now: now)
            guard let headID = insertedHead.record.id else { throw RegistryError.invalidValue("InsureeID") }
            var family = family
            family.headInsureeID = headID
            let insertedFamily = try await insertRow(family, now: now)
            let table = try await database.table(Insuree.sql)
            var statement = PGStatement()
            statement.sql = """
                UPDATE \(table.name) SET \(try table.column("FamilyID").quoted) = \(statement.bind(.integer(insertedFamily.record.id ?? 0)))
                WHERE \(table.id.quoted) = \(statement.bind(.integer(headID)))
                """
            try await database.execute(statement)
            insertedHead.record.familyID = insertedFamily.record.id
            return CreatedFamily(family: insertedFamily, head: insertedHead)
        }
    }

    public func saveFamily(_ family: Family, members: [Int64], headID: Int64, ifVersion: Int?) async throws -> Versioned<Family> {
        let now = clock.now()
        return try await database.transaction {
            var row = family
            row.headInsureeID = headID
            let saved = row.id == nil ? try await insertRow(row, now: now) : try await updateRow(row, now: now, ifVersion: ifVersion)
            guard let familyID = saved.record.id else { throw RegistryError.invalidValue("FamilyID") }
            for memberID in members {
                guard var insuree = try await one(Insuree.self, id: memberID)?.record else {
                    throw RegistryError.invalidReference("insuree \(memberID) is not current")
                }
                let isHead = memberID == headID
                if insuree.familyID == familyID && insuree.isHead == isHead { continue }
                insuree.familyID = familyID
                insuree.isHead = isHead
                _ = try await updateRow(insuree, now: now, ifVersion: nil)
            }
            return saved
        }
    }

    public func insertPhoto(_ photo: InsureePhoto) async throws -> InsureePhoto {
        var row = photo
        guard let uuid = RowUUID.normalized(row.uuid) else { throw RegistryError.invalidValue("PhotoUUID") }
        row.uuid = uuid
        row.validityFrom = clock.now()
        let id = try await insertValues(InsureePhoto.sql, row.databaseValues, includeKey: row.id != nil)
        row.id = row.id ?? id
        return row
    }

}

import Foundation
import GRDB

extension SyntheticData {
    /// Generates `families` families into a PostgreSQL database, the same rows the SQLite load makes for the same
    /// seed on the same starting keys (the same ``FamilyGenerator``). Each batch of families and their insurees goes
    /// in with `COPY ... FROM STDIN`, in a transaction of its own; the next batch is generated while the database
    /// stores the current one. `progress` is called after each batch with (families done, total).
    @discardableResult
    public static func generate(families: Int, seed: UInt64, into database: IMISPostgres, clock: RegistryClock = .system,
                                batchSize: Int = 25_000, insurance: Bool = false,
                                progress: ((Int, Int) -> Void)? = nil) async throws -> SyntheticLoadSummary {
        let started = Date()
        let now = clock.now()
        let villages = try await database.transaction { try await ensureVillages(database, now: now) }
        var generator = FamilyGenerator(seed: seed, villages: villages, now: now)
        (generator.nextInsureeID, generator.nextFamilyID) = try await nextIDs(database)
        let catalog = try await database.catalog()
        var empty = SyntheticBatch(families: try PGCopyRows(Family.sql, catalog: catalog),
                                   insurees: try PGCopyRows(Insuree.sql, catalog: catalog))
        if insurance {
            generator.insurance = try await startInsurance(database, seed: seed, now: now)
            empty.insurance = try SyntheticInsuranceCopy(catalog: catalog)
        }
        let size = max(1, batchSize)

        var done = 0
        var insurees = 0
        var batch = empty.filled(count: min(size, families), generator: &generator)
        while batch.familyCount > 0 {
            // The next batch is made on another core while this one is stored.
            let following = min(size, families - done - batch.familyCount)
            let snapshot = generator
            async let next: (SyntheticBatch, FamilyGenerator) = {
                var generator = snapshot
                let made = empty.filled(count: following, generator: &generator)
                return (made, generator)
            }()
            try await database.transaction {
                try await database.copy(batch.families)
                try await database.copy(batch.insurees)
                if let insurance = batch.insurance {
                    for rows in [insurance.policies, insurance.members, insurance.premiums, insurance.claims, insurance.lines] {
                        try await database.copy(rows)
                    }
                }
            }
            done += batch.familyCount
            insurees += batch.insurees.count
            progress?(done, families)
            (batch, generator) = await next
        }
        try await database.advanceKeySequence(Family.sql)
        try await database.advanceKeySequence(Insuree.sql)
        for sql in [Family.sql, Insuree.sql] {
            try await database.execute(PGStatement("ANALYZE \(try await database.table(sql).name)"))
        }
        var summary = SyntheticLoadSummary(families: done, insurees: insurees, seconds: Date().timeIntervalSince(started))
        if let insured = generator.insurance {
            for (table, column) in SyntheticInsurance.keyColumns {
                try await database.advanceKeySequence(table: table, column: column)
                if let name = try await database.catalog().tableName(table) {
                    try await database.execute(PGStatement("ANALYZE \(PGSQL.quote(name))"))
                }
            }
            summary.policies = insured.families
            summary.claims = insured.families / SyntheticInsurance.claimEvery
        }
        return summary
    }

    /// The insurance generator over the demo dataset's keys, its next keys after the tables' largest.
    static func startInsurance(_ database: IMISPostgres, seed: UInt64, now: Date) async throws -> SyntheticInsurance {
        let store = PostgresRegistryStore(database: database)
        typealias U = DemoDataset.UUIDs
        var found: [Int64?] = []
        found.append(try await store.record(Product.self, uuid: U.productRX01)?.record.id)
        found.append(try await store.record(EnrolmentOfficer.self, uuid: U.jebRoberts)?.record.id)
        found.append(try await store.record(HealthFacility.self, uuid: U.raptaDistrictHospital)?.record.id)
        found.append(try await store.record(ClaimAdministrator.self, uuid: U.rushilaDani)?.record.id)
        found.append(try await store.record(Diagnosis.self, uuid: U.diagnosisG44)?.record.id)
        found.append(try await store.record(MedicalService.self, uuid: U.generalConsultation)?.record.id)
        var insurance = SyntheticInsurance(keys: try SyntheticInsuranceKeys(found), seed: seed, now: now)
        var largest: [Int64] = []
        for (table, column) in SyntheticInsurance.keyColumns {
            largest.append(try await database.largestKey(table: table, column: column))
        }
        insurance.start(after: largest)
        return insurance
    }

    /// The next free keys of insurees and families.
    static func nextIDs(_ database: IMISPostgres) async throws -> (Int64, Int64) {
        func next(_ sql: TableSQL) async throws -> Int64 {
            let table = try await database.table(sql)
            let value = try await database.scalar(PGStatement("SELECT COALESCE(MAX(\(table.id.quoted)), 0) + 1 FROM \(table.name)"))
            return Int64.fromDatabaseValue(value) ?? 1
        }
        return (try await next(Insuree.sql), try await next(Family.sql))
    }

    /// The synthetic villages, created (with fixed UUIDs) when missing; inside the caller's transaction.
    static func ensureVillages(_ database: IMISPostgres, now: Date) async throws -> [Int64] {
        let table = try await database.table(Location.sql)
        let code = try table.column("LocationCode"), type = try table.column("LocationType")
        let rows = try await database.rows(PGStatement("""
            SELECT t.\(table.id.quoted), t.\(code.quoted)::text FROM \(table.name) t
            WHERE t.\(type.quoted)::text = 'V' AND t.\(code.quoted)::text ~ '^S[0-9]D[0-9]W[0-9]V[0-9]$' AND \(table.current)
            """))
        let existing = try rows.map { try IMISPostgres.values($0) }
            .map { (Int64.fromDatabaseValue($0[0]) ?? 0, String.fromDatabaseValue($0[1]) ?? "") }
        if !existing.isEmpty { return existing.sorted { $0.1 < $1.1 }.map(\.0) }
        let store = PostgresRegistryStore(database: database)
        var ids: [Int64] = []
        for place in SyntheticPlace.all {
            let location = place.location(parentID: place.parent.map { ids[$0] })
            ids.append(try await PostgresTransaction(store: store).insert(location, now: now).record.id!)
        }
        return SyntheticPlace.villages(of: ids)
    }
}

/// One batch of synthetic families and their insurees, encoded for `COPY`.
struct SyntheticBatch: Sendable {
    var families: PGCopyRows
    var insurees: PGCopyRows
    /// The families' policies, memberships, contributions and claims, when the load makes them.
    var insurance: SyntheticInsuranceCopy?
    var familyCount: Int { families.count }

    /// A copy of this (empty) batch with `count` more families from `generator`.
    func filled(count: Int, generator: inout FamilyGenerator) -> SyntheticBatch {
        var batch = self
        batch.families.removeAll()
        batch.insurees.removeAll()
        batch.insurance?.removeAll()
        for _ in 0..<max(0, count) {
            let (family, members) = generator.makeFamily()
            batch.families.append(family.databaseValues)
            for member in members { batch.insurees.append(member.databaseValues) }
            if var insurance = generator.insurance {
                batch.insurance?.append(insurance.rows(family: family, members: members))
                generator.insurance = insurance
            }
        }
        return batch
    }
}

/// A batch's insurance rows, encoded for `COPY`.
struct SyntheticInsuranceCopy: Sendable {
    var policies: PGCopyRows
    var members: PGCopyRows
    var premiums: PGCopyRows
    var claims: PGCopyRows
    var lines: PGCopyRows

    init(catalog: PostgresCatalog) throws {
        policies = try PGCopyRows(Policy.sql, catalog: catalog)
        members = try PGCopyRows(table: InsureePolicy.table.table, columns: InsureePolicy.table.columns, catalog: catalog)
        premiums = try PGCopyRows(Premium.sql, catalog: catalog)
        claims = try PGCopyRows(Claim.sql, catalog: catalog)
        let service = ClaimLine.table(.service)
        lines = try PGCopyRows(table: service.table, columns: service.columns, catalog: catalog)
    }

    mutating func removeAll() {
        policies.removeAll(); members.removeAll(); premiums.removeAll(); claims.removeAll(); lines.removeAll()
    }

    /// One family's rows.
    mutating func append(_ rows: SyntheticInsurance.Rows) {
        policies.append(rows.policy.databaseValues)
        for member in rows.members { members.append(member.databaseValues) }
        premiums.append(rows.premium.databaseValues)
        if let claim = rows.claim, let line = rows.line {
            claims.append(claim.databaseValues)
            lines.append(line.databaseValues)
        }
    }
}

import FHIRModels
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import FHIRServer
@testable import IMISData

/// Name searches (`name`, `family`, `given`: a case- and accent-insensitive prefix of any name part) over
/// thousands of insurees, on both engines (PostgreSQL with `IMIS_TEST_BACKEND=postgresql`): every page in
/// `_lastUpdated` order, each match once, the previous links walking back through the same pages, and the total as
/// `_total` asks: exact when asked for (`accurate`, `estimate`), exact up to ``RowQuery/defaultTotalLimit``
/// matches and left out past it when not asked.
@Suite struct NameSearchTests {
    /// The demo world, 2,000 synthetic families (about 6,600 insurees, so that a one-letter prefix matches more than
    /// the total limit) with every seventh insuree updated an hour later (last updates differ, ties included),
    /// the application over it and every current insuree. `dropNameIndexes`: on PostgreSQL, the database lacks the
    /// name search indexes (a database served with `--migrate=false` that was never migrated by this version).
    /// `zoned`: on PostgreSQL, `tblInsuree`'s validity columns are `timestamp with time zone`, as openIMIS's own
    /// databases declare them.
    func application(dropNameIndexes: Bool = false, zoned: Bool = false) async throws
        -> (some ApplicationProtocol, [Insuree])
    {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(demoInstant))
        try SyntheticData.generate(families: 2_000, seed: 5, into: database, clock: .fixed(demoInstant))
        let later = SQLiteRegistryStore(database: database, clock: .fixed(demoInstant.addingTimeInterval(3600)))
        let updated = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL AND InsureeID % 7 = 0")
        }
        for id in updated {
            var row = try #require(try await later.record(Insuree.self, id: id)).record
            row.email = "n\(id)@example.org"
            _ = try await later.update(row)
        }
        var environment = testEnvironment(database: database, logger: quietLogger)
        if TestPostgres.isBackend {
            let lease = try await demoPostgres(copying: database)
            if zoned {
                for statement in [
                    "DROP INDEX imisfhir_tblinsuree_lastupdated", "DROP INDEX imisfhir_tblinsuree_lastname_order",
                    "DROP INDEX imisfhir_tblinsuree_othernames_order",
                    """
                    ALTER TABLE "tblInsuree" ALTER COLUMN "ValidityFrom" TYPE timestamptz USING "ValidityFrom" AT TIME ZONE 'UTC', \
                    ALTER COLUMN "ValidityTo" TYPE timestamptz USING "ValidityTo" AT TIME ZONE 'UTC'
                    """,
                ] {
                    _ = try await lease.database.execute(PGStatement(statement))
                }
                lease.database.resetCatalog()
                try await lease.database.migrate()
                // The name search indexes are back, over the zoned column.
                #expect(try await lease.database.catalog().indexes.contains("imisfhir_tblinsuree_lastname_order"))
            }
            if dropNameIndexes {
                for index in ["imisfhir_tblinsuree_lastname_order", "imisfhir_tblinsuree_othernames_order"] {
                    _ = try await lease.database.execute(PGStatement("DROP INDEX \(index)"))
                }
                // As a server starting on that database sees it.
                lease.database.resetCatalog()
            }
            environment = ApplicationEnvironment(
                configuration: ServerConfiguration(), storage: .postgres(lease.database),
                auth: testAuth(.postgres(lease.database)), logger: quietLogger)
            environment.services = [lease]
        }
        let insurees = try await SQLiteRegistryStore(database: database)
            .search(Insuree.self, RowQuery(limit: 20_000)).items.map(\.record)
        #expect(insurees.count > 6_000)
        return (buildApplication(environment), insurees)
    }

    /// The UUIDs of the insurees whose folded family (`family`), given (`given`) or either name (`name`) starts
    /// with the folded `prefix`, in `_lastUpdated` order (then by key), as the search must page them.
    func expected(_ insurees: [Insuree], _ parameter: String, _ prefix: String, descending: Bool = false) -> [String] {
        let folded = NameFolding.fold(prefix)
        func starts(_ name: String) -> Bool { NameFolding.fold(name).hasPrefix(folded) }
        let matches = insurees.filter { row in
            switch parameter {
            case "family": return starts(row.lastName)
            case "given": return starts(row.otherNames)
            default: return starts(row.lastName) || starts(row.otherNames)
            }
        }
        let ordered = matches.sorted { a, b in
            a.validityFrom != b.validityFrom ? a.validityFrom < b.validityFrom : (a.id ?? 0) < (b.id ?? 0)
        }
        return (descending ? ordered.reversed() : ordered).map(\.uuid)
    }

    /// GET `uri`: the entries' ids, the total, and the next and previous links (as paths).
    func page(_ client: some TestClientProtocol, _ uri: String) async throws
        -> (ids: [String], total: String?, next: String?, previous: String?)
    {
        try await client.fhir(uri: uri, method: .get) { response in
            #expect(response.status == .ok, "\(uri)")
            let body = fhirBody(response)
            return (entryIDs(body), body["total"]?.number, bundleLink(body, "next"), bundleLink(body, "previous"))
        }
    }

    /// Walks every page of `query` forward, then back from the last page; the pages forward, the pages backward
    /// (in the order they were read) and every total seen.
    func walk(_ client: some TestClientProtocol, _ query: String) async throws
        -> (forward: [[String]], backward: [[String]], totals: [String?])
    {
        var forward: [[String]] = [], backward: [[String]] = [], totals: [String?] = []
        var current = try await page(client, "/fhir/Patient?\(query)")
        forward.append(current.ids)
        totals.append(current.total)
        while let next = current.next, forward.count < 400 {
            current = try await page(client, next)
            forward.append(current.ids)
            totals.append(current.total)
        }
        while let previous = current.previous, backward.count < 400 {
            current = try await page(client, previous)
            backward.append(current.ids)
            totals.append(current.total)
        }
        return (forward, backward, totals)
    }

    @Test(arguments: TestPostgres.isBackend ? [false, true] : [false])
    func everyPageInLastUpdatedOrderEachMatchOnceAndBackThroughTheSamePages(zoned: Bool) async throws {
        let (app, insurees) = try await application(zoned: zoned)
        try await app.test(.router) { client in
            for (parameter, prefix, descending) in [("name", "mwa", false), ("family", "MÜ", true), ("given", "jo", false),
                                                    ("name", "Sø", true), ("family", "zzz", false)] {
                let sort = descending ? "&_sort=-_lastUpdated" : ""
                let want = expected(insurees, parameter, prefix, descending: descending)
                let encoded = prefix.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? prefix
                let walked = try await walk(client, "\(parameter)=\(encoded)&_count=13\(sort)")
                #expect(walked.forward.flatMap { $0 } == want, "\(parameter)=\(prefix)")
                #expect(walked.forward.dropLast().allSatisfy { $0.count == 13 })
                #expect(Array(walked.backward.reversed().flatMap { $0 }) == want.dropLast(walked.forward.last?.count ?? 0).map { $0 })
                #expect(walked.totals.allSatisfy { $0 == String(want.count) }, "\(parameter)=\(prefix) \(walked.totals)")
            }
        }
    }

    @Test func theTotalIsExactWhenAskedForAndLeftOutPastTheLimitWhenNot() async throws {
        let (app, insurees) = try await application()
        let many = expected(insurees, "name", "m").count
        let few = expected(insurees, "name", "mwa").count
        #expect(many > RowQuery.defaultTotalLimit && few > 20 && few <= RowQuery.defaultTotalLimit)
        try await app.test(.router) { client in
            // Not asked: past the limit there is no total, but the pages go on.
            let unasked = try await page(client, "/fhir/Patient?name=m")
            #expect(unasked.total == nil && unasked.ids.count == 20 && unasked.next != nil)
            let second = try await page(client, try #require(unasked.next))
            #expect(second.total == nil && second.ids.count == 20)
            // Asked for: exact, on the next pages too.
            for mode in ["accurate", "estimate"] {
                let asked = try await page(client, "/fhir/Patient?name=m&_total=\(mode)")
                #expect(asked.total == String(many), "\(mode)")
                let next = try await page(client, try #require(asked.next))
                #expect(next.total == String(many), "\(mode)")
            }
            #expect(try await page(client, "/fhir/Patient?name=m&_total=none").total == nil)
            #expect(try await page(client, "/fhir/Patient?name=m&_summary=count").total == String(many))
            // Within the limit the total is there unasked, past the first page too (where it is counted).
            let within = try await page(client, "/fhir/Patient?name=mwa")
            #expect(within.total == String(few))
            #expect(try await page(client, try #require(within.next)).total == String(few))
        }
    }

    /// On SQLite the indexes are always there (the server migrates its own file), and the search is the same.
    @Test func withoutTheNameIndexesTheAnswersAreTheSame() async throws {
        let (app, insurees) = try await application(dropNameIndexes: true)
        try await app.test(.router) { client in
            for (parameter, prefix) in [("name", "mwa"), ("family", "ok"), ("given", "am")] {
                let walked = try await walk(client, "\(parameter)=\(prefix)&_count=50&_total=accurate")
                let want = expected(insurees, parameter, prefix)
                #expect(walked.forward.flatMap { $0 } == want, "\(parameter)=\(prefix)")
                #expect(walked.totals.allSatisfy { $0 == String(want.count) })
            }
            let unasked = try await page(client, "/fhir/Patient?name=mwa")
            #expect(unasked.total == String(expected(insurees, "name", "mwa").count))
        }
    }
}

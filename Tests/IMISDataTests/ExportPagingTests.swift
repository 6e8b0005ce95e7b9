import Foundation
import GRDB
import Testing

@testable import IMISData

/// The searches of a bulk export: keyset pages in last-update order within a time window, each page starting at
/// its cursor in the last-update index (no page walks or sorts the rows of the pages before it), and the memo
/// that lets a page's renderings read each related row once.
@Suite struct ExportPagingTests {
    /// An export's window: every row changed at or before the end of the loaded data.
    static let window = RowPredicate.lastUpdated(.lessOrEqual, referenceDate.addingTimeInterval(3_600))

    /// The keys of every current insuree read `limit` at a time forward from the start; and of all but the last,
    /// read backward from the last.
    static func walk(_ store: any RegistryStore, limit: Int) async throws -> (forward: [Int64], backward: [Int64]) {
        var forward: [Int64] = []
        var query = RowQuery(predicates: [window], limit: limit)
        var last: Insuree?
        while true {
            let page = try await store.search(Insuree.self, query)
            forward += page.items.compactMap(\.record.id)
            last = page.items.last?.record ?? last
            guard let next = page.next else { break }
            query.after = next
        }
        var backward: [Int64] = []
        guard let last, let lastID = last.id else { return (forward, backward) }
        query = RowQuery(predicates: [window], before: RowCursor(key: last.validityFrom.databaseText, id: lastID), limit: limit)
        while true {
            let page = try await store.search(Insuree.self, query)
            backward = page.items.compactMap(\.record.id) + backward
            guard let previous = page.previous else { break }
            query.before = previous
        }
        return (forward, backward)
    }

    @Test func pagesOverRowsOfOneInstantListEveryRowOnceInKeyOrder() async throws {
        let database = try makeDatabase()
        // Two instants of many rows each, as bulk loads leave them.
        try SyntheticData.generate(families: 70, seed: 7, into: database, clock: .fixed(referenceDate), batchSize: 50)
        try SyntheticData.generate(families: 50, seed: 8, into: database, clock: .fixed(referenceDate.addingTimeInterval(1)))
        let store = SQLiteRegistryStore(database: database)
        let all = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL ORDER BY ValidityFrom, InsureeID")
        }
        let walked = try await Self.walk(store, limit: 37)
        #expect(walked.forward == all)
        #expect(walked.backward == Array(all.dropLast()))
    }

    @Test func anExportPageStartsAtItsCursorInTheLastUpdateIndex() async throws {
        let database = try makeDatabase()
        try SyntheticData.generate(families: 30, seed: 7, into: database, clock: .fixed(referenceDate))
        let query = RowQuery(predicates: [Self.window], after: RowCursor(key: referenceDate.databaseText, id: 40), limit: 10)
        let plans = try database.read { db -> [String] in
            var statements: [String] = []
            db.trace { event in
                if case .statement(let statement) = event { statements.append(statement.expandedSQL) }
            }
            let page = try RegistrySQL.search(db, Insuree.self, query)
            db.trace(options: [], nil)
            #expect(page.items.first?.record.id == 41)
            return try statements.filter { $0.contains("LIMIT") }.map { try queryPlan(db, $0) }
        }
        // The rest of the cursor's instant by both columns of the index, then what follows it; nothing sorted.
        #expect(plans.first?.contains("USING INDEX tblInsuree_ValidityFrom_current (ValidityFrom=? AND InsureeID>?)") == true)
        #expect(!plans.isEmpty && plans.allSatisfy { $0.contains("tblInsuree_ValidityFrom_current") && !$0.contains("TEMP B-TREE") })
    }

    @Test func aMemoReadsEachKeyOnceAndStillTellsTheRecorder() async throws {
        let database = try makeDatabase()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        let store = SQLiteRegistryStore(database: database)
        let product = try #require(try await store.record(Product.self, uuid: DemoDataset.UUIDs.productRX01))
        let id = try #require(product.record.id)
        func rename(_ name: String) throws {
            try database.writeBlocking { db in try db.execute(sql: "UPDATE tblProduct SET ProductName = ? WHERE ProdID = ?", arguments: [name, id]) }
        }
        let recorder = ReadRecorder()
        let names = try await KeyedReadMemo.$current.withValue(KeyedReadMemo()) {
            let first = try await store.record(Product.self, id: id)?.record.name
            try rename("Renamed")
            let second = try await ReadRecorder.$current.withValue(recorder) {
                try await store.record(Product.self, id: id)?.record.name
            }
            return [first, second]
        }
        #expect(names == [product.record.name, product.record.name])
        #expect(recorder.rows.contains(RowKey(table: "tblProduct", rowID: id)))
        // Without a memo, every read goes to the database.
        #expect(try await store.record(Product.self, id: id)?.record.name == "Renamed")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                   "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
    func pagesOverRowsOfOneInstantListEveryRowOnceInKeyOrderOnPostgreSQL() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            try await SyntheticData.generate(families: 70, seed: 7, into: database, clock: .fixed(referenceDate), batchSize: 50)
            try await SyntheticData.generate(families: 50, seed: 8, into: database,
                                             clock: .fixed(referenceDate.addingTimeInterval(1)))
            let store = PostgresRegistryStore(database: database)
            let all = try await database.rows(PGStatement(
                #"SELECT "InsureeID" FROM "tblInsuree" WHERE "ValidityTo" IS NULL ORDER BY date_trunc('milliseconds', "ValidityFrom"), "InsureeID""#
            )).map { Int64.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? 0 }
            let walked = try await Self.walk(store, limit: 37)
            #expect(walked.forward == all)
            #expect(walked.backward == Array(all.dropLast()))
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                   "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
    func theMigrationIndexesTheKeysAPolicyOrClaimIsRenderedBy() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            let names = try await database.rows(PGStatement("SELECT indexname::text FROM pg_indexes WHERE indexname LIKE 'imisfhir_%_key'"))
                .map { String.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? "" }
            let expected = PostgresInsuranceIndexes.keys.map { table, columns in
                "imisfhir_\(table.lowercased())_\(columns.map { $0.lowercased() }.joined(separator: "_"))_key"
            }
            #expect(expected.count == 10 && Set(expected).isSubset(of: names))
            // A claim's lines are read by its key, not by scanning every line.
            let plan = try await database.transaction {
                // An empty table: only the index can be chosen without the sequential scan.
                try await database.execute(PGStatement("SET LOCAL enable_seqscan = off"))
                return try await database.rows(PGStatement(#"EXPLAIN SELECT * FROM "tblClaimServices" WHERE "ClaimID" = 1"#))
                    .map { String.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? "" }.joined(separator: "\n")
            }
            #expect(plan.contains("imisfhir_tblclaimservices_claimid_key"))
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                   "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
    func theMigrationIndexesTheKeysAPaymentIsRecordedBy() async throws {
        try await withPostgresDatabase { database in
            try await database.migrate()
            // The statements a PaymentNotice runs (see PaymentWorkflows), each served by an index.
            let lookups = [
                (#"SELECT t."Amount" FROM "tblDetailPaymentInvoice" t WHERE lower(t."SubjectId") = lower('x')"#,
                 "imisfhir_tbldetailpaymentinvoice_subjectid_ci"),
                (#"SELECT t."Amount" FROM "tblDetailPaymentInvoice" t WHERE lower(t."PaymentId") = lower('x')"#,
                 "imisfhir_tbldetailpaymentinvoice_paymentid_ci"),
                (#"SELECT t."Code" FROM "tblInvoiceLineItem" t WHERE lower(t."InvoiceId") = lower('x')"#,
                 "imisfhir_tblinvoicelineitem_invoiceid_ci"),
                (#"SELECT t."Value" FROM fhir_payment_notice_identifier t WHERE lower(t."PaymentUUID") = lower('x')"#,
                 "imisfhir_fhir_payment_notice_identifier_paymentuuid_ci"),
                (#"SELECT t."PaymentUUID" FROM fhir_payment_notice_identifier t WHERE t."System" = 'a' AND t."Value" = 'b'"#,
                 "imisfhir_fhir_payment_notice_identifier_system_value"),
            ]
            for (sql, index) in lookups {
                let plan = try await database.transaction {
                    try await database.execute(PGStatement("SET LOCAL enable_seqscan = off"))
                    return try await database.rows(PGStatement("EXPLAIN " + sql))
                        .map { String.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? "" }.joined(separator: "\n")
                }
                #expect(plan.contains(index), "\(sql): \(plan)")
            }
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"] != nil,
                   "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"))
    func readsOnOneHeldConnectionRunOnOneBackendHoweverManyRunAtOnce() async throws {
        try await withPostgresDatabase { database in
            let store = PostgresRegistryStore(database: database)
            /// The server processes that answered six reads made at once.
            @Sendable func backends() async throws -> Set<Int64> {
                try await withThrowingTaskGroup(of: Int64.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            Int64.fromDatabaseValue(try await database.scalar(
                                PGStatement("SELECT pg_backend_pid() FROM pg_sleep(0.05)"))) ?? 0
                        }
                    }
                    return try await group.reduce(into: []) { $0.insert($1) }
                }
            }
            let leases = ConnectionLeases()
            let held = try await ConnectionLeases.$current.withValue(leases) {
                try await store.withOneConnection { try await backends() }
            }
            #expect(held.count == 1)
            #expect(leases.count == 1)
            // Without it, reads made at once run on several connections of the pool, each leased for its read.
            let spread = ConnectionLeases()
            let pooled = try await ConnectionLeases.$current.withValue(spread) { try await backends() }
            #expect(pooled.count > 1)
            #expect(spread.count == 6)
        }
    }
}

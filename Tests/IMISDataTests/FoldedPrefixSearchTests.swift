import Foundation
import GRDB
import Testing
@testable import IMISData

/// Name searches answered per folded name in page order give the pages, cursors and totals of the general plan
/// (which sorts every match).
@Suite struct FoldedPrefixSearchTests {
    /// Synthetic families, some insurees updated later (so that `ValidityFrom` differs, ties included).
    func makeStore() async throws -> SQLiteRegistryStore {
        let database = try makeDatabase()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        try SyntheticData.generate(families: 400, seed: 11, into: database, clock: .fixed(referenceDate))
        let later = SQLiteRegistryStore(database: database, clock: .fixed(referenceDate.addingTimeInterval(3600)))
        let ids = try database.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL AND InsureeID % 7 = 0")
        }
        for (n, id) in ids.enumerated() {
            var row = try #require(try await later.record(Insuree.self, id: id)).record
            row.email = "e\(n)@example.org"
            _ = try await later.update(row)
        }
        return SQLiteRegistryStore(database: database, clock: .fixed(referenceDate.addingTimeInterval(7200)))
    }

    func name(_ value: String) -> RowPredicate {
        .or([.foldedStartsWith("LastName", value), .foldedStartsWith("OtherNames", value)])
    }

    /// Every page forward, then every page back from the last one, as (ids, total) per page.
    func walk(_ store: SQLiteRegistryStore, _ predicate: RowPredicate, descending: Bool, count: Int) async throws
        -> (forward: [[Int64]], backward: [[Int64]], totals: [Int?])
    {
        var forward: [[Int64]] = [], backward: [[Int64]] = [], totals: [Int?] = []
        var query = RowQuery(predicates: [predicate], order: .lastUpdated(descending: descending), limit: count,
                             countTotal: true)
        var last: RowPage<Insuree>?
        while true {
            let page = try await store.search(Insuree.self, query)
            forward.append(page.items.map { $0.record.id! })
            totals.append(page.total)
            last = page
            guard let next = page.next, forward.count < 500 else { break }
            query.after = next
        }
        query.after = nil
        var before = last?.previous
        while let cursor = before, backward.count < 500 {
            query.before = cursor
            let page = try await store.search(Insuree.self, query)
            backward.append(page.items.map { $0.record.id! })
            totals.append(page.total)
            before = page.previous
        }
        return (forward, backward, totals)
    }

    @Test func pagesCursorsAndTotalsAreThoseOfTheGeneralPlan() async throws {
        let store = try await makeStore()
        for prefix in ["mwa", "JO", "a", "Pen", "sø", "zzz", "m"] {
            for descending in [false, true] {
                let predicates: [RowPredicate] = [name(prefix), .foldedStartsWith("LastName", prefix),
                                                  .foldedStartsWith("OtherNames", prefix)]
                for predicate in predicates {
                    let query = RowQuery(predicates: [predicate], order: .lastUpdated(descending: descending), limit: 7)
                    // The plan answers these (the comparison below would pass without it).
                    let direct = try store.database.read { db in try FoldedPrefixSearch.page(db, Insuree.self, query) }
                    #expect(direct != nil, "\(prefix)")
                    let fast = try await walk(store, predicate, descending: descending, count: 7)
                    // The general plan: the same condition, inside an AND the folded plan does not take.
                    let general = try await walk(store, .and([predicate]), descending: descending, count: 7)
                    #expect(fast.forward == general.forward, "\(prefix) \(descending)")
                    #expect(fast.backward == general.backward, "\(prefix) \(descending)")
                    #expect(fast.totals == general.totals, "\(prefix) \(descending)")
                    let all = fast.forward.flatMap { $0 }
                    #expect(Set(all).count == all.count)
                    let beforeLast = Array(all.dropLast(fast.forward.last?.count ?? 0))
                    #expect(fast.backward.reversed().flatMap { $0 } == beforeLast)
                }
            }
        }
        // Only the count (`_summary=count`), and a total page by page.
        let counted = try await store.search(Insuree.self, RowQuery(predicates: [name("mwa")], limit: 0, countTotal: true))
        let expected = try await store.search(
            Insuree.self, RowQuery(predicates: [.and([name("mwa")])], limit: 0, countTotal: true))
        #expect(counted.total == expected.total && (counted.total ?? 0) > 7)
        #expect(counted.items.isEmpty)
    }

    @Test func wideRangesAndOtherConditionsTakeTheGeneralPlan() async throws {
        let store = try await makeStore()
        // Every given name: more distinct names than the plan merges.
        let wide = RowQuery(predicates: [.foldedStartsWith("OtherNames", "")], limit: 7)
        let sorted = RowQuery(predicates: [name("mwa")], order: .uuid(descending: false), limit: 7)
        let combined = RowQuery(predicates: [name("mwa"), .compare("Gender", .equal, .text("F"))], limit: 7)
        let sameColumn = RowQuery(
            predicates: [.or([.foldedStartsWith("LastName", "mw"), .foldedStartsWith("LastName", "mwa")])],
            limit: 7, countTotal: true)
        let narrow = RowQuery(predicates: [name("mwa")], limit: 7)
        let answered = try store.database.read { db -> [Bool] in
            try [wide, sorted, combined, sameColumn, narrow].map {
                try FoldedPrefixSearch.page(db, Insuree.self, $0) != nil
            }
        }
        #expect(answered == [false, false, false, false, true])
    }
}

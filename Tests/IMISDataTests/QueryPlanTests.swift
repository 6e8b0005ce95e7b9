import Foundation
import GRDB
import Testing

@testable import IMISData

/// The query layer's handling of long value lists: ORs collapsed into lists, related-row alternatives merged,
/// expression trees kept shallow, and ``QueryLimits`` enforced with a message naming the limit.
@Suite struct QueryPlanTests {
    @Test func equalitiesOnOneColumnCollapseIntoOneListEach() {
        let node = QueryNode(
            .or([
                .compare("CHFID", .equal, .text("1")), .uuidEquals("A"), .equalsIgnoringCase("Email", "x@y"),
                .compare("CHFID", .equal, .text("2")), .uuidEquals("B"), .compare("CHFID", .equal, .text("1")),
                .or([.uuidEquals("C"), .compare("Phone", .equal, .null)]),
            ]))
        #expect(
            node
                == .or([
                    .list("CHFID", [.text("1"), .text("2")]), .uuidList(["A", "B", "C"]),
                    .leaf(.equalsIgnoringCase("Email", "x@y")), .leaf(.compare("Phone", .equal, .null)),
                ]))
    }

    @Test func alternativesOverOneRelationMergeIntoOneExists() {
        func member(_ id: String) -> RowPredicate {
            .related(
                table: "tblInsuree", column: "FamilyID", outerColumn: "FamilyID",
                where: [.or([.equalsIgnoringCase("InsureeUUID", id), .compare("CHFID", .equal, .text(id))])])
        }
        let node = QueryNode(.or((1...500).map { member(String($0)) }))
        let ids = (1...500).map(String.init)
        #expect(
            node
                == .related(
                    table: "tblInsuree", column: "FamilyID", outerColumn: "FamilyID",
                    where: [
                        .or([.listIgnoringCase("InsureeUUID", ids), .list("CHFID", ids.map { .text($0) })])
                    ]))
        #expect(node.comparisons == 1_001)
    }

    @Test func constantsAndNestingSimplifyWithoutChangingTheMeaning() {
        #expect(QueryNode(.or([])) == .never)
        #expect(QueryNode(.and([])) == .always)
        #expect(QueryNode(.or([.constant(false), .isNull("Phone")])) == .leaf(.isNull("Phone")))
        #expect(
            QueryNode(.and([.constant(true), .and([.isNull("A"), .isNull("B")])]))
                == .and([.leaf(.isNull("A")), .leaf(.isNull("B"))]))
        #expect(QueryNode(.and([.isNull("A"), .constant(false)])) == .never)
        #expect(QueryNode(.oneOf("Gender", [])) == .never)
        #expect(QueryNode(.not(.oneOf("Gender", [.text("M")]))) == .not(.leaf(.compare("Gender", .equal, .text("M")))))
    }

    @Test func aBalancedJoinStaysShallow() {
        let parts = (0..<10_000).map { "c\($0)" }
        let joined = QueryBudget.balanced(parts, " OR ")
        var depth = 0, deepest = 0
        for character in joined {
            if character == "(" { depth += 1; deepest = max(deepest, depth) }
            if character == ")" { depth -= 1 }
        }
        #expect(deepest <= 6)
        #expect(joined.filter { $0 == "c" }.count == 10_000)
        #expect(QueryBudget.balanced(["a", "b"], " AND ") == "(a AND b)")
    }

    @Test func eachLimitIsEnforcedAndNamed() throws {
        var budget = QueryBudget()
        _ = try budget.admit(.or((0..<QueryLimits.valuesPerParameter).map { .uuidEquals("u\($0)") }))
        var over = QueryBudget()
        let tooMany = RowPredicate.or((0...QueryLimits.valuesPerParameter).map { .uuidEquals("u\($0)") })
        #expect(throws: QueryLimitExceeded("a search parameter takes at most 1000 values (1001 given)")) {
            _ = try over.admit(tooMany)
        }
        var conditions = QueryBudget()
        for index in 0..<QueryLimits.parameters { _ = try conditions.admit(.isNull("c\(index)")) }
        #expect(throws: QueryLimitExceeded("a search takes at most 64 parameters")) {
            _ = try conditions.admit(.isNull("one more"))
        }
        var comparisons = QueryBudget()
        let thousand = RowPredicate.or((0..<1_000).map { .foldedContains("LastName", "n\($0)") })
        for _ in 0..<10 { _ = try comparisons.admit(thousand) }
        #expect(throws: QueryLimitExceeded("a search compares at most 10000 values in all")) {
            _ = try comparisons.admit(.isNull("Phone"))
        }
    }

    @Test func jsonListsEscapeEveryString() throws {
        let values: [SQLValue] = [.text("a\"b\\c\n\u{1}é"), .integer(-7), .null]
        let json = JSONList.encode(values)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
        #expect(decoded[0] as? String == "a\"b\\c\n\u{1}é")
        #expect(decoded[1] as? Int == -7)
        #expect(decoded[2] is NSNull)
    }

    /// The store search of every backend, at the limits: a thousand values in one list, and ten thousand
    /// comparisons that no list can hold (a thousand `:contains` alternatives, ten times), which as a chain would
    /// pass SQLite's expression depth of 1,000.
    @Test(arguments: StoreBackend.available)
    func searchesAtTheLimitsRunOnEveryEngine(_ backend: StoreBackend) async throws {
        try await withDemoStorage(backend) { storage in
            let store = storage.store
            let all = try await store.search(Insuree.self, RowQuery(limit: 1_000))
            let uuids = all.items.map(\.record.uuid)
            let chfids = all.items.map(\.record.chfid)
            let padding = (0..<(QueryLimits.valuesPerParameter - uuids.count)).map { _ in RowUUID.make() }
            let byUUID = try await store.search(
                Insuree.self,
                RowQuery(
                    predicates: [.or((uuids + padding).map { .uuidEquals($0.uppercased()) })], limit: 1_000))
            #expect(Set(byUUID.items.map(\.record.uuid)) == Set(uuids))
            let codes = chfids + (0..<(QueryLimits.valuesPerParameter - chfids.count)).map { "9\($0)" }
            let byCode = try await store.search(
                Insuree.self,
                RowQuery(
                    predicates: [.or(codes.map { .compare("CHFID", .equal, .text($0)) })], limit: 1_000))
            #expect(byCode.items.count == chfids.count)
            let contains = RowPredicate.or(
                (0..<999).map { .foldedContains("LastName", "zz\($0)") }
                    + [.foldedContains("LastName", "doe")])
            let wide = try await store.search(
                Insuree.self,
                RowQuery(
                    predicates: Array(repeating: contains, count: 9) + [
                        .or(
                            (0..<999).map { .foldedContains("OtherNames", "q\($0)") }
                                + [.foldedContains("OtherNames", "jane")])
                    ], limit: 10, countTotal: true))
            #expect(wide.items.map(\.record.chfid) == [DemoDataset.janeDoeCHFID])
            await #expect(throws: QueryLimitExceeded.self) {
                _ = try await store.search(
                    Insuree.self, RowQuery(predicates: [.or((0...1_000).map { .uuidEquals("u\($0)") })]))
            }
        }
    }
}

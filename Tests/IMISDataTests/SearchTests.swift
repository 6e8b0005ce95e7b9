import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite struct SearchTests {
    @Test func nameSearchIgnoresCaseAndAccents() async throws {
        let store: any RegistryStore = try makeDemoStore()
        let zoe = try await store.searchInsurees(InsureeQuery(name: "ZOE"))
        #expect(zoe.items.map(\.otherNames) == ["Zoë"])
        let mullers = try await store.searchInsurees(InsureeQuery(family: "muller"))
        #expect(mullers.total == 3)
        #expect(Set(mullers.items.map(\.otherNames)) == ["Zoë", "Lukas", "Léa"])
        let pena = try await store.searchInsurees(InsureeQuery(name: "Pena"))
        #expect(pena.items.map(\.lastName) == ["Peña", "Peña"])
        let prefix = try await store.searchInsurees(InsureeQuery(given: "fran"))
        #expect(prefix.items.map(\.lastName) == ["Lefèvre"])
        let accentedQuery = try await store.searchInsurees(InsureeQuery(family: "LEFÈV"))
        #expect(accentedQuery.total == 1)
        #expect(try await store.searchInsurees(InsureeQuery(name: "Zoex")).total == 0)
    }

    @Test func searchCombinesCriteriaAndPages() async throws {
        let store: any RegistryStore = try makeDemoStore()
        let women = try await store.searchInsurees(InsureeQuery(gender: "F", page: PageQuery(count: 2)))
        #expect(women.total == 4 && women.items.count == 2)  // Jane, Zoë, Léa, Ana María
        let next = try await store.searchInsurees(InsureeQuery(gender: "F", page: PageQuery(count: 2, offset: 2)))
        #expect(Set(women.items.map(\.id)).isDisjoint(with: next.items.map(\.id)))
        let born60s = try await store.searchInsurees(InsureeQuery(birthDateFrom: LocalDate("1960-01-01"),
                                                                   birthDateTo: LocalDate("1969-12-31")))
        #expect(Set(born60s.items.map(\.chfid)) == [DemoDataset.janeDoeCHFID, DemoDataset.johnDoeCHFID])
        let byUUID = try await store.searchInsurees(InsureeQuery(uuids: [DemoDataset.UUIDs.johnDoe.uppercased()]))
        #expect(byUUID.items.map(\.chfid) == [DemoDataset.johnDoeCHFID])
        let noGender = try await store.searchInsurees(InsureeQuery(gender: .some(nil)))
        #expect(noGender.total == 0)
    }

    @Test func lastUpdatedOrdersAndFilters() async throws {
        let store = try makeDemoStore()
        var john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)).record
        john.email = "john@example.org"
        let updated = try await store.update(john)
        let newestFirst = try await store.page(Insuree.self, PageQuery(descending: true, count: 1))
        #expect(newestFirst.items.first?.uuid == DemoDataset.UUIDs.johnDoe)
        #expect(newestFirst.total == 8)  // history rows are not listed
        let since = try await store.searchInsurees(InsureeQuery(page: PageQuery(lastUpdatedFrom: updated.validityFrom)))
        #expect(since.items.map(\.chfid) == [DemoDataset.johnDoeCHFID])
        let before = try await store.page(Insuree.self, PageQuery(lastUpdatedBefore: updated.validityFrom, count: 100))
        #expect(before.items.count == 7)
        let ids = before.items.map { $0.id! }
        #expect(ids == ids.sorted())  // same ValidityFrom: the primary key breaks the tie
    }

    @Test func chfidLookupUsesThePartialIndex() async throws {
        let database = try makeDatabase()
        let plan = try database.read { db in
            try queryPlan(db, "\(Insuree.sql.select) WHERE t.CHFID = ? AND t.ValidityTo IS NULL LIMIT 1", ["1"])
        }
        #expect(plan.contains("USING INDEX tblInsuree_CHFID_current (CHFID=?)"))
        #expect(!plan.contains("SCAN t"))
        // The version counter probes the LegacyID index instead of scanning history.
        #expect(plan.contains("tblInsuree_LegacyID"))
    }

    @Test func uuidAndNameSearchesUseIndexes() async throws {
        let database = try makeDatabase()
        try database.read { db in
            let uuid = try queryPlan(db, "\(Insuree.sql.select) WHERE t.InsureeUUID = ? AND t.ValidityTo IS NULL",
                                     ["A"])
            #expect(uuid.contains("USING INDEX tblInsuree_InsureeUUID"))
            let name = try queryPlan(db, """
                SELECT InsureeID FROM tblInsuree t WHERE t.ValidityTo IS NULL
                AND imis_fold(t.LastName) >= ? AND imis_fold(t.LastName) < ?
                """, ["a", "b"])
            // Either index that starts with the folded family name.
            let lastNameIndex = ["tblInsuree_LastNameFold_order", "tblInsuree_NamesFold_current"]
            #expect(lastNameIndex.contains { name.contains("INDEX \($0)") })
            let either = try queryPlan(db, """
                SELECT InsureeID FROM tblInsuree t WHERE t.ValidityTo IS NULL AND t.InsureeID IN (
                SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL AND imis_fold(LastName) >= ? AND imis_fold(LastName) < ?
                UNION ALL SELECT InsureeID FROM tblInsuree WHERE ValidityTo IS NULL AND imis_fold(OtherNames) >= ? AND imis_fold(OtherNames) < ?)
                """, ["a", "b", "a", "b"])
            #expect(lastNameIndex.contains { either.contains($0) } && either.contains("tblInsuree_OtherNamesFold_order"))
            #expect(!either.contains("SCAN"))
            let family = try queryPlan(db, "SELECT * FROM tblInsuree t WHERE t.FamilyID = ? AND t.ValidityTo IS NULL",
                                       [1])
            #expect(family.contains("USING INDEX tblInsuree_FamilyID"))
            let sorted = try queryPlan(db, """
                SELECT * FROM tblInsuree t WHERE t.ValidityTo IS NULL ORDER BY t.ValidityFrom, t.InsureeID LIMIT 10
                """)
            #expect(sorted.contains("tblInsuree_ValidityFrom_current") && !sorted.contains("TEMP B-TREE"))
        }
    }
}

import Foundation
import GRDB
import Testing

@testable import IMISData

/// Units of work (``UnitOfWorkStore``): several store writes in one transaction, read-your-writes inside, commit
/// notifications once, rollback of everything on a throw, savepoints for nested units and failed writes, and
/// writes of other tasks waiting for the unit.
@Suite struct UnitOfWorkTests {
    final class Log<Element: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Element] = []
        func append(_ item: Element) { lock.withLock { items.append(item) } }
        var all: [Element] { lock.withLock { items } }
    }

    struct Abort: Error {}

    /// The demo world on a SQLite file (a pool: a writer and readers), with its commits logged.
    func fileStore() throws -> (SQLiteRegistryStore, Log<CommittedChanges>, URL) {
        let directory = try temporaryDirectory()
        let database = try IMISDatabase.open(path: directory.appendingPathComponent("imis.sqlite3").path)
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        let commits = Log<CommittedChanges>()
        database.observeCommittedChanges { commits.append($0) }
        return (SQLiteRegistryStore(database: database, clock: SteppingClock().clock), commits, directory)
    }

    func john(_ store: SQLiteRegistryStore) async throws -> Versioned<Insuree> {
        try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID))
    }

    @Test func writesCommitTogetherAndReadsInsideSeeThem() async throws {
        let (store, commits, directory) = try fileStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var john = try await john(store).record
        john.phone = "+255 700 000 009"
        try await store.unitOfWork {
            _ = try await store.update(john, ifVersion: 1)
            _ = try await store.insertPolicyHolder(
                PolicyHolder(uuid: RowUUID.make(), code: "PH-UNIT", tradeName: "Unit Ltd"))
            #expect(try await self.john(store).phone == "+255 700 000 009")
            #expect(try await store.policyHolder(code: "PH-UNIT") != nil)
            // Another task, outside the unit, reads the last committed state.
            let outside = try await Task.detached { try await store.insuree(chfid: DemoDataset.johnDoeCHFID)?.phone }.value
            #expect(outside != "+255 700 000 009")
            #expect(commits.all.isEmpty)
        }
        #expect(try await self.john(store).versionId == 2)
        #expect(try await store.policyHolder(code: "PH-UNIT") != nil)
        #expect(commits.all.count == 1)
        #expect(Set(commits.all.flatMap { $0.rows.map(\.table) }).isSuperset(of: ["tblInsuree", "tblPolicyHolder"]))
    }

    @Test func aThrowingUnitWritesAndReportsNothing() async throws {
        let (store, commits, directory) = try fileStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var john = try await john(store).record
        john.phone = "+255 700 000 010"
        await #expect(throws: Abort.self) {
            try await store.unitOfWork {
                _ = try await store.update(john, ifVersion: 1)
                _ = try await store.insertPolicyHolder(
                    PolicyHolder(uuid: RowUUID.make(), code: "PH-GONE", tradeName: "Gone Ltd"))
                throw Abort()
            }
        }
        #expect(try await self.john(store).versionId == 1)
        #expect(try await store.policyHolder(code: "PH-GONE") == nil)
        #expect(commits.all.isEmpty)
        // The writer is free again.
        _ = try await store.update(john, ifVersion: 1)
        #expect(commits.all.count == 1)
    }

    @Test func aFailedWriteAndAFailedNestedUnitAreUndoneAlone() async throws {
        let store = try makeDemoStore()
        var john = try await john(store).record
        try await store.unitOfWork {
            john.phone = "+255 700 000 011"
            john = try await store.update(john, ifVersion: 1).record
            // A write that fails leaves the unit as it was before it.
            await #expect(throws: RegistryError.self) { try await store.update(john, ifVersion: 7) }
            // So does a nested unit that throws.
            await #expect(throws: Abort.self) {
                try await store.unitOfWork {
                    var changed = john
                    changed.email = "nested@example.org"
                    _ = try await store.update(changed, ifVersion: 2)
                    throw Abort()
                }
            }
            // A nested unit that returns joins the outer one.
            try await store.unitOfWork {
                var changed = john
                changed.email = "kept@example.org"
                john = try await store.update(changed, ifVersion: 2).record
            }
        }
        let current = try await self.john(store)
        #expect(current.phone == "+255 700 000 011")
        #expect(current.email == "kept@example.org")
        #expect(current.versionId == 3)
    }

    @Test func writesOfOtherTasksWaitForTheUnit() async throws {
        let (store, _, directory) = try fileStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = Log<String>()
        let john = try await john(store).record
        let other = try #require(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)).record
        let outside = try await store.unitOfWork { () async throws -> Task<Void, any Error> in
            var changed = john
            changed.phone = "+255 700 000 012"
            _ = try await store.update(changed, ifVersion: 1)
            // Not a child task: its write is not part of the unit and must wait for it.
            let task = Task.detached {
                var jane = other
                jane.phone = "+255 700 000 013"
                _ = try await store.update(jane, ifVersion: 1)
                events.append("outside")
            }
            try await Task.sleep(for: .milliseconds(200))
            events.append("unit")
            return task
        }
        try await outside.value
        #expect(events.all == ["unit", "outside"])
        #expect(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)?.phone == "+255 700 000 013")
        #expect(try await self.john(store).phone == "+255 700 000 012")
    }
}

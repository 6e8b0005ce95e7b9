import Foundation
import GRDB
import Testing

@testable import IMISData

/// Units of work queued for SQLite's writer share one durable commit (``CommitGroup``): each is still all or
/// nothing, a failing one takes none of the others down, and none returns before its work is committed.
@Suite struct GroupCommitTests {
    struct Refused: Error {}

    final class Commits: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var total: Int { lock.withLock { count } }
    }

    /// A file database (the pool every server uses) with one table, its commits counted.
    func database(limit: Int) throws -> (IMISDatabase, Commits, URL) {
        let directory = try temporaryDirectory()
        let database = try IMISDatabase.open(path: directory.appendingPathComponent("group.sqlite3").path,
                                             commitGroupLimit: limit)
        try database.writeBlocking { db in try db.execute(sql: "CREATE TABLE noted(n INTEGER PRIMARY KEY)") }
        let commits = Commits()
        database.observeCommittedChanges { _ in commits.add() }
        return (database, commits, directory)
    }

    /// How a queued unit ended: refused, or returned and then found its row committed (seen from a reader).
    enum Outcome: Equatable { case refused, committedOnReturn, missingOnReturn }

    /// A unit that inserts 0 holds the writer until `count` more units (or `holdUntil` writers) wait for it,
    /// queued in order; each inserts its number, those in `failing` then throw. Returns every unit's outcome.
    func queuedUnits(_ database: IMISDatabase, count: Int, failing: Set<Int>,
                     holdUntil: Int? = nil) async throws -> [Int: Outcome] {
        let first = Commits()
        return try await withThrowingTaskGroup(of: (Int, Outcome).self) { tasks in
            for n in 0...count {
                tasks.addTask {
                    if n > 0 {
                        while first.total == 0 || database.lease.waiterCount < n - 1 {
                            try await Task.sleep(nanoseconds: 200_000)
                        }
                    }
                    do {
                        try await database.unitOfWork {
                            try await database.write { db in try db.execute(sql: "INSERT INTO noted VALUES (?)", arguments: [n]) }
                            if n == 0 {
                                first.add()
                                while database.lease.waiterCount < holdUntil ?? count {
                                    try await Task.sleep(nanoseconds: 1_000_000)
                                }
                            }
                            if failing.contains(n) { throw Refused() }
                        }
                    } catch is Refused {
                        return (n, .refused)
                    }
                    let seen = try database.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM noted WHERE n = ?", arguments: [n]) ?? 0
                    }
                    return (n, seen == 1 ? .committedOnReturn : .missingOnReturn)
                }
            }
            var outcomes: [Int: Outcome] = [:]
            for try await (n, outcome) in tasks { outcomes[n] = outcome }
            return outcomes
        }
    }

    func stored(_ database: IMISDatabase) throws -> Set<Int> {
        Set(try database.read { db in try Int.fetchAll(db, sql: "SELECT n FROM noted") })
    }

    @Test func queuedUnitsShareOneCommitAndAFailingOneTakesNoOtherDown() async throws {
        let (database, commits, directory) = try database(limit: 32)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcomes = try await queuedUnits(database, count: 20, failing: [7, 20])
        #expect(outcomes[7] == .refused)
        #expect(outcomes[20] == .refused)
        for n in 0...20 where n != 7 && n != 20 { #expect(outcomes[n] == .committedOnReturn, "unit \(n)") }
        #expect(try stored(database) == Set(0...19).subtracting([7]))
        // 21 units, one durable commit (the last unit failed: the one before it had handed the commit on).
        #expect(commits.total == 1)
    }

    @Test func aGroupNeverExceedsItsLimit() async throws {
        let (database, commits, directory) = try database(limit: 4)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcomes = try await queuedUnits(database, count: 20, failing: [5])
        #expect(outcomes.values.filter { $0 == .committedOnReturn }.count == 20)
        #expect(try stored(database) == Set(0...20).subtracting([5]))
        #expect(commits.total == 6)  // 21 units in groups of at most 4
    }

    @Test func withALimitOfOneEveryUnitCommitsAlone() async throws {
        let (database, commits, directory) = try database(limit: 1)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcomes = try await queuedUnits(database, count: 10, failing: [3])
        #expect(outcomes.values.filter { $0 == .committedOnReturn }.count == 10)
        #expect(commits.total == 10)
    }

    @Test func aWriteOutsideUnitsCommitsTheOpenGroupFirst() async throws {
        let (database, commits, directory) = try database(limit: 32)
        defer { try? FileManager.default.removeItem(at: directory) }
        async let units = queuedUnits(database, count: 5, failing: [], holdUntil: 6)
        while database.lease.waiterCount < 5 { try await Task.sleep(nanoseconds: 1_000_000) }
        // Queued behind the units: a plain write finds their group open, commits it, then runs alone.
        try await database.write { db in try db.execute(sql: "INSERT INTO noted VALUES (100)") }
        let outcomes = try await units
        #expect(outcomes.values.allSatisfy { $0 == .committedOnReturn })
        #expect(try stored(database) == Set(0...5).union([100]))
        #expect(commits.total == 2)
    }
}

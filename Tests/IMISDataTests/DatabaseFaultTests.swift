import Foundation
import GRDB
import Testing

@testable import IMISData

/// The engines' errors that mean "try again later", and rows the mapping cannot read.
@Suite struct DatabaseFaultTests {
    @Test func sqliteBusyAndLockedAreUnavailableOtherErrorsAreNot() {
        #expect(DatabaseUnavailable(classifying: DatabaseError(resultCode: .SQLITE_BUSY))?.retryAfter == 1)
        #expect(DatabaseUnavailable(classifying: DatabaseError(resultCode: .SQLITE_LOCKED)) != nil)
        #expect(DatabaseUnavailable(classifying: DatabaseError(resultCode: .SQLITE_CONSTRAINT)) == nil)
        #expect(DatabaseUnavailable(classifying: RegistryError.conflict("x")) == nil)
    }

    @Test func aFileLockedBeyondTheBusyTimeoutIsUnavailable() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("busy.sqlite3").path
        let database = try IMISDatabase.open(path: path)
        try database.migrate()
        let holder = try DatabaseQueue(path: path)
        var impatient = Configuration()
        impatient.busyMode = .immediateError
        let other = try DatabaseQueue(path: path, configuration: impatient)
        try holder.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            do {
                try other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
                Issue.record("the second writer was not refused")
            } catch {
                #expect(DatabaseUnavailable(classifying: error) != nil, "\(error)")
            }
        }
    }

    @Test func anUnreadableValueIsNamedAfterItsTableAndColumn() throws {
        let row = ValuesRow(values: [1.databaseValue, .null, "x".databaseValue])
        let id: Int64 = try row.value(0)
        #expect(id == 1)
        let missing: Int64? = try row.value(1)
        #expect(missing == nil)
        #expect(
            throws: DatabaseMismatch(
                table: "tblInsureePolicy", column: "InsureeId", problem: "holds a value that is not a Int64")
        ) {
            try DatabaseMismatch.naming(table: "tblInsureePolicy", columns: InsureePolicy.table.columns) {
                let _: Int64 = try row.value(1)
            }
        }
        #expect(
            throws: DatabaseMismatch(
                table: "tblInsureePolicy", column: "PolicyId", problem: "holds a value that is not a date")
        ) {
            try DatabaseMismatch.naming(table: "tblInsureePolicy", columns: InsureePolicy.table.columns) {
                _ = try row.localDate(2)
            }
        }
    }

    @Test func aStoredValueOfTheWrongKindIsAMismatchNotAClientError() async throws {
        let store = try makeDemoStore()
        try await store.database.writer.writeWithoutTransaction { db in
            try db.execute(
                sql: "UPDATE tblInsuree SET DOB = 'soon' WHERE CHFID = ?", arguments: [DemoDataset.johnDoeCHFID])
        }
        await #expect(
            throws: DatabaseMismatch(table: "tblInsuree", column: "DOB", problem: "holds a value that is not a date")
        ) {
            _ = try await store.insuree(chfid: DemoDataset.johnDoeCHFID)
        }
    }
}

extension PostgresSettings {
    /// Waits long enough for a test machine running the whole suite at once: the tests of the bounded waits
    /// themselves set their own.
    mutating func allowSlowTestMachines() {
        connectTimeout = .seconds(60)
        poolTimeout = .seconds(120)
    }
}

/// The documented defaults of the PostgreSQL bounds.
@Suite struct PostgresBoundsTests {
    @Test func theWaitsHaveTheirDocumentedDefaults() throws {
        let settings = try PostgresSettings(url: "postgres://imis@127.0.0.1:5432/imis")
        #expect(settings.connectTimeout == .seconds(5))
        #expect(settings.poolTimeout == .seconds(5))
        #expect(settings.statementTimeout == .seconds(30))
    }
}

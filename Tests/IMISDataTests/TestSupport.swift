import Foundation
import GRDB
@testable import IMISData

/// 2024-03-01 10:00:00 UTC.
let referenceDate = Date(timeIntervalSince1970: 1_709_287_200)

/// A clock that advances one second each time it is read, starting at `referenceDate`.
final class SteppingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = referenceDate

    var clock: RegistryClock {
        RegistryClock { [self] in
            lock.lock()
            defer { lock.unlock() }
            current = current.addingTimeInterval(1)
            return current
        }
    }
}

/// A migrated in-memory database.
func makeDatabase() throws -> IMISDatabase {
    let database = try IMISDatabase.inMemory()
    try database.migrate()
    return database
}

/// A migrated in-memory database with the demo world, and a store over it with a stepping clock.
func makeDemoStore() throws -> SQLiteRegistryStore {
    let database = try makeDatabase()
    try DemoDataset.load(into: database, clock: .fixed(referenceDate))
    return SQLiteRegistryStore(database: database, clock: SteppingClock().clock)
}

/// A temporary directory removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("imisdata-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The detail column of `EXPLAIN QUERY PLAN`, joined.
func queryPlan(_ db: Database, _ sql: String, _ arguments: StatementArguments = []) throws -> String {
    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
        .map { $0["detail"] as String }
        .joined(separator: "\n")
}

extension InsuranceStore {
    /// The sum of the current contributions of a policy that count towards its value (photo fees excluded).
    func contributionTotal(policyID: Int64) async throws -> Decimal {
        try DecimalText.sum(try await contributions(policyID: policyID).filter { !$0.isPhotoFee }.map(\.amount))
    }
}

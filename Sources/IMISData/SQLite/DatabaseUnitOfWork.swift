import Foundation
import GRDB

extension IMISDatabase: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``.
    ///
    /// The unit takes the writer lease for its whole length and runs in a savepoint of a `BEGIN IMMEDIATE`
    /// transaction on the writer connection, which it may share with the units queued after it (one durable
    /// commit for several, see ``CommitGroup``); ``write(_:)`` inside it runs in a savepoint of its own,
    /// ``read(_:)`` on that connection. Writes of other tasks wait for the lease (suspended). The commit observers
    /// (``observeCommittedChanges(_:)``) hear of the unit's changes once, on commit; a rollback reports nothing.
    ///
    /// Code inside the unit must not wait for a write of another task that is not part of the unit (a detached
    /// task writing to this database): that write waits for the unit.
    public func unitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        if let outer = UnitOfWork.current, outer.isOwned(by: self) {
            let savepoint = outer.nextSavepointName()
            try onWriter { db in try db.execute(sql: "SAVEPOINT \(savepoint)") }
            let noted = outer.changeCount
            let result: T
            do {
                result = try await body()
            } catch {
                try? onWriter { db in
                    try db.execute(sql: "ROLLBACK TO SAVEPOINT \(savepoint)")
                    try db.execute(sql: "RELEASE SAVEPOINT \(savepoint)")
                }
                outer.dropChanges(after: noted)
                throw error
            }
            try onWriter { db in try db.execute(sql: "RELEASE SAVEPOINT \(savepoint)") }
            return result
        }
        await lease.acquire()
        return try await groupedUnitOfWork(body)
    }
}

extension SQLiteRegistryStore: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``: a unit of work of the store's database.
    public func unitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        try await database.unitOfWork(body)
    }
}

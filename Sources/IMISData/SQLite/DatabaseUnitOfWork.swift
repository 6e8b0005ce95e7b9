import Foundation
import GRDB

extension IMISDatabase: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``.
    ///
    /// The unit takes the writer lease for its whole length and opens `BEGIN IMMEDIATE` on the writer
    /// connection; ``write(_:)`` inside it runs in a savepoint of that transaction, ``read(_:)`` on that
    /// connection. Writes of other tasks wait for the lease (suspended). The commit observers
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
        defer { lease.release() }
        try onWriter { db in try db.beginTransaction(.immediate) }
        let unit = UnitOfWork(owner: self)
        let result: T
        do {
            result = try await UnitOfWork.$current.withValue(unit) {
                let value = try await body()
                try await outbox.beforeCommit(unit)
                return value
            }
            try onWriter { db in try db.commit() }
        } catch {
            try? onWriter { db in if db.isInsideTransaction { try db.rollback() } }
            throw error
        }
        return result
    }
}

extension SQLiteRegistryStore: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``: a unit of work of the store's database.
    public func unitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        try await database.unitOfWork(body)
    }
}

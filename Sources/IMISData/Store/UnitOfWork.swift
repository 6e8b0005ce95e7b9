import Foundation

/// A store that can group several of its calls into one all-or-nothing unit of work: one database
/// transaction, used by FHIR transaction Bundles (http://hl7.org/fhir/R4/http.html#transaction).
///
/// The unit is carried by the running task (``UnitOfWork/current``), so the code inside does not change:
/// every store method called from `body`, however deep, joins the unit. Writes join it (each as a savepoint,
/// so a write that fails leaves the unit as it was before that write); reads run on the unit's connection
/// and see its uncommitted writes. Change notifications (caches, row tracking) are delivered on commit only.
/// Units nest: an inner unit is a savepoint of the outer one.
///
/// Writes outside any unit wait while a unit is open (they never join it), without holding a thread.
public protocol UnitOfWorkStore: Sendable {
    /// Runs `body` as one unit: committed when it returns, rolled back (nothing written, nothing notified)
    /// when it throws, and the error rethrown.
    func unitOfWork<T>(_ body: () async throws -> T) async throws -> T
}

/// The open unit of work of the running task, if any (see ``UnitOfWorkStore``).
///
/// A unit belongs to one store (its `owner`, the database): another database used inside it is not part of
/// it. A PostgreSQL store pins its connection to the unit the same way the SQLite store pins its writer.
public final class UnitOfWork: @unchecked Sendable {
    /// The unit of the running task; inherited by its child tasks.
    @TaskLocal public static var current: UnitOfWork?

    /// Whether the running task is inside a unit of work: its reads may see writes that are not committed
    /// yet, which no cache shared with other requests may serve or keep.
    public static var isActive: Bool { current != nil }

    /// The store the unit writes to.
    public let owner: ObjectIdentifier
    private let savepoints = NSLock()
    private var savepointCount = 0  // guarded by `savepoints`
    private var changes: [ChangedRow] = []  // guarded by `savepoints`; see ``WriteOutbox``

    init(owner: AnyObject) {
        self.owner = ObjectIdentifier(owner)
    }

    /// Whether `store` is the unit's owner.
    func isOwned(by store: AnyObject) -> Bool { owner == ObjectIdentifier(store) }

    /// A savepoint name unique within the unit (`unit1`, `unit2`, ...).
    func nextSavepointName() -> String {
        savepoints.withLock {
            savepointCount += 1
            return "unit\(savepointCount)"
        }
    }

    /// Notes a followed row written in the unit (``WriteOutbox``).
    func noteChange(_ change: ChangedRow) {
        savepoints.withLock { changes.append(change) }
    }

    /// How many rows are noted; a savepoint keeps it to forget its rows if it rolls back.
    var changeCount: Int { savepoints.withLock { changes.count } }

    /// Forgets the rows noted after the first `count` (a rolled-back savepoint's).
    func dropChanges(after count: Int) {
        savepoints.withLock { if changes.count > count { changes.removeLast(changes.count - count) } }
    }

    /// The rows noted, which are forgotten.
    func takeChanges() -> [ChangedRow] {
        savepoints.withLock {
            defer { changes = [] }
            return changes
        }
    }
}

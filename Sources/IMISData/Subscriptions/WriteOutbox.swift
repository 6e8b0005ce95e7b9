import Foundation

/// A row of a followed table written by a unit of work (see ``WriteOutbox``).
public struct ChangedRow: Sendable, Hashable {
    /// The table, as openIMIS names it (`tblInvoice`).
    public var table: String
    /// The row's UUID: the FHIR id of the resources rendered from it.
    public var uuid: String
    /// Whether the write created the row (a first version).
    public var created: Bool

    /// A changed row.
    public init(table: String, uuid: String, created: Bool) {
        self.table = table
        self.uuid = uuid
        self.created = created
    }
}

/// The transactional outbox of a database: just before a unit of work commits, on its connection and inside its
/// transaction, the installed hook hears of the followed rows the unit wrote, and may write rows of its own (the
/// subscription events) that then commit — or roll back — with the change itself.
///
/// The rows are noted by the versioned writes of every workflow (`Workflows/RowWrites.swift`) into the running
/// ``UnitOfWork``; a savepoint that rolls back forgets what it noted. Without a hook, or when the unit wrote no
/// followed row, the commit costs nothing more.
public final class WriteOutbox: @unchecked Sendable {
    /// Called before commit with the rows written, in write order, each once.
    public typealias Hook = @Sendable ([ChangedRow]) async throws -> Void

    /// The tables whose rows the FHIR resources that Subscriptions can follow are rendered from.
    public static let followedTables: Set<String> = [
        "tblInvoice", "tblPaymentInvoice", "tblPolicy", "tblClaim", "tblInsuree", "tblFamilies", "tblHF",
        "tblPolicyHolder",
    ]

    private let lock = NSLock()
    private var hook: Hook?  // guarded by `lock`

    /// An outbox without a hook.
    public init() {}

    /// Installs (or, with nil, removes) the hook.
    public func install(_ hook: Hook?) {
        lock.withLock { self.hook = hook }
    }

    /// Runs the hook on what `unit` wrote; called by the engines inside the unit, right before `COMMIT`.
    func beforeCommit(_ unit: UnitOfWork) async throws {
        let rows = unit.takeChanges()
        guard !rows.isEmpty, let hook = lock.withLock({ self.hook }) else { return }
        // Each row once, in the order of its first write; a row created and then updated in one unit is one
        // creation.
        let keys = rows.map { ChangedRow(table: $0.table, uuid: $0.uuid.lowercased(), created: false) }
        let created = Set(zip(rows, keys).filter { $0.0.created }.map(\.1))
        var seen: Set<ChangedRow> = []
        var ordered: [ChangedRow] = []
        for key in keys where seen.insert(key).inserted {
            ordered.append(ChangedRow(table: key.table, uuid: key.uuid, created: created.contains(key)))
        }
        try await hook(ordered)
    }

    /// Notes a write of `table`'s row `uuid` in the running unit, when the table is followed.
    static func note(_ table: String, uuid: String, created: Bool) {
        guard followedTables.contains(table), let unit = UnitOfWork.current else { return }
        unit.noteChange(ChangedRow(table: table, uuid: uuid, created: created))
    }
}

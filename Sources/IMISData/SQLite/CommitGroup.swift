import Foundation
import GRDB

/// Units of work that share one durable commit (group commit).
///
/// SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. When units of work queue
/// for the writer, the one that finishes does not commit: it releases its savepoint into the open transaction and
/// hands the writer to the next in line, which runs in a savepoint of the same transaction; the last of the line
/// (nobody waiting, or ``IMISDatabase/commitGroupLimit`` members) commits for all. Each unit is still all or
/// nothing (a failing one rolls back its own savepoint, the others keep theirs) and is answered only once the
/// shared commit is durable; if that commit fails, every member of the group gets its error.
final class CommitGroup: @unchecked Sendable {
    /// Members whose work is in the open transaction, waiting for its commit. Touched by the writer's holder only.
    var waiting: [CheckedContinuation<Void, any Error>] = []
    /// Members that ran in the group so far, failed ones included.
    var members = 0

    /// The savepoint each member runs in.
    static let savepoint = "imis_member"

    /// Tells every waiting member how the shared commit went.
    func finish(_ error: (any Error)?) {
        let members = waiting
        waiting = []
        for member in members {
            if let error { member.resume(throwing: error) } else { member.resume() }
        }
    }
}

/// The error a member of a commit group gets when the shared transaction is gone before its commit (SQLite rolled
/// it back after an error of another member); a commit that fails gives every member SQLite's own error.
public struct SharedCommitFailed: Error, CustomStringConvertible {
    /// What happened.
    public let underlying: String
    public var description: String { "the shared commit failed: \(underlying)" }
}

extension IMISDatabase {
    /// Runs a top-level unit of work as a member of the open commit group, or of a new one (see ``CommitGroup``).
    /// Called with the writer lease held; returns with it released.
    func groupedUnitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        let group: CommitGroup
        do {
            group = try joinGroup()
        } catch {
            closeGroup(committing: true, error: nil)
            lease.release()
            throw error
        }
        let unit = UnitOfWork(owner: self)
        let result: T
        do {
            result = try await UnitOfWork.$current.withValue(unit) {
                let value = try await body()
                try await outbox.beforeCommit(unit)
                return value
            }
            try onWriter { db in try db.execute(sql: "RELEASE SAVEPOINT \(CommitGroup.savepoint)") }
        } catch {
            rollBackMember()
            settle(group)
            throw error
        }
        try await settleJoined(group)
        return result
    }

    /// Opens a new group's transaction when none is open, and the member's savepoint.
    private func joinGroup() throws -> CommitGroup {
        let group = try onWriter { db -> CommitGroup in
            if let open = openGroup.withLockedValue({ $0 }) {
                if db.isInsideTransaction { return open }
                openGroup.withLockedValue { $0 = nil }
                open.finish(SharedCommitFailed(underlying: "the transaction was rolled back"))
            }
            try db.beginTransaction(.immediate)
            let group = CommitGroup()
            openGroup.withLockedValue { $0 = group }
            return group
        }
        group.members += 1
        try onWriter { db in try db.execute(sql: "SAVEPOINT \(CommitGroup.savepoint)") }
        return group
    }

    /// Undoes a failed member's savepoint; when SQLite rolled back the whole transaction itself (a full disk, an
    /// I/O error), the members waiting on it learn that their work is gone.
    private func rollBackMember() {
        let lost: (any Error)? = try? onWriter { db -> (any Error)? in
            guard db.isInsideTransaction else { return SharedCommitFailed(underlying: "the transaction was rolled back") }
            do {
                try db.execute(sql: "ROLLBACK TO SAVEPOINT \(CommitGroup.savepoint)")
                try db.execute(sql: "RELEASE SAVEPOINT \(CommitGroup.savepoint)")
                return nil
            } catch {
                return SharedCommitFailed(underlying: "\(error)")
            }
        }
        if let lost { closeGroup(committing: false, error: lost) }
    }

    /// A member that failed: hands the writer (and the open group) to the next in line, or ends the group.
    private func settle(_ group: CommitGroup) {
        if mayHandOver(group), lease.handOver() { return }
        closeGroup(committing: true, error: nil)
        lease.release()
    }

    /// A member whose work is in the transaction: waits until the group's commit is durable (it throws when the
    /// commit failed). The next in line takes the writer and the open group; the last one commits.
    private func settleJoined(_ group: CommitGroup) async throws {
        guard mayHandOver(group) else {
            let error = closeGroup(committing: true, error: nil, committer: 1)
            lease.release()
            if let error { throw error }
            return
        }
        try await withCheckedThrowingContinuation { (member: CheckedContinuation<Void, any Error>) in
            group.waiting.append(member)
            if !lease.handOver() {
                closeGroup(committing: true, error: nil)
                lease.release()
            }
        }
    }

    /// Whether the member leaving the writer may leave the group's commit to the next in line.
    private func mayHandOver(_ group: CommitGroup) -> Bool {
        group.members < commitGroupLimit && openGroup.withLockedValue({ $0 === group }) && lease.hasWaiters
    }

    /// Commits the open group, if there is one: before a write that does not take part in groups.
    func commitOpenGroup() {
        closeGroup(committing: true, error: nil)
    }

    /// Ends the open group: commits the work of its waiting members and of the `committer` (a member ending the
    /// group with its own work in it), or rolls the transaction back when `error` is given or nobody has work in
    /// it, and tells the waiting members. Returns the error they were told (the commit's own, when it failed).
    @discardableResult
    private func closeGroup(committing: Bool, error: (any Error)?, committer: Int = 0) -> (any Error)? {
        guard let group = openGroup.withLockedValue({ open in defer { open = nil }; return open }) else { return nil }
        var failure = error
        let commit = committing && failure == nil && group.waiting.count + committer > 0
        do {
            try onWriter { db in
                guard db.isInsideTransaction else {
                    if commit { failure = SharedCommitFailed(underlying: "the transaction was rolled back") }
                    return
                }
                if commit { try db.commit() } else { try db.rollback() }
            }
            if commit { PoolStatistics.sqlite.committed(units: group.waiting.count + committer) }
        } catch {
            failure = failure ?? error
            try? onWriter { db in if db.isInsideTransaction { try db.rollback() } }
        }
        group.finish(failure)
        return failure
    }
}

import Foundation

/// Rows read by key while one batch of resources renders (a page of an export): the renderings of a page ask for
/// the same product, officer, facility, family or village again and again, and with a memo current each is read
/// once per batch. The batch sees every such row as it was when first read in the batch, as a rendering of the
/// whole batch at that moment would. The recorder of each rendering still hears of every row it used, read or
/// remembered (the dependencies of a cached rendering).
public final class KeyedReadMemo: @unchecked Sendable {
    /// The memo of the running batch, if any; reads by key go to the database when there is none.
    @TaskLocal public static var current: KeyedReadMemo?

    private struct Key: Hashable {
        let kind: ObjectIdentifier
        let id: Int64
    }

    private struct Entry {
        let value: any Sendable
        let rows: Set<RowKey>
    }

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]

    public init() {}

    /// The value `load` reads for key `id` of lookup `kind`: remembered from an earlier read of the current memo,
    /// else read and remembered. Without a current memo, `load` alone.
    static func value<T: Sendable>(_ kind: Any.Type, id: Int64, _ load: () async throws -> T) async throws -> T {
        guard let memo = current else { return try await load() }
        let key = Key(kind: ObjectIdentifier(kind), id: id)
        if let entry = memo.lock.withLock({ memo.entries[key] }), let value = entry.value as? T {
            if let recorder = ReadRecorder.current { entry.rows.forEach(recorder.record) }
            return value
        }
        let recorder = ReadRecorder()
        let value = try await ReadRecorder.$current.withValue(recorder) { try await load() }
        let rows = recorder.rows
        if let outer = ReadRecorder.current { rows.forEach(outer.record) }
        memo.lock.withLock { memo.entries[key] = Entry(value: value, rows: rows) }
        return value
    }
}

/// The kinds of memoized reads that are not a table's row by key.
enum MemoizedRead {
    /// A location's chain of ancestors.
    enum LocationAncestors {}
    /// A family with its head.
    enum FamilyAndHead {}
}

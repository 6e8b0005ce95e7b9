import Foundation

/// A row of a legacy-versioned openIMIS table (`ValidityFrom`/`ValidityTo`/`LegacyID`, reference §5.1).
///
/// The current row has `validityTo == nil`; an update copies it to a history row (new id, new UUID,
/// `ValidityTo` = now, `LegacyID` = current id) and updates it in place; a delete closes it
/// (`ValidityFrom` = `ValidityTo` = now). The current row keeps its `id` and `uuid` forever.
public protocol VersionedRecord: Sendable, Hashable {
    /// The integer primary key; `nil` before the first insert.
    var id: Int64? { get set }
    /// The row UUID (lower-case, 36 characters); the FHIR resource id of a current row.
    var uuid: String { get set }
    /// When this version became current (`meta.lastUpdated`).
    var validityFrom: Date { get set }
    /// When this version stopped being current; `nil` on the current row.
    var validityTo: Date? { get set }
    /// On a history row: the id of the current row it is a version of.
    var legacyID: Int64? { get set }
    /// The user that wrote this version (openIMIS `AuditUserID`).
    var auditUserID: Int64 { get set }
}

extension VersionedRecord {
    /// True for a live current row; false for history rows and deleted (closed) rows.
    public var isCurrent: Bool { validityTo == nil }
    /// True for a current row that was soft-deleted (closed, not a history copy).
    public var isDeleted: Bool { validityTo != nil && legacyID == nil }
}

/// A record together with its version number (`meta.versionId`): 1 + the number of history rows before it.
@dynamicMemberLookup
public struct Versioned<Record: Sendable & Hashable>: Sendable, Hashable {
    /// The row.
    public var record: Record
    /// The version number, starting at 1.
    public var versionId: Int

    /// Wraps a row with its version number.
    public init(record: Record, versionId: Int) {
        self.record = record
        self.versionId = versionId
    }

    /// Reads a property of the record (`versioned.lastName`).
    public subscript<T>(dynamicMember keyPath: KeyPath<Record, T>) -> T { record[keyPath: keyPath] }
}

/// One page of search results over current rows.
public struct SearchPage<Record: Sendable & Hashable>: Sendable, Hashable {
    /// The rows of this page, in the query's order.
    public var items: [Versioned<Record>]
    /// All matches across pages, when the query asked for it.
    public var total: Int?

    /// A page of rows.
    public init(items: [Versioned<Record>], total: Int?) {
        self.items = items
        self.total = total
    }
}

/// Paging and `_lastUpdated` filtering over current rows, ordered by `ValidityFrom` then primary key.
public struct PageQuery: Sendable, Hashable {
    /// Only rows with `ValidityFrom >= lastUpdatedFrom`.
    public var lastUpdatedFrom: Date?
    /// Only rows with `ValidityFrom < lastUpdatedBefore`.
    public var lastUpdatedBefore: Date?
    /// Newest first instead of oldest first.
    public var descending: Bool
    /// Page size.
    public var count: Int
    /// Rows to skip.
    public var offset: Int
    /// Whether to count all matches (`Bundle.total`).
    public var includeTotal: Bool

    /// A query; defaults: everything, oldest first, 10 rows, with total.
    public init(lastUpdatedFrom: Date? = nil, lastUpdatedBefore: Date? = nil, descending: Bool = false,
                count: Int = 10, offset: Int = 0, includeTotal: Bool = true) {
        self.lastUpdatedFrom = lastUpdatedFrom
        self.lastUpdatedBefore = lastUpdatedBefore
        self.descending = descending
        self.count = count
        self.offset = offset
        self.includeTotal = includeTotal
    }
}

/// Errors of the registry stores, by category the HTTP layer can map.
public enum RegistryError: Error, Hashable, Sendable {
    /// No current row with that key (`table`, key text).
    case notFound(table: String, key: String)
    /// A uniqueness rule was broken (e.g. `tblInsuree.CHFID` among current rows).
    case conflict(String)
    /// A reference or code does not exist (foreign key, reference table).
    case invalidReference(String)
    /// The write expected another current version (`If-Match`).
    case versionMismatch(expected: Int, actual: Int)
    /// A value does not fit the column rules (empty code, bad UUID, ...).
    case invalidValue(String)
}

/// Generates the lower-case UUIDs this project stores.
public enum RowUUID {
    /// A new random UUID, lower-case.
    public static func make() -> String { UUID().uuidString.lowercased() }

    /// The canonical stored form of `text` (lower-case) when it is a UUID, else `nil`.
    public static func normalized(_ text: String) -> String? {
        // ASCII checks instead of Foundation's UUID parser: this runs on every read.
        var bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return nil }
            default:
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): continue
                case UInt8(ascii: "A")...UInt8(ascii: "F"): bytes[index] = byte | 0x20
                default: return nil
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

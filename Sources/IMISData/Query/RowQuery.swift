import Foundation

/// A value bound into a query.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case null
}

/// A comparison operator.
public enum Comparison: String, Sendable, Hashable {
    case equal = "="
    case notEqual = "<>"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// A backend-neutral condition on the columns of one openIMIS table (column names are openIMIS's).
///
/// The FHIR search layer builds these; each store compiles them to its SQL dialect with bound
/// values only, so no request text ever becomes SQL.
public indirect enum RowPredicate: Sendable, Hashable {
    /// `column <op> value`.
    case compare(String, Comparison, SQLValue)
    /// `column` equals the value ignoring case (UUIDs, e-mail addresses).
    case equalsIgnoringCase(String, String)
    /// The folded column (lower-case, no accents) equals the folded value.
    case foldedEquals(String, String)
    /// The folded column starts with the folded value.
    case foldedStartsWith(String, String)
    /// The folded column contains the folded value.
    case foldedContains(String, String)
    /// `column` equals the value exactly (case- and accent-sensitive).
    case exact(String, String)
    case isNull(String)
    case isNotNull(String)
    case oneOf(String, [SQLValue])
    case and([RowPredicate])
    case or([RowPredicate])
    case not(RowPredicate)
    /// A current row of `table` exists whose `column` equals this row's `outerColumn` and which
    /// matches `where` (e.g. insurees of a family: `related("tblInsuree", "FamilyID", "FamilyID", ...)`).
    case related(table: String, column: String, outerColumn: String, where: [RowPredicate])
    /// The row's own UUID equals the value, ignoring case.
    case uuidEquals(String)
    /// The row's last update (`ValidityFrom`) compared with an instant.
    case lastUpdated(Comparison, Date)
    /// Matches every row (`true`) or none (`false`).
    case constant(Bool)
}

/// The order of a search: by last update (`ValidityFrom`, then primary key) or by UUID.
public enum RowOrder: Sendable, Hashable {
    case lastUpdated(descending: Bool)
    case uuid(descending: Bool)
}

/// A position in a keyset-paged result: the sort key and primary key of the last row seen.
/// Paging by position (not OFFSET) stays correct while rows are inserted.
public struct RowCursor: Sendable, Hashable {
    public var key: String
    public var id: Int64

    public init(key: String, id: Int64) {
        self.key = key
        self.id = id
    }

    /// The cursor as an opaque token for a URL.
    public var token: String {
        Data("\(id)|\(key)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token made by `token`; nil when it is not one.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let bar = text.firstIndex(of: "|"), let id = Int64(text[..<bar])
        else { return nil }
        self.id = id
        self.key = String(text[text.index(after: bar)...])
    }
}

/// A search over the current rows of one table.
public struct RowQuery: Sendable, Hashable {
    /// Conditions, all of which must hold.
    public var predicates: [RowPredicate]
    public var order: RowOrder
    /// Start after this position (the next page).
    public var after: RowCursor?
    /// End before this position (the previous page); exclusive with `after`.
    public var before: RowCursor?
    /// Page size; 0 asks for the total only.
    public var limit: Int
    /// Count every match.
    public var countTotal: Bool
    /// With ``countTotal``: count at most this many matches and leave the total out (nil) when there are more;
    /// nil counts every match. Name searches honour it (their count is what grows with the matches, see
    /// `FoldedPrefixSearch`); other searches count every match.
    public var totalLimit: Int?
    /// The ``totalLimit`` of a search whose client did not ask for a total (`_total` absent).
    public static let defaultTotalLimit = 1000

    public init(
        predicates: [RowPredicate] = [], order: RowOrder = .lastUpdated(descending: false), after: RowCursor? = nil,
        before: RowCursor? = nil, limit: Int = 20, countTotal: Bool = false
    ) {
        self.predicates = predicates
        self.order = order
        self.after = after
        self.before = before
        self.limit = limit
        self.countTotal = countTotal
    }
}

/// One keyset page of rows.
public struct RowPage<Record: Sendable & Hashable>: Sendable, Hashable {
    public var items: [Versioned<Record>]
    public var total: Int?
    /// Where the next page starts; nil when this is the last page.
    public var next: RowCursor?
    /// Where the previous page ends; nil on the first page.
    public var previous: RowCursor?

    public init(items: [Versioned<Record>], total: Int?, next: RowCursor?, previous: RowCursor? = nil) {
        self.items = items
        self.total = total
        self.next = next
        self.previous = previous
    }

    /// Whether a keyset search must count its matches: the total is asked for and the rows cannot tell it (a
    /// first page that holds every match, an identifier search, counts itself).
    static func needsCount(fetched: Int, query: RowQuery) -> Bool {
        query.countTotal && !(query.after == nil && query.before == nil && fetched <= query.limit)
    }

    /// The page of a keyset search, either engine: `fetched` holds up to `query.limit + 1` rows in the walked order
    /// (reversed when `backward`, a previous page); `counted` is the count of every match when ``needsCount``.
    static func keyset(_ fetched: [Versioned<Record>], query: RowQuery, backward: Bool, counted: Int?) -> RowPage {
        let more = fetched.count > query.limit
        let total = query.countTotal ? counted ?? fetched.count : nil
        var items = Array(fetched.prefix(query.limit))
        if backward { items.reverse() }
        func cursor(_ item: Versioned<Record>?) -> RowCursor? {
            guard let item, let record = item.record as? any VersionedRecord, let rowID = record.id else { return nil }
            switch query.order {
            case .lastUpdated: return RowCursor(key: record.validityFrom.databaseText, id: rowID)
            case .uuid: return RowCursor(key: record.uuid, id: rowID)
            }
        }
        let hasNext = backward ? true : more
        let hasPrevious = backward ? more : query.after != nil
        return RowPage(items: items, total: total, next: hasNext ? cursor(items.last) : nil,
                       previous: hasPrevious ? cursor(items.first) : nil)
    }
}

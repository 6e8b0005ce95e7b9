import Foundation
import GRDB

/// Every table the server maps with a record (``TableSQL``), in one list: the PostgreSQL indexes, the column
/// alternatives of openIMIS's layouts and the database check (``DatabaseCheck``) are derived from it.
enum MappedTables {
    /// The mapped tables, each with the decoder that says which of its columns a row cannot do without.
    static let all: [MappedTable] = [
        MappedTable(Insuree.self), MappedTable(Family.self), MappedTable(InsureePhoto.self), MappedTable(Location.self),
        MappedTable(HealthFacility.self), MappedTable(EnrolmentOfficer.self), MappedTable(ClaimAdministrator.self),
        MappedTable(Product.self), MappedTable(MedicalItem.self), MappedTable(MedicalService.self),
        MappedTable(Policy.self), MappedTable(Premium.self), MappedTable(Payer.self), MappedTable(Diagnosis.self),
        MappedTable(Claim.self), MappedTable(PolicyHolder.self), MappedTable(Invoice.self),
        MappedTable(InvoiceLineItem.self), MappedTable(PaymentInvoice.self), MappedTable(PaymentInvoiceDetail.self),
    ]

    /// Lower-cased table → lower-cased mapped column → the other names openIMIS gives it.
    private static let alternativesByTable: [String: [String: [String]]] = {
        var result: [String: [String: [String]]] = [:]
        for table in all where !table.sql.alternatives.isEmpty {
            for (column, names) in table.sql.alternatives {
                result[table.sql.table.lowercased(), default: [:]][column.lowercased()] = names
            }
        }
        return result
    }()

    /// The mapped table named `table`.
    static func table(_ table: String) -> MappedTable? {
        all.first { $0.sql.table.lowercased() == table.lowercased() }
    }

    /// The other names of the mapped column `column` of `table` (`tblServices.ServiceCode` → `ServCode`).
    static func alternatives(table: String, column: String) -> [String] {
        alternativesByTable[table.lowercased()]?[column.lowercased()] ?? []
    }
}

/// One mapped table: its SQL and the columns its record cannot read as NULL.
struct MappedTable: Sendable {
    let sql: TableSQL
    /// The mapped columns whose NULL the record's decoder rejects, found by decoding probe rows (so the list
    /// follows the decoders, never a second hand-written list).
    let required: Set<String>
    /// The kind of value the decoder reads from each column, where it reads only one kind.
    let expected: [String: ValueKind]

    /// The kinds of value a decoder reads from a column.
    enum ValueKind: String, Sendable {
        case integer, text

        /// Whether a column of `kind` reads as this kind (``PGColumn/read(_:)``: integers, booleans and bits as
        /// integers, everything else as text; an integer column the record reads as text is read as text, as
        /// openIMIS's `SubjectType`, a content-type key where this project's schema keeps a name).
        func reads(_ kind: PGColumn.Kind) -> Bool {
            switch kind {
            case .integer, .boolean, .bit: return true
            case .text, .numeric, .timestamp, .timestampWithZone, .date, .other: return self == .text
            }
        }
    }

    init<R: TableRecord>(_ type: R.Type) {
        sql = R.sql
        (required, expected) = Self.probe(R.self)
    }

    /// Decodes rows of NULLs, giving a column a value each time the decoder rejects its NULL (an integer, else
    /// a date-like text): the columns that end up with a value are required. Then each column alone gets each
    /// kind of value: the kinds the decoder accepts there.
    static func probe<R: TableRecord>(_ type: R.Type) -> (Set<String>, [String: ValueKind]) {
        let columns = R.sql.columns
        let candidates: [DatabaseValue] = [.null, 1.databaseValue, "2000-01-01".databaseValue]
        let kinds: [ValueKind?] = [nil, .integer, .text]
        func decodes(_ values: [DatabaseValue]) -> Result<Void, any Error> {
            var reader = ColumnReader(values: values)
            return Result { _ = try R(columns: &reader) }
        }
        var choice = [Int](repeating: 0, count: columns.count)
        for _ in 0..<(columns.count * candidates.count) {
            guard case .failure(let error) = decodes(choice.map { candidates[$0] }),
                  let unreadable = error as? UnreadableColumn, unreadable.index < columns.count,
                  choice[unreadable.index] + 1 < candidates.count
            else { break }
            choice[unreadable.index] += 1
        }
        let baseline = choice.map { candidates[$0] }
        var expected: [String: ValueKind] = [:]
        for index in columns.indices {
            let accepted = (1..<candidates.count).filter { candidate in
                var values = baseline
                values[index] = candidates[candidate]
                if case .success = decodes(values) { return true }
                return false
            }
            if accepted.count == 1, let kind = kinds[accepted[0]] { expected[columns[index]] = kind }
        }
        // The key, the UUID (unless a name-based one stands in) and the current-row flag, whatever the decoder says.
        var required = Set(columns.indices.filter { choice[$0] > 0 }.map { columns[$0] })
        required.insert(R.sql.idColumn)
        if !R.sql.nameBasedUUID { required.insert(R.sql.uuidColumn) }
        if let condition = R.sql.currentCondition, condition.hasPrefix("t.") {
            required.insert(String(condition.dropFirst(2).prefix { $0 != " " }))
        }
        return (required, expected)
    }
}

/// A stable UUID for a row of a table that has no UUID column (openIMIS's `tblICDCodes`): the name-based UUID
/// (RFC 4122 version 3, MD5) of the name `<table>/<key>` in the URL namespace, so that the same row of the same
/// database always has the same resource id, and PostgreSQL computes it with built-in functions only.
enum NameBasedUUID {
    /// The URL namespace of RFC 4122.
    static let namespaceHex = "6ba7b8119dad11d180b400c04fd430c8"

    /// The SQL expression of the UUID (lower-case text) of the row whose key is `key` in `table`.
    static func sql(table: String, key: String) -> String {
        let name = "'\(table.replacingOccurrences(of: "'", with: "''"))/' || \(key)::text"
        let hash = "md5(decode('\(namespaceHex)', 'hex') || convert_to(\(name), 'UTF8'))"
        return """
            (SELECT substr(h_, 1, 8) || '-' || substr(h_, 9, 4) || '-3' || substr(h_, 14, 3) || '-' || \
            substr('89ab', (('x' || substr(h_, 17, 1))::bit(4)::integer & 3) + 1, 1) || substr(h_, 18, 3) || '-' || \
            substr(h_, 21, 12) FROM (SELECT \(hash) AS h_) u_)
            """
    }
}

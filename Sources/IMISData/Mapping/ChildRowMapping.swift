import Foundation
import GRDB

/// A table without a UUID (or one of a twin pair of tables) whose rows are read and written by hand: the column
/// list (first the key, last the four validity columns) and its SQL.
struct ChildTable: Sendable {
    let table: String
    let columns: [String]

    var select: String { "SELECT \(columns.map { "t.\($0)" }.joined(separator: ", ")) FROM \(table) t" }

    static let validity = ["ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"]

    /// Inserts a row (its key is `values[0]`, nil for a new one) and returns its key.
    func insert(_ db: Database, _ values: [(any DatabaseValueConvertible)?]) throws -> Int64 {
        try RegistrySQL.run(db, RowWriteSQL.insert(RegistrySQL.dialect(table), columns: columns, values: values,
                                                   returningKey: false))
    }

    /// The rows matching `condition` (on alias `t`), decoded by `decode`.
    func all<T>(_ db: Database, where condition: String, _ arguments: StatementArguments, suffix: String = "",
                _ decode: (Row) throws -> T) throws -> [T] {
        let statement = try db.cachedStatement(sql: "\(select) WHERE \(condition)\(suffix)")
        let rows = try Row.fetchAll(statement, arguments: arguments)
        return try DatabaseMismatch.naming(table: table, columns: columns) { try rows.map(decode) }
    }
}

/// A row read by position: a GRDB `Row`, or the values of a row another engine returned (``ValuesRow``).
protocol PositionalRow {
    /// The value at `index` as a `Value` (an optional type reads `NULL` as nil); ``UnreadableColumn`` when the
    /// column holds something else, so that a database of unexpected content answers an error, never a trap.
    func value<Value: DatabaseValueConvertible>(_ index: Int) throws -> Value
}

extension Row: PositionalRow {
    func value<Value: DatabaseValueConvertible>(_ index: Int) throws -> Value {
        // GRDB's subscript traps on a value that does not convert; its `decode` converts alike, and throws.
        guard index < count else { throw UnreadableColumn(index: index, expected: "\(Value.self)") }
        do {
            return try decode(Value.self, atIndex: index)
        } catch {
            throw UnreadableColumn(index: index, expected: "\(Value.self)")
        }
    }
}

/// The values of a fetched row, in column order, read like a GRDB `Row`.
struct ValuesRow: PositionalRow {
    let values: [DatabaseValue]

    func value<Value: DatabaseValueConvertible>(_ index: Int) throws -> Value {
        guard index < values.count, let value = Value.fromDatabaseValue(values[index]) else {
            throw UnreadableColumn(index: index, expected: "\(Value.self)")
        }
        return value
    }
}

/// Positional decoding helpers for hand-read rows.
extension PositionalRow {
    func localDate(_ index: Int) throws -> LocalDate {
        guard let value = try optionalLocalDate(index) else { throw UnreadableColumn(index: index, expected: "date") }
        return value
    }

    func optionalLocalDate(_ index: Int) throws -> LocalDate? {
        guard let text: String = try value(index) else { return nil }
        guard let value = LocalDate(text) else { throw UnreadableColumn(index: index, expected: "date") }
        return value
    }

    func instant(_ index: Int) throws -> Date {
        guard let value = try optionalInstant(index) else {
            throw UnreadableColumn(index: index, expected: "timestamp")
        }
        return value
    }

    func optionalInstant(_ index: Int) throws -> Date? {
        guard let text: String = try value(index) else { return nil }
        guard let value = Timestamp.date(from: text) else {
            throw UnreadableColumn(index: index, expected: "timestamp")
        }
        return value
    }
}

extension InsureePolicy {
    static let table = ChildTable(
        table: "tblInsureePolicy",
        columns: ["InsureePolicyId", "InsureeId", "PolicyId", "EnrollmentDate", "StartDate", "EffectiveDate",
                  "ExpiryDate", "isOffline"] + ChildTable.validity)

    init(row r: some PositionalRow) throws {
        self.init(
            id: try r.value(0), insureeID: try r.value(1), policyID: try r.value(2),
            enrollmentDate: try r.optionalLocalDate(3), startDate: try r.optionalLocalDate(4),
            effectiveDate: try r.optionalLocalDate(5), expiryDate: try r.optionalLocalDate(6),
            isOffline: try r.value(7), validityFrom: try r.instant(8), validityTo: try r.optionalInstant(9),
            legacyID: try r.value(10), auditUserID: try r.value(11))
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, insureeID, policyID, enrollmentDate.databaseText, startDate.databaseText, effectiveDate.databaseText,
         expiryDate.databaseText, isOffline, validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension MedicalKind {
    /// `Item` or `Service`, as in openIMIS's twin table and column names.
    var tableWord: String { self == .item ? "Item" : "Service" }
    /// `ItemID` or `ServiceID`.
    var medicalColumn: String { "\(tableWord)ID" }
}

extension ClaimLine {
    static func table(_ kind: MedicalKind) -> ChildTable {
        let word = kind.tableWord
        return ChildTable(
            table: "tblClaim\(word)s",
            columns: ["Claim\(word)ID", "ClaimID", kind.medicalColumn, "ProdID", "Claim\(word)Status", "Availability",
                      "QtyProvided", "QtyApproved", "PriceAsked", "PriceAdjusted", "PriceApproved", "PriceValuated",
                      "Explanation", "Justification", "RejectionReason", "PolicyID", "PriceOrigin", "Limitation",
                      "LimitationValue"] + ChildTable.validity)
    }

    init(kind: MedicalKind, row r: some PositionalRow) throws {
        self.init(
            kind: kind, id: try r.value(0), claimID: try r.value(1), medicalID: try r.value(2),
            productID: try r.value(3), status: try r.value(4), availability: try r.value(5),
            quantityProvided: try r.value(6), quantityApproved: try r.value(7), priceAsked: try r.value(8),
            priceAdjusted: try r.value(9), priceApproved: try r.value(10), priceValuated: try r.value(11),
            explanation: try r.value(12), justification: try r.value(13), rejectionReason: try r.value(14),
            policyID: try r.value(15), priceOrigin: try r.value(16), limitation: try r.value(17),
            limitationValue: try r.value(18), validityFrom: try r.instant(19), validityTo: try r.optionalInstant(20),
            legacyID: try r.value(21), auditUserID: try r.value(22))
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, claimID, medicalID, productID, status, availability, quantityProvided, quantityApproved, priceAsked,
         priceAdjusted, priceApproved, priceValuated, explanation, justification, rejectionReason, policyID,
         priceOrigin, limitation, limitationValue, validityFrom.databaseText, validityTo.databaseText, legacyID,
         auditUserID]
    }
}

extension ProductCoverage {
    static func table(_ kind: MedicalKind) -> ChildTable {
        ChildTable(
            table: "tblProduct\(kind.tableWord)s",
            columns: ["Prod\(kind.tableWord)ID", "ProdID", kind.medicalColumn, "LimitationType", "PriceOrigin",
                      "LimitAdult", "LimitChild", "WaitingPeriodAdult", "WaitingPeriodChild", "LimitNoAdult",
                      "LimitNoChild"] + ChildTable.validity)
    }

    init(kind: MedicalKind, row r: some PositionalRow) throws {
        self.init(
            kind: kind, id: try r.value(0), productID: try r.value(1), medicalID: try r.value(2),
            limitationType: try r.value(3), priceOrigin: try r.value(4), limitAdult: try r.value(5),
            limitChild: try r.value(6), waitingPeriodAdult: try r.value(7), waitingPeriodChild: try r.value(8),
            limitNoAdult: try r.value(9), limitNoChild: try r.value(10), validityFrom: try r.instant(11),
            validityTo: try r.optionalInstant(12), legacyID: try r.value(13), auditUserID: try r.value(14))
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, productID, medicalID, limitationType, priceOrigin, limitAdult, limitChild, waitingPeriodAdult,
         waitingPeriodChild, limitNoAdult, limitNoChild, validityFrom.databaseText, validityTo.databaseText,
         legacyID, auditUserID]
    }
}

extension PriceList {
    static func table(_ kind: MedicalKind) -> ChildTable {
        ChildTable(
            table: "tblPL\(kind.tableWord)s",
            columns: ["PL\(kind.tableWord)ID", "PL\(kind.tableWord)UUID", kind == .item ? "PLItemName" : "PLServName",
                      "DatePL", "LocationId"] + ChildTable.validity)
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), name, date.databaseText, locationID, validityFrom.databaseText,
         validityTo.databaseText, legacyID, auditUserID]
    }
}

extension PriceListEntry {
    static func table(_ kind: MedicalKind) -> ChildTable {
        ChildTable(
            table: "tblPL\(kind.tableWord)sDetail",
            columns: ["PL\(kind.tableWord)DetailID", "PL\(kind.tableWord)ID", kind.medicalColumn, "PriceOverule"]
                + ChildTable.validity)
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, priceListID, medicalID, priceOverrule, validityFrom.databaseText, validityTo.databaseText, legacyID,
         auditUserID]
    }
}

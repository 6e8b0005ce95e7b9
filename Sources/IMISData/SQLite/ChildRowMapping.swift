import Foundation
import GRDB

/// A table without a UUID (or one of a twin pair of tables) whose rows are read and written by hand: the column
/// list (first the key, last the four validity columns) and its SQL.
struct ChildTable: Sendable {
    let table: String
    let columns: [String]

    var select: String { "SELECT \(columns.map { "t.\($0)" }.joined(separator: ", ")) FROM \(table) t" }
    var insert: String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    }

    static let validity = ["ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"]

    /// Inserts a row (its key is `values[0]`, nil for a new one) and returns its key.
    func insert(_ db: Database, _ values: [(any DatabaseValueConvertible)?]) throws -> Int64 {
        try RegistrySQL.translatingErrors {
            try db.cachedStatement(sql: insert).execute(arguments: StatementArguments(values))
        }
        return db.lastInsertedRowID
    }

    /// The rows matching `condition` (on alias `t`), decoded by `decode`.
    func all<T>(_ db: Database, where condition: String, _ arguments: StatementArguments, suffix: String = "",
                _ decode: (Row) throws -> T) throws -> [T] {
        try Row.fetchAll(db.cachedStatement(sql: "\(select) WHERE \(condition)\(suffix)"), arguments: arguments)
            .map(decode)
    }
}

/// A row read by position: a GRDB `Row`, or the values of a row another engine returned (``ValuesRow``).
protocol PositionalRow {
    subscript<Value: DatabaseValueConvertible>(_ index: Int) -> Value { get }
}

extension Row: PositionalRow {}

/// The values of a fetched row, in column order, read like a GRDB `Row` (a value that does not convert traps, as
/// GRDB's subscript does).
struct ValuesRow: PositionalRow {
    let values: [DatabaseValue]

    subscript<Value: DatabaseValueConvertible>(_ index: Int) -> Value {
        guard index < values.count, let value = Value.fromDatabaseValue(values[index]) else {
            fatalError("column \(index) does not hold a \(Value.self)")
        }
        return value
    }
}

/// Positional decoding helpers for hand-read rows.
extension PositionalRow {
    func localDate(_ index: Int) throws -> LocalDate {
        guard let value = try optionalLocalDate(index) else { throw RegistryError.invalidValue("column \(index) is not a date") }
        return value
    }

    func optionalLocalDate(_ index: Int) throws -> LocalDate? {
        guard let text: String = self[index] else { return nil }
        guard let value = LocalDate(text) else { throw RegistryError.invalidValue("column \(index) is not a date") }
        return value
    }

    func instant(_ index: Int) throws -> Date {
        guard let value = try optionalInstant(index) else { throw RegistryError.invalidValue("column \(index) is not a timestamp") }
        return value
    }

    func optionalInstant(_ index: Int) throws -> Date? {
        guard let text: String = self[index] else { return nil }
        guard let value = Timestamp.date(from: text) else { throw RegistryError.invalidValue("column \(index) is not a timestamp") }
        return value
    }
}

extension InsureePolicy {
    static let table = ChildTable(
        table: "tblInsureePolicy",
        columns: ["InsureePolicyId", "InsureeId", "PolicyId", "EnrollmentDate", "StartDate", "EffectiveDate",
                  "ExpiryDate", "isOffline"] + ChildTable.validity)

    init(row r: some PositionalRow) throws {
        self.init(id: r[0], insureeID: r[1], policyID: r[2], enrollmentDate: try r.optionalLocalDate(3),
                  startDate: try r.optionalLocalDate(4), effectiveDate: try r.optionalLocalDate(5),
                  expiryDate: try r.optionalLocalDate(6), isOffline: r[7], validityFrom: try r.instant(8),
                  validityTo: try r.optionalInstant(9), legacyID: r[10], auditUserID: r[11])
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
        self.init(kind: kind, id: r[0], claimID: r[1], medicalID: r[2], productID: r[3], status: r[4],
                  availability: r[5], quantityProvided: r[6], quantityApproved: r[7], priceAsked: r[8],
                  priceAdjusted: r[9], priceApproved: r[10], priceValuated: r[11], explanation: r[12],
                  justification: r[13], rejectionReason: r[14], policyID: r[15], priceOrigin: r[16],
                  limitation: r[17], limitationValue: r[18], validityFrom: try r.instant(19),
                  validityTo: try r.optionalInstant(20), legacyID: r[21], auditUserID: r[22])
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
        self.init(kind: kind, id: r[0], productID: r[1], medicalID: r[2], limitationType: r[3], priceOrigin: r[4],
                  limitAdult: r[5], limitChild: r[6], waitingPeriodAdult: r[7], waitingPeriodChild: r[8],
                  limitNoAdult: r[9], limitNoChild: r[10], validityFrom: try r.instant(11),
                  validityTo: try r.optionalInstant(12), legacyID: r[13], auditUserID: r[14])
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

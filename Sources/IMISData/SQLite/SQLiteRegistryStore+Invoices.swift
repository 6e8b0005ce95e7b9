import Foundation
import GRDB

extension SQLiteRegistryStore {
    /// See `InsuranceStore.invoice(uuid:)`.
    public func invoice(uuid: String) throws -> InvoiceDetails? {
        try database.read { db in try RegistrySQL.byUUID(db, Invoice.self, uuid).map { try Self.details(db, $0) } }
    }

    /// See `InsuranceStore.invoice(code:)`.
    public func invoice(code: String) throws -> InvoiceDetails? {
        try database.read { db in try RegistrySQL.byCode(db, Invoice.self, code).map { try Self.details(db, $0) } }
    }

    /// See `InsuranceStore.createInvoice(_:lines:)`.
    public func createInvoice(_ invoice: Invoice, lines: [InvoiceLineItem]) async throws -> InvoiceDetails {
        let now = clock.now()
        return try await database.write { db in try Self.createInvoice(db, invoice, lines: lines, now: now) }
    }

    /// See `InsuranceStore.payment(uuid:)`.
    public func payment(uuid: String) throws -> PaymentDetails? {
        try database.read { db in try RegistrySQL.byUUID(db, PaymentInvoice.self, uuid).map { try Self.details(db, $0) } }
    }

    /// See `InsuranceStore.payment(identifier:)`.
    public func payment(identifier: PaymentNoticeIdentifier) throws -> PaymentDetails? {
        try database.read { db in try Self.payment(db, identifier: identifier) }
    }

    /// See `InsuranceStore.payments(invoiceUUID:)`.
    public func payments(invoiceUUID: String) throws -> [PaymentDetails] {
        try database.read { db in
            try RegistrySQL.all(db, PaymentInvoice.self, where: """
                t.isDeleted = 0 AND t.UUID IN (SELECT d.PaymentId FROM tblDetailPaymentInvoice d
                WHERE d.SubjectId = ? AND d.isDeleted = 0)
                """, [invoiceUUID], suffix: " ORDER BY t.DateCreated, t.UUID").map { try Self.details(db, $0) }
        }
    }

    /// A keyset-paged search over the live rows of a history-model table (`tblInvoice`, `tblPaymentInvoice`,
    /// `tblPolicyHolder`, ...), with the same cursor rules as `searchPolicyHolders(_:)`: `RowPredicate.lastUpdated`
    /// compares `DateUpdated`; a `.related` condition on a history-model table keeps its live rows.
    public func searchHistory<R: HistoryRecord>(_ type: R.Type, _ query: RowQuery) throws -> RowPage<R> {
        guard let mapped = type as? any HistoryTableRecord.Type else {
            throw RegistryError.invalidValue("\(R.self) is not stored in SQLite")
        }
        func run<S: HistoryTableRecord>(_ s: S.Type) throws -> RowPage<R> {
            Self.cast(try database.read { db in try HistorySearch.search(db, s, query) }, to: RowPage<R>.self)
        }
        return try run(mapped)
    }

    // MARK: Inside a transaction

    static func details(_ db: Database, _ invoice: Versioned<Invoice>) throws -> InvoiceDetails {
        InvoiceDetails(invoice: invoice, lines: try RegistrySQL.all(
            db, InvoiceLineItem.self, where: "t.InvoiceId = ? AND t.isDeleted = 0", [invoice.record.uuid],
            suffix: " ORDER BY t.DateCreated, t.rowid"))
    }

    static func details(_ db: Database, _ payment: Versioned<PaymentInvoice>) throws -> PaymentDetails {
        let details = try RegistrySQL.all(db, PaymentInvoiceDetail.self, where: "t.PaymentId = ? AND t.isDeleted = 0",
                                          [payment.record.uuid], suffix: " ORDER BY t.DateCreated, t.rowid")
        let identifier = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT System, Value FROM fhir_payment_notice_identifier WHERE PaymentUUID = ? LIMIT 1
            """), arguments: [payment.record.uuid]).map { PaymentNoticeIdentifier(system: $0[0], value: $0[1]) }
        return PaymentDetails(payment: payment, details: details, identifier: identifier)
    }

    static func payment(_ db: Database, identifier: PaymentNoticeIdentifier) throws -> PaymentDetails? {
        guard let uuid = try String.fetchOne(db.cachedStatement(sql: """
            SELECT PaymentUUID FROM fhir_payment_notice_identifier WHERE System = ? AND Value = ?
            """), arguments: [identifier.system, identifier.value]) else { return nil }
        return try RegistrySQL.byUUID(db, PaymentInvoice.self, uuid, includeDeleted: true).map { try details(db, $0) }
    }

    static func createInvoice(_ db: Database, _ invoice: Invoice, lines: [InvoiceLineItem],
                              now: Date) throws -> InvoiceDetails {
        guard !invoice.code.isEmpty else { throw RegistryError.invalidValue("invoice Code is empty") }
        for amount in [invoice.amountNet, invoice.amountTotal] + [invoice.amountDiscount].compactMap({ $0 }) {
            _ = try DecimalText.require(amount, "invoice amount")
        }
        guard invoice.currencyCode.count == 3 else { throw RegistryError.invalidValue("CurrencyCode is not an ISO 4217 code") }
        let inserted = try HistorySQL.insert(db, invoice, now: now)
        for line in lines {
            var row = line
            row.invoiceUUID = inserted.record.uuid
            for amount in [row.quantity, row.unitPrice, row.amountNet, row.amountTotal] {
                _ = try DecimalText.require(amount, "line amount")
            }
            _ = try HistorySQL.insert(db, row, now: now)
        }
        return try details(db, inserted)
    }
}

/// The keyset search over history-model tables (generalizes `searchPolicyHolders`).
enum HistorySearch {
    static func search<R: HistoryTableRecord>(_ db: Database, _ type: R.Type, _ query: RowQuery) throws -> RowPage<R> {
        let sql = R.sql
        ReadRecorder.note(sql.table, nil)
        var compiler = SQLiteQueryCompiler(uuidColumn: sql.uuidColumn, currentCondition: sql.current)
        var terms = [sql.current]
        for predicate in query.predicates {
            terms.append(try compiler.compile(SQLiteRegistryStore.lastUpdatedAsDateUpdated(predicate)))
        }
        let filterArguments = compiler.arguments
        var total: Int?
        if query.countTotal {
            let statement = try db.cachedStatement(
                sql: "SELECT COUNT(*) FROM \(sql.table) t WHERE \(terms.joined(separator: " AND "))")
            total = try Int.fetchOne(statement, arguments: StatementArguments(filterArguments)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: total, next: nil) }
        let byDate: Bool, descending: Bool
        switch query.order {
        case .lastUpdated(let d): (byDate, descending) = (true, d)
        case .uuid(let d): (byDate, descending) = (false, d)
        }
        let op = descending ? "<" : ">"
        var pageArguments = filterArguments
        if let after = query.after {
            if byDate {
                guard let bar = after.key.lastIndex(of: "|") else { throw RegistryError.invalidValue("paging cursor") }
                let date = String(after.key[..<bar]), uuid = String(after.key[after.key.index(after: bar)...])
                terms.append("(t.DateUpdated \(op) ? OR (t.DateUpdated = ? AND t.UUID \(op) ?))")
                pageArguments += [date, date, uuid]
            } else {
                terms.append("t.UUID \(op) ?")
                pageArguments.append(after.key)
            }
        }
        let direction = descending ? "DESC" : "ASC"
        let order = byDate ? "t.DateUpdated \(direction), t.UUID \(direction)" : "t.UUID \(direction)"
        let statement = try db.cachedStatement(
            sql: "\(sql.select) WHERE \(terms.joined(separator: " AND ")) ORDER BY \(order) LIMIT ?")
        let rows = try VersionedRow<R>.fetchAll(
            statement, arguments: StatementArguments(pageArguments + [query.limit + 1])).map { try $0.value }
        guard rows.count > query.limit else { return RowPage(items: rows, total: total, next: nil) }
        let items = Array(rows.prefix(query.limit))
        let next = items.last.map { last in
            RowCursor(key: byDate ? "\(last.record.dateUpdated.databaseText)|\(last.record.uuid)" : last.record.uuid, id: 0)
        }
        return RowPage(items: items, total: total, next: next)
    }

    /// Tables whose live rows are `isDeleted = 0` rather than `ValidityTo IS NULL` (for `.related` conditions).
    static let tables: Set<String> = ["tblInvoice", "tblInvoiceLineItem", "tblPaymentInvoice",
                                      "tblDetailPaymentInvoice", "tblPolicyHolder"]
}

import Foundation
import GRDB

/// Policies, claims, coverage, invoices and payments on PostgreSQL: the reads (the writes are in
/// PostgresRegistryStore+InsuranceWrites.swift).
extension PostgresRegistryStore: InsuranceStore {
    // MARK: Policies and contributions

    public func policies(familyID: Int64) async throws -> [Versioned<Policy>] {
        try await all(Policy.self, "FamilyID", .integer(familyID), order: [("StartDate", true), ("PolicyID", true)])
    }

    public func activePolicies(insureeID: Int64, on date: LocalDate) async throws -> [Versioned<Policy>] {
        let catalog = try await database.catalog()
        guard let links = catalog.tableName("tblInsureePolicy"),
              let insuree = catalog.column(links, "InsureeId"), let policy = catalog.column(links, "PolicyId")
        else { return [] }
        return try await fetch(Policy.self) { table, statement in
            let status = try table.column("PolicyStatus"), id = table.id
            let effective = try table.column("EffectiveDate"), start = try table.column("StartDate")
            let expiry = try table.column("ExpiryDate")
            let day = statement.bind(.text(date.databaseText))
            return """
                WHERE \(table.current) AND t.\(status.quoted) = 2 AND t.\(id.quoted) IN (SELECT ip.\(policy.quoted)
                FROM \(PGSQL.quote(links)) ip WHERE ip.\(insuree.quoted) = \(statement.bind(.integer(insureeID))) AND ip."ValidityTo" IS NULL)
                AND COALESCE(t.\(effective.quoted), t.\(start.quoted)) <= CAST(\(day) AS date) AND t.\(expiry.quoted) >= CAST(\(day) AS date)
                ORDER BY t.\(effective.quoted) DESC NULLS LAST, t.\(id.quoted) DESC
                """
        }
    }

    public func policyMembers(policyID: Int64) async throws -> [InsureePolicy] {
        try await childRows(InsureePolicy.table, "PolicyId", policyID, order: "InsureeId") {
            try InsureePolicy(row: $0)
        }
    }

    public func contributions(policyID: Int64) async throws -> [Versioned<Premium>] {
        try await all(Premium.self, "PolicyID", .integer(policyID), order: [("PayDate", false), ("PremiumId", false)])
    }

    public func contributionTotal(policyID: Int64) async throws -> Decimal {
        try DecimalText.sum(try await contributions(policyID: policyID).filter { !$0.isPhotoFee }.map(\.amount))
    }

    // MARK: Claims and coverage

    public func claim(uuid: String) async throws -> ClaimDetails? {
        guard let claim = try await one(Claim.self, uuid: uuid) else { return nil }
        return try await details(claim)
    }

    public func claim(code: String) async throws -> ClaimDetails? {
        guard let claim = try await one(Claim.self, code: code) else { return nil }
        return try await details(claim)
    }

    func details(_ claim: Versioned<Claim>) async throws -> ClaimDetails {
        func lines(_ kind: MedicalKind) async throws -> [ClaimLine] {
            let table = ClaimLine.table(kind)
            return try await childRows(table, "ClaimID", claim.record.id ?? 0, order: table.columns[0]) {
                try ClaimLine(kind: kind, row: $0)
            }
        }
        return ClaimDetails(claim: claim, items: try await lines(.item), services: try await lines(.service))
    }

    public func coverage(_ kind: MedicalKind, medicalID: Int64, productID: Int64,
                         healthFacilityID: Int64?) async throws -> MedicalCoverage? {
        let table = ProductCoverage.table(kind)
        let found = try await childRows(table, "ProdID", productID, and: (kind.medicalColumn, medicalID),
                                        order: table.columns[0]) { try ProductCoverage(kind: kind, row: $0) }
        guard let coverage = found.first else { return nil }
        var price: String?
        if let healthFacilityID {
            let word = kind.tableWord, catalogue = kind == .item ? "tblItems" : "tblServices"
            let catalogPrice = kind == .item ? "ItemPrice" : "ServPrice", medical = kind.medicalColumn
            var statement = PGStatement()
            statement.sql = """
                SELECT COALESCE(d."PriceOverule", m."\(catalogPrice)")::text FROM "tblHF" h
                JOIN "tblPL\(word)s" pl ON pl."PL\(word)ID" = h."PL\(word)ID" AND pl."ValidityTo" IS NULL
                JOIN "tblPL\(word)sDetail" d ON d."PL\(word)ID" = pl."PL\(word)ID" AND d."ValidityTo" IS NULL
                JOIN "\(catalogue)" m ON m."\(medical)" = d."\(medical)" AND m."ValidityTo" IS NULL
                WHERE h."HfID" = \(statement.bind(.integer(healthFacilityID))) AND h."ValidityTo" IS NULL
                AND d."\(medical)" = \(statement.bind(.integer(medicalID))) LIMIT 1
                """
            price = String.fromDatabaseValue(try await database.scalar(statement))
        }
        return MedicalCoverage(coverage: coverage, price: price)
    }

    public func usage(insureeID: Int64, policyID: Int64) async throws -> BenefitUsage {
        guard let policy = try await one(Policy.self, id: policyID)?.record else {
            throw RegistryError.notFound(table: "tblPolicy", key: String(policyID))
        }
        var usage = BenefitUsage(items: [:], services: [:], claimsByCategory: [:])
        for kind in MedicalKind.allCases {
            let table = ClaimLine.table(kind).table, column = kind.medicalColumn
            let category = kind == .service
                ? #"(SELECT s."ServCategory" FROM "tblServices" s WHERE s."ServiceID" = l."ServiceID")::text"# : "NULL"
            var statement = PGStatement()
            let from = statement.bind(.text((policy.effectiveDate ?? policy.startDate).databaseText))
            let to = statement.bind(.text(policy.expiryDate.databaseText))
            statement.sql = """
                SELECT l."\(column)", COALESCE(l."QtyApproved", l."QtyProvided")::text, to_char(c."DateFrom", 'YYYY-MM-DD'),
                       c."ClaimID", \(category)
                FROM "\(table)" l JOIN "tblClaim" c ON c."ClaimID" = l."ClaimID" AND c."ValidityTo" IS NULL
                WHERE l."ValidityTo" IS NULL AND c."InsureeID" = \(statement.bind(.integer(insureeID))) AND c."ClaimStatus" <> 1
                AND COALESCE(l."RejectionReason", 0) = 0
                AND (l."PolicyID" = \(statement.bind(.integer(policyID)))
                     OR (l."PolicyID" IS NULL AND c."DateFrom" BETWEEN CAST(\(from) AS date) AND CAST(\(to) AS date)))
                """
            var claimsByCategory: [String: Set<Int64>] = [:]
            let rows = try await database.rows(statement)
            try DatabaseMismatch.naming(table: table, columns: BenefitUsage.columns(kind)) {
                for values in try rows.map({ try IMISPostgres.values($0) }) {
                    try usage.add(ValuesRow(values: values), kind: kind, claimsByCategory: &claimsByCategory)
                }
            }
            for (category, claims) in claimsByCategory { usage.claimsByCategory[category] = claims.count }
        }
        return usage
    }

    // MARK: Invoices and payments

    public func invoice(uuid: String) async throws -> InvoiceDetails? {
        guard let invoice = try await one(Invoice.self, uuid: uuid) else { return nil }
        return try await details(invoice)
    }

    public func invoice(code: String) async throws -> InvoiceDetails? {
        guard let invoice = try await one(Invoice.self, code: code) else { return nil }
        return try await details(invoice)
    }

    func details(_ invoice: Versioned<Invoice>) async throws -> InvoiceDetails {
        let lines = try await fetch(InvoiceLineItem.self) { table, statement in
            let key = try table.column("InvoiceId"), created = try table.column("DateCreated")
            return """
                WHERE lower(t.\(key.quoted)) = lower(\(statement.bind(.text(invoice.record.uuid)))) AND \(table.current)
                ORDER BY t.\(created.quoted), t.\(table.uuid.quoted)
                """
        }
        return InvoiceDetails(invoice: invoice, lines: lines)
    }

    public func payment(uuid: String) async throws -> PaymentDetails? {
        guard let payment = try await one(PaymentInvoice.self, uuid: uuid) else { return nil }
        return try await details(payment)
    }

    public func payment(identifier: PaymentNoticeIdentifier) async throws -> PaymentDetails? {
        guard try await database.catalog().has("fhir_payment_notice_identifier") else { return nil }
        var statement = PGStatement()
        statement.sql = """
            SELECT "PaymentUUID" FROM fhir_payment_notice_identifier
            WHERE "System" = \(statement.bind(.text(identifier.system))) AND "Value" = \(statement.bind(.text(identifier.value)))
            """
        guard let uuid = String.fromDatabaseValue(try await database.scalar(statement)),
              let payment = try await one(PaymentInvoice.self, uuid: uuid, includeDeleted: true)
        else { return nil }
        return try await details(payment)
    }

    public func payments(invoiceUUID: String) async throws -> [PaymentDetails] {
        let payments = try await fetch(PaymentInvoice.self) { table, statement in
            let created = try table.column("DateCreated")
            return """
                WHERE \(table.current) AND lower(t.\(table.uuid.quoted)) IN (SELECT lower(d."PaymentId") FROM "tblDetailPaymentInvoice" d
                WHERE lower(d."SubjectId") = lower(\(statement.bind(.text(invoiceUUID)))) AND d."isDeleted" = false)
                ORDER BY t.\(created.quoted), t.\(table.uuid.quoted)
                """
        }
        var result: [PaymentDetails] = []
        for payment in payments { result.append(try await details(payment)) }
        return result
    }

    func details(_ payment: Versioned<PaymentInvoice>) async throws -> PaymentDetails {
        let details = try await fetch(PaymentInvoiceDetail.self) { table, statement in
            let key = try table.column("PaymentId"), created = try table.column("DateCreated")
            return """
                WHERE lower(t.\(key.quoted)) = lower(\(statement.bind(.text(payment.record.uuid)))) AND \(table.current)
                ORDER BY t.\(created.quoted), t.\(table.uuid.quoted)
                """
        }
        var identifier: PaymentNoticeIdentifier?
        if try await database.catalog().has("fhir_payment_notice_identifier") {
            var statement = PGStatement()
            statement.sql = """
                SELECT "System", "Value" FROM fhir_payment_notice_identifier
                WHERE lower("PaymentUUID") = lower(\(statement.bind(.text(payment.record.uuid)))) LIMIT 1
                """
            if let row = try await database.rows(statement).first.map({ try IMISPostgres.values($0) }) {
                identifier = PaymentNoticeIdentifier(system: String.fromDatabaseValue(row[0]), value: String.fromDatabaseValue(row[1]) ?? "")
            }
        }
        return PaymentDetails(payment: payment, details: details, identifier: identifier)
    }

    public func searchHistory<R: HistoryRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        guard let mapped = type as? any HistoryTableRecord.Type else {
            throw RegistryError.invalidValue("\(R.self) has no table mapping")
        }
        func run<S: HistoryTableRecord>(_ s: S.Type) async throws -> RowPage<R> {
            Self.cast(try await historySearch(s, query), to: RowPage<R>.self)
        }
        return try await run(mapped)
    }

    /// The keyset search over a history-model table (the SQLite store's `HistorySearch`): `lastUpdated` is
    /// `DateUpdated`, the order `DateUpdated` (or `UUID`) then `UUID`, the cursor `"<DateUpdated>|<UUID>"`.
    func historySearch<R: HistoryTableRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R> {
        let table = try await database.table(R.sql)
        let catalog = try await database.catalog()
        var compiler = PostgresQueryCompiler(catalog: catalog, table: table)
        var terms = [table.current]
        for predicate in query.predicates {
            terms.append(try compiler.compile(SQLiteRegistryStore.lastUpdatedAsDateUpdated(predicate)))
        }
        let filter = compiler.statement
        let updated = try table.column("DateUpdated")
        // Byte order, as SQLite's: a locale's collation may skip the hyphens.
        let uuid = "lower(t.\(table.uuid.quoted)) COLLATE \"C\""
        var total: Int?
        if query.countTotal {
            var statement = filter
            statement.sql = "SELECT COUNT(*) FROM \(table.name) t WHERE \(terms.joined(separator: " AND "))"
            total = Int.fromDatabaseValue(try await database.scalar(statement)) ?? 0
        }
        guard query.limit > 0 else { return RowPage(items: [], total: total, next: nil) }
        let byDate: Bool, descending: Bool
        switch query.order {
        case .lastUpdated(let d): (byDate, descending) = (true, d)
        case .uuid(let d): (byDate, descending) = (false, d)
        }
        let op = descending ? "<" : ">"
        var statement = filter
        if let after = query.after {
            if byDate {
                guard let bar = after.key.lastIndex(of: "|") else { throw RegistryError.invalidValue("paging cursor") }
                let date = updated.cast(statement.bind(.text(String(after.key[..<bar]))))
                let key = statement.bind(.text(String(after.key[after.key.index(after: bar)...])))
                let instant = updated.instant("t")
                terms.append("(\(instant) \(op) \(date) OR (\(instant) = \(date) AND \(uuid) \(op) lower(\(key)) COLLATE \"C\"))")
            } else {
                terms.append("\(uuid) \(op) lower(\(statement.bind(.text(after.key)))) COLLATE \"C\"")
            }
        }
        let direction = descending ? "DESC" : "ASC"
        let order = byDate ? "\(updated.instant("t")) \(direction), \(uuid) \(direction)" : "\(uuid) \(direction)"
        let limit = statement.bind(.integer(Int64(query.limit + 1)))
        statement.sql = "\(table.select) WHERE \(terms.joined(separator: " AND ")) ORDER BY \(order) LIMIT \(limit)"
        let rows = try table.decode(R.self, rows: try await database.rows(statement))
        ReadRecorder.note(R.sql.table, nil)
        guard rows.count > query.limit else { return RowPage(items: rows, total: total, next: nil) }
        let items = Array(rows.prefix(query.limit))
        let next = items.last.map { last in
            RowCursor(key: byDate ? "\(last.record.dateUpdated.databaseText)|\(last.record.uuid)" : last.record.uuid, id: 0)
        }
        return RowPage(items: items, total: total, next: next)
    }

    public func reconciliation(id reconciliationID: String) async throws -> [PaymentDetails] {
        let payments = try await fetch(PaymentInvoice.self) { table, statement in
            let created = try table.column("DateCreated")
            return """
                WHERE \(table.current) AND lower(t.\(table.uuid.quoted)) IN (SELECT lower(d."PaymentId") FROM "tblDetailPaymentInvoice" d
                WHERE d."isDeleted" = false AND lower(d."ReconcilationId") = lower(\(statement.bind(.text(reconciliationID)))))
                ORDER BY t.\(created.quoted), t.\(table.uuid.quoted)
                """
        }
        var result: [PaymentDetails] = []
        for payment in payments { result.append(try await details(payment)) }
        return result
    }

    public func reconciliationIDs(invoiceUUID: String?, paymentUUID: String?, after: String?, limit: Int) async throws -> [String] {
        var statement = PGStatement()
        var terms = [#"d."isDeleted" = false"#, #"d."ReconcilationId" IS NOT NULL"#]
        if let invoiceUUID { terms.append(#"lower(d."SubjectId") = lower("# + statement.bind(.text(invoiceUUID)) + ")") }
        if let paymentUUID { terms.append(#"lower(d."PaymentId") = lower("# + statement.bind(.text(paymentUUID)) + ")") }
        if let after { terms.append(#"d."ReconcilationId" > "# + statement.bind(.text(after))) }
        statement.sql = """
            SELECT DISTINCT d."ReconcilationId" FROM "tblDetailPaymentInvoice" d WHERE \(terms.joined(separator: " AND "))
            ORDER BY d."ReconcilationId" LIMIT \(statement.bind(.integer(Int64(limit))))
            """
        return try await database.rows(statement).compactMap { String.fromDatabaseValue(try IMISPostgres.values($0)[0]) }
    }

    // MARK: Tables without a UUID

    /// Current rows of a child table where `column` = `value` (and `also`), read by position with `decode`.
    func childRows<T>(_ child: ChildTable, _ column: String, _ value: Int64, and also: (String, Int64)? = nil,
                      order: String, _ decode: (ValuesRow) throws -> T) async throws -> [T] {
        let catalog = try await database.catalog()
        guard let name = catalog.tableName(child.table) else { return [] }
        func col(_ name2: String) throws -> PGColumn {
            guard let found = catalog.column(name, name2) else {
                throw DatabaseMismatch(table: child.table, column: name2, problem: "is missing")
            }
            return found
        }
        let list = child.columns.map { column -> String in
            guard let found = catalog.column(name, column) else { return "NULL" }
            if found.isFlag { return "COALESCE(\(found.read("t")), \(found.kind == .boolean ? "false" : "0"))" }
            if column == "AuditUserID" { return "COALESCE(\(found.read("t")), -1)" }
            return found.read("t")
        }
        var statement = PGStatement()
        var terms = ["t.\(try col(column).quoted) = \(statement.bind(.integer(value)))"]
        if let (other, otherValue) = also { terms.append("t.\(try col(other).quoted) = \(statement.bind(.integer(otherValue)))") }
        if let validityTo = catalog.column(name, "ValidityTo") { terms.append("t.\(validityTo.quoted) IS NULL") }
        statement.sql = """
            SELECT \(list.joined(separator: ", ")) FROM \(PGSQL.quote(name)) t WHERE \(terms.joined(separator: " AND "))
            ORDER BY t.\(try col(order).quoted)
            """
        let rows = try await database.rows(statement)
        return try DatabaseMismatch.naming(table: child.table, columns: child.columns) {
            try rows.map { try decode(ValuesRow(values: try IMISPostgres.values($0))) }
        }
    }
}

extension PostgresRegistryStore: UnitOfWorkStore {
    /// See ``UnitOfWorkStore/unitOfWork(_:)``: one connection, `BEGIN` ... `COMMIT` (a savepoint when nested).
    public func unitOfWork<T>(_ body: () async throws -> T) async throws -> T {
        try await database.transaction(body)
    }
}

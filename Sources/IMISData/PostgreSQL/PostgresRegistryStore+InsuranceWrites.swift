import Foundation
import GRDB

/// The insurance writes on PostgreSQL, with the rules of the SQLite store (``InsuranceRules``), each in one
/// transaction. What several instances could race on is serialized in the database: a payment identifier and an
/// enrolment by an advisory lock, an invoice or a policy by `FOR UPDATE` on its row.
extension PostgresRegistryStore {
    // MARK: Policies

    public func enrolFamily(policy: Policy, members: [Int64], contributions: [Premium]) async throws -> PolicyEnrolment {
        let now = clock.now()
        return try await database.transaction {
            guard policy.startDate <= policy.expiryDate else {
                throw RegistryError.invalidValue("the policy's start date is after its expiry date")
            }
            guard let product = try await one(Product.self, id: policy.productID)?.record else {
                throw RegistryError.invalidReference("product \(policy.productID) is not current")
            }
            try await lock("enrol \(policy.familyID) \(policy.productID)")
            let family = try await familyMembers(familyID: policy.familyID)
            let overlapping = try await first(Policy.self) { table, statement in
                """
                WHERE t."FamilyID" = \(statement.bind(.integer(policy.familyID))) AND t."ProdID" = \(statement.bind(.integer(policy.productID)))
                AND \(table.current) AND t."StartDate" <= CAST(\(statement.bind(.text(policy.expiryDate.databaseText))) AS date)
                AND t."ExpiryDate" >= CAST(\(statement.bind(.text(policy.startDate.databaseText))) AS date)
                """
            }
            let (row, chosen) = try InsuranceRules.enrolment(policy: policy, product: product, family: family.map(\.record),
                                                             members: members, overlapping: overlapping?.record)
            let inserted = try await insertRow(row, now: now)
            guard let policyID = inserted.record.id else { throw RegistryError.invalidValue("PolicyID") }
            for member in chosen {
                var link = InsureePolicy(insureeID: member.id ?? 0, policyID: policyID, enrollmentDate: row.enrollDate,
                                         startDate: row.startDate, expiryDate: row.expiryDate, auditUserID: row.auditUserID)
                link.validityFrom = now
                try await insertChild(InsureePolicy.table, link.databaseValues)
            }
            var premiums: [Versioned<Premium>] = []
            for contribution in contributions {
                premiums.append(try await insertContribution(contribution, policyID: policyID, now: now))
            }
            let settled = try await applyActivationRule(policyID: policyID, now: now)
            return PolicyEnrolment(policy: settled, members: try await policyMembers(policyID: policyID), contributions: premiums)
        }
    }

    func insertContribution(_ contribution: Premium, policyID: Int64, now: Date) async throws -> Versioned<Premium> {
        var premium = contribution
        premium.policyID = policyID
        _ = try DecimalText.require(premium.amount, "Amount")
        premium.createdDate = premium.createdDate ?? now
        return try await insertRow(premium, now: now)
    }

    /// See the SQLite store's `applyActivationRule`: activates a covered idle or ready policy, or returns an
    /// uncovered active one to idle, with a versioned update only when the status changes.
    func applyActivationRule(policyID: Int64, now: Date) async throws -> Versioned<Policy> {
        let current = try await requireCurrent(Policy.self, id: policyID, ifVersion: nil)
        guard let policy = try InsuranceRules.afterContributions(current.record, contributions: try await contributions(policyID: policyID).map(\.record)) else {
            return current
        }
        let updated = try await updateRow(policy, now: now, ifVersion: nil)
        var statement = PGStatement()
        statement.sql = """
            UPDATE "tblInsureePolicy" SET "EffectiveDate" = CAST(\(statement.bind(policy.effectiveDate.map { .text($0.databaseText) } ?? .null)) AS date)
            WHERE "PolicyId" = \(statement.bind(.integer(policyID))) AND "ValidityTo" IS NULL
            """
        try await database.execute(statement)
        return updated
    }

    // MARK: Claims

    public func submitClaim(claim: Claim, items: [ClaimLine], services: [ClaimLine]) async throws -> ClaimDetails {
        let now = clock.now()
        return try await database.transaction {
            let (row, all) = try InsuranceRules.claimSubmission(claim, items: items, services: services)
            let inserted = try await insertRow(row, now: now)
            guard let claimID = inserted.record.id else { throw RegistryError.invalidValue("ClaimID") }
            for (line, kind) in all {
                var child = line
                child.kind = kind
                child.id = nil
                child.claimID = claimID
                child.validityFrom = now
                child.validityTo = nil
                child.legacyID = nil
                try await insertChild(ClaimLine.table(kind), child.databaseValues)
            }
            return try await details(inserted)
        }
    }

    // MARK: Invoices

    public func createInvoice(_ invoice: Invoice, lines: [InvoiceLineItem]) async throws -> InvoiceDetails {
        let now = clock.now()
        return try await database.transaction {
            guard !invoice.code.isEmpty else { throw RegistryError.invalidValue("invoice Code is empty") }
            for amount in [invoice.amountNet, invoice.amountTotal] + [invoice.amountDiscount].compactMap({ $0 }) {
                _ = try DecimalText.require(amount, "invoice amount")
            }
            guard invoice.currencyCode.count == 3 else { throw RegistryError.invalidValue("CurrencyCode is not an ISO 4217 code") }
            let inserted = try await historyInsert(invoice, now: now)
            for line in lines {
                var row = line
                row.invoiceUUID = inserted.record.uuid
                for amount in [row.quantity, row.unitPrice, row.amountNet, row.amountTotal] {
                    _ = try DecimalText.require(amount, "line amount")
                }
                _ = try await historyInsert(row, now: now)
            }
            return try await details(inserted)
        }
    }

    public func updateInvoice(_ invoice: Invoice, expectedVersion: Int) async throws -> InvoiceDetails {
        let now = clock.now()
        return try await database.transaction {
            let current = try await requireInvoice(invoice.uuid, forUpdate: true)
            guard current.versionId == expectedVersion else {
                throw RegistryError.conflict("invoice \(current.record.code) is at version \(current.versionId)")
            }
            let closing = [InvoiceStatus.cancelled.rawValue, InvoiceStatus.deleted.rawValue]
            if closing.contains(invoice.status), !closing.contains(current.record.status),
               try await paidAmount(invoiceUUID: invoice.uuid) > 0 {
                throw RegistryError.invalidValue("invoice \(current.record.code) has payments; cancel them first")
            }
            var row = invoice
            row.uuid = current.record.uuid
            row.version = current.record.version
            row.dateCreated = current.record.dateCreated
            row.isDeleted = false
            return try await details(try await historyUpdate(row, now: now))
        }
    }

    func requireInvoice(_ uuid: String, includeDeleted: Bool = false, forUpdate: Bool = false) async throws -> Versioned<Invoice> {
        let by = Self.byUUID(uuid, includeDeleted: includeDeleted)
        guard let invoice = try await first(Invoice.self, { table, statement in
            try by(table, &statement) + (forUpdate ? " FOR UPDATE" : "")
        }) else {
            throw RegistryError.notFound(table: "tblInvoice", key: uuid)
        }
        return invoice
    }

    /// The sum of the accepted details of live, non-cancelled payments of an invoice.
    func paidAmount(invoiceUUID: String) async throws -> Decimal {
        var statement = PGStatement()
        statement.sql = """
            SELECT d."Amount"::text FROM "tblDetailPaymentInvoice" d JOIN "tblPaymentInvoice" p ON lower(p."UUID") = lower(d."PaymentId")
            WHERE lower(d."SubjectId") = lower(\(statement.bind(.text(invoiceUUID)))) AND d."isDeleted" = false AND d."Status" = 1
            AND p."isDeleted" = false AND p."ReconciliationStatus" <> 3
            """
        return try DecimalText.sum(try await database.rows(statement).compactMap {
            String.fromDatabaseValue(try IMISPostgres.values($0)[0])
        })
    }

    // MARK: Payments

    public func recordPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        let now = clock.now()
        return try await database.transaction {
            guard !request.identifier.value.isEmpty else { throw RegistryError.invalidValue("the payment identifier is empty") }
            let amount = try DecimalText.require(request.amount, "amount")
            guard amount > 0 else { throw RegistryError.invalidValue("the payment amount is not positive") }
            // One identifier, one payment, whichever instance gets the request first.
            try await lock("payment \(request.identifier.system)|\(request.identifier.value)")
            if let existing = try await payment(identifier: request.identifier) {
                let detail = existing.details.first?.record
                guard detail.map({ $0.subjectID.caseInsensitiveCompare(request.invoiceUUID) == .orderedSame }) ?? false,
                      DecimalText.parse(existing.payment.record.amountReceived) == amount
                else { throw RegistryError.conflict("the payment identifier is already used by another payment") }
                let invoice = try await requireInvoice(existing.details.first?.record.subjectID ?? request.invoiceUUID)
                return PaymentResult(payment: existing, created: false, invoice: invoice, contributions: [], policies: [])
            }
            var invoice = try await requireInvoice(request.invoiceUUID, forUpdate: true)
            switch invoice.record.invoiceStatus {
            case .draft, .cancelled, .deleted, .none:
                throw RegistryError.invalidValue("invoice \(invoice.record.code) is not open for payment")
            default: break
            }
            if let currency = request.currencyCode, currency != invoice.record.currencyCode {
                throw RegistryError.invalidValue("the payment is in \(currency), the invoice in \(invoice.record.currencyCode)")
            }
            let payment = try await historyInsert(PaymentInvoice(
                reconciliationStatus: request.reconciled ? ReconciliationStatus.reconciliated.rawValue : 0,
                codeExt: request.identifier.value, codeReceipt: request.receipt, amountReceived: request.amount,
                currencyCode: request.currencyCode ?? invoice.record.currencyCode, datePayment: request.datePayment,
                payerRef: request.payerRef, payerName: request.payerName, jsonExt: request.jsonExt), now: now)
            var link = PGStatement()
            link.sql = """
                INSERT INTO fhir_payment_notice_identifier ("System", "Value", "PaymentUUID", "DateCreated")
                VALUES (\(link.bind(.text(request.identifier.system))), \(link.bind(.text(request.identifier.value))),
                        \(link.bind(.text(payment.record.uuid))), CAST(\(link.bind(.text(now.databaseText))) AS timestamp))
                """
            try await database.execute(link)
            // A contribution invoice credits its policies.
            let lines = try await details(invoice).lines.map(\.record).filter { $0.lineType == "policy" }
            var contributions: [Versioned<Premium>] = [], policies: [Versioned<Policy>] = []
            var remaining = amount
            for (index, line) in lines.enumerated() where remaining > 0 {
                guard let policy = try await one(Policy.self, uuid: line.lineID)?.record, let policyID = policy.id else {
                    throw RegistryError.invalidReference("policy \(line.lineID) of invoice \(invoice.record.code) is not current")
                }
                let due = try DecimalText.require(line.amountTotal, "line amount")
                let share = index == lines.count - 1 ? remaining : min(remaining, due)
                remaining -= share
                contributions.append(try await insertContribution(Premium(
                    amount: share == amount ? request.amount : DecimalText.string(share),
                    receipt: request.receipt ?? request.identifier.value, payDate: request.datePayment,
                    payType: request.payType), policyID: policyID, now: now))
                policies.append(try await applyActivationRule(policyID: policyID, now: now))
            }
            let linked = contributions.isEmpty ? nil : try SQLiteRegistryStore.jsonText(["contributions": contributions.map(\.record.uuid)])
            _ = try await historyInsert(PaymentInvoiceDetail(
                paymentUUID: payment.record.uuid, subjectID: invoice.record.uuid, amount: request.amount,
                reconciliationID: request.reconciled ? request.identifier.value : nil,
                reconciliationDate: request.reconciled ? request.datePayment : nil, jsonExt: linked), now: now)
            if try await paidAmount(invoiceUUID: invoice.record.uuid) >= DecimalText.require(invoice.record.amountTotal, "AmountTotal"),
               invoice.record.invoiceStatus != .paid {
                var paid = invoice.record
                paid.status = InvoiceStatus.paid.rawValue
                paid.datePayed = request.datePayment
                invoice = try await historyUpdate(paid, now: now)
            }
            return PaymentResult(payment: try await details(payment), created: true, invoice: invoice,
                                 contributions: contributions, policies: policies)
        }
    }

    public func cancelPayment(uuid: String) async throws -> PaymentResult {
        let now = clock.now()
        return try await database.transaction {
            let by = Self.byUUID(uuid, includeDeleted: false)
            guard let current = try await first(PaymentInvoice.self, { table, statement in try by(table, &statement) + " FOR UPDATE" })
            else { throw RegistryError.notFound(table: "tblPaymentInvoice", key: uuid) }
            let before = try await details(current)
            guard let subject = before.details.first?.record.subjectID else {
                throw RegistryError.invalidValue("payment \(uuid) pays nothing")
            }
            var invoice = try await requireInvoice(subject, includeDeleted: true, forUpdate: true)
            if current.record.reconciliationStatus == ReconciliationStatus.cancelled.rawValue {
                return PaymentResult(payment: before, created: false, invoice: invoice, contributions: [], policies: [])
            }
            var payment = current.record
            payment.reconciliationStatus = ReconciliationStatus.cancelled.rawValue
            let updated = try await historyUpdate(payment, now: now)
            var closed: [Versioned<Premium>] = [], policyIDs: [Int64] = []
            for detail in before.details {
                var row = detail.record
                row.status = PaymentDetailStatus.cancelled.rawValue
                _ = try await historyUpdate(row, now: now)
                for premiumUUID in SQLiteRegistryStore.contributionUUIDs(row.jsonExt) {
                    guard let premium = try await one(Premium.self, uuid: premiumUUID), let id = premium.record.id else { continue }
                    closed.append(try await deleteRow(Premium.self, id: id, now: now, auditUserID: -1))
                    if !policyIDs.contains(premium.record.policyID) { policyIDs.append(premium.record.policyID) }
                }
            }
            var policies: [Versioned<Policy>] = []
            for policyID in policyIDs { policies.append(try await applyActivationRule(policyID: policyID, now: now)) }
            if invoice.record.invoiceStatus == .paid,
               try await paidAmount(invoiceUUID: invoice.record.uuid) < DecimalText.require(invoice.record.amountTotal, "AmountTotal") {
                var reopened = invoice.record
                reopened.status = InvoiceStatus.validated.rawValue
                reopened.datePayed = nil
                invoice = try await historyUpdate(reopened, now: now)
            }
            return PaymentResult(payment: try await details(updated), created: true, invoice: invoice,
                                 contributions: closed, policies: policies)
        }
    }

    public func reconcilePayments(_ paymentUUIDs: [String], reconciliationID: String,
                                  date: LocalDate) async throws -> [PaymentDetails] {
        guard !paymentUUIDs.isEmpty else { throw RegistryError.invalidValue("the reconciliation lists no payment") }
        let now = clock.now()
        return try await database.transaction {
            var result: [PaymentDetails] = []
            for uuid in paymentUUIDs {
                let by = Self.byUUID(uuid, includeDeleted: false)
                guard let current = try await first(PaymentInvoice.self, { table, statement in try by(table, &statement) + " FOR UPDATE" })
                else { throw RegistryError.notFound(table: "tblPaymentInvoice", key: uuid) }
                switch ReconciliationStatus(rawValue: current.record.reconciliationStatus) {
                case .notReconciliated?: break
                case .reconciliated?: throw RegistryError.invalidValue("payment \(uuid) is already reconciliated")
                default: throw RegistryError.invalidValue("payment \(uuid) is cancelled or refunded")
                }
                var payment = current.record
                payment.reconciliationStatus = ReconciliationStatus.reconciliated.rawValue
                let updated = try await historyUpdate(payment, now: now)
                for detail in try await details(current).details {
                    var row = detail.record
                    row.reconciliationID = reconciliationID
                    row.reconciliationDate = date
                    _ = try await historyUpdate(row, now: now)
                }
                result.append(try await details(updated))
            }
            return result
        }
    }

    // MARK: Policy holders (history model)

    public func insertPolicyHolder(_ holder: PolicyHolder) async throws -> Versioned<PolicyHolder> {
        var row = holder
        let now = clock.now()
        if row.dateValidFrom == Date(timeIntervalSince1970: 0) { row.dateValidFrom = now }
        return try await database.transaction { try await historyInsert(row, now: now) }
    }

    public func updatePolicyHolder(_ holder: PolicyHolder, ifVersion: Int?) async throws -> Versioned<PolicyHolder> {
        let now = clock.now()
        return try await database.transaction {
            let current = try await requireLivePolicyHolder(uuid: holder.uuid, ifVersion: ifVersion)
            var row = holder
            row.uuid = current.record.uuid
            row.dateCreated = current.record.dateCreated
            row.userCreatedUUID = current.record.userCreatedUUID
            row.version = current.record.version
            row.isDeleted = false
            return try await historyUpdate(row, now: now)
        }
    }

    public func deletePolicyHolder(uuid: String) async throws -> Versioned<PolicyHolder> {
        let now = clock.now()
        return try await database.transaction {
            var row = try await requireLivePolicyHolder(uuid: uuid, ifVersion: nil).record
            row.isDeleted = true
            return try await historyUpdate(row, now: now)
        }
    }

    func requireLivePolicyHolder(uuid: String, ifVersion: Int?) async throws -> Versioned<PolicyHolder> {
        let by = Self.byUUID(uuid, includeDeleted: false)
        guard let current = try await first(PolicyHolder.self, { table, statement in try by(table, &statement) + " FOR UPDATE" }) else {
            throw RegistryError.notFound(table: "tblPolicyHolder", key: uuid)
        }
        if let expected = ifVersion, expected != current.versionId {
            throw RegistryError.versionMismatch(expected: expected, actual: current.versionId)
        }
        return current
    }

    // MARK: Rows

    /// A transaction-long advisory lock on `name`, shared by every instance.
    func lock(_ name: String) async throws {
        var statement = PGStatement()
        statement.sql = "SELECT pg_advisory_xact_lock(hashtext(\(statement.bind(.text("imisfhir " + name)))))"
        try await database.execute(statement)
    }

    /// Inserts a history-model row as version 1 created and updated at `now`.
    func historyInsert<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        let row = try record.firstVersion(at: now)
        try await insertRaw(R.sql.table, R.sql.columns, row.databaseValues, skipKey: false)
        return Versioned(record: row, versionId: 1)
    }

    /// Writes a history-model row over its live row as the next version (`Version` + 1, `DateUpdated` = now).
    func historyUpdate<R: HistoryTableRecord>(_ record: R, now: Date) async throws -> Versioned<R> {
        var row = record
        row.version += 1
        row.dateUpdated = now
        let table = try await database.table(R.sql)
        var statement = PGStatement()
        var assignments: [String] = []
        for (column, value) in zip(R.sql.columns, row.databaseValues).dropFirst() {
            guard let found = table.columns[column] else { continue }
            assignments.append("\(found.quoted) = \(found.cast(statement.bind(PGBind(value))))")
        }
        statement.sql = """
            UPDATE \(table.name) SET \(assignments.joined(separator: ", "))
            WHERE lower(\(table.uuid.quoted)) = lower(\(statement.bind(.text(row.uuid))))
            """
        try await database.execute(statement)
        return Versioned(record: row, versionId: row.version)
    }

    /// Inserts a child-table row (its key is `values[0]`, left to the sequence when nil).
    func insertChild(_ child: ChildTable, _ values: [(any DatabaseValueConvertible)?]) async throws {
        try await insertRaw(child.table, child.columns, values, skipKey: values.first.map { $0 == nil } ?? true)
    }

    func insertRaw(_ table: String, _ columns: [String], _ values: [(any DatabaseValueConvertible)?], skipKey: Bool) async throws {
        let catalog = try await database.catalog()
        guard let name = catalog.tableName(table) else {
            throw DatabaseMismatch(table: table, column: nil, problem: "is missing")
        }
        var statement = PGStatement()
        var targets: [String] = [], expressions: [String] = []
        for (offset, (column, value)) in zip(columns, values).enumerated() {
            if offset == 0 && skipKey { continue }
            guard let found = catalog.column(name, column) else { continue }
            targets.append(found.quoted)
            expressions.append(found.cast(statement.bind(PGBind(value))))
        }
        statement.sql = """
            INSERT INTO \(PGSQL.quote(name)) (\(targets.joined(separator: ", "))) VALUES (\(expressions.joined(separator: ", ")))
            """
        try await database.execute(statement)
    }
}

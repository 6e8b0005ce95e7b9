import Foundation
import GRDB

/// Self-enrolments (``EnrolmentStore``) written once over the workflow primitives, so both engines run the same
/// transactions: the pending family and idle policy with its invoice, the verified payment, the lapse.
extension EnrolmentStore where Self: WorkflowStore {
    /// See ``EnrolmentStore/enrol(_:)``.
    public func enrol(_ request: EnrolmentRequest) async throws -> EnrolmentRecord {
        try await workflowEngine.write { tx, now in try await tx.enrol(request, now: now) }
    }

    /// See ``EnrolmentStore/enrolment(id:)``.
    public func enrolment(id: String) async throws -> EnrolmentRecord? {
        try await workflowEngine.read { tx in
            guard let found = try await tx.enrolmentRow([.exact("EnrolmentUUID", id)]) else { return nil }
            return try await tx.settled(found)
        }
    }

    /// See ``EnrolmentStore/enrolment(orderID:)``.
    public func enrolment(orderID: String) async throws -> EnrolmentRecord? {
        try await workflowEngine.read { tx in try await tx.enrolmentRow([.exact("OrderID", orderID)]) }
    }

    /// See ``EnrolmentStore/attachOrder(enrolmentID:orderID:approvalURL:)``.
    public func attachOrder(enrolmentID: String, orderID: String, approvalURL: String?) async throws -> EnrolmentRecord {
        try await workflowEngine.write { tx, now in
            try await tx.lock("enrolment \(enrolmentID)")
            guard var row = try await tx.enrolmentRow([.exact("EnrolmentUUID", enrolmentID)]) else {
                throw RegistryError.notFound(table: EnrolmentTable.name, key: enrolmentID)
            }
            if row.orderID != nil { return row }
            guard row.status == EnrolmentRecord.pending, row.expiresAt > now else {
                throw EnrolmentRefusal.notPayable("the enrolment is \(row.status == EnrolmentRecord.pending ? "expired" : row.status)")
            }
            try await tx.setEnrolment(enrolmentID, "OrderID", .text(orderID))
            if let approvalURL { try await tx.setEnrolment(enrolmentID, "ApprovalURL", .text(approvalURL)) }
            row.orderID = orderID
            row.approvalURL = approvalURL
            return row
        }
    }

    /// See ``EnrolmentStore/payEnrolment(id:identifier:amount:currency:receipt:)``: the payment is recorded by the
    /// same workflow as a PaymentNotice's (`recordPayment`), in the same transaction as the enrolment's status.
    public func payEnrolment(id: String, identifier: PaymentNoticeIdentifier, amount: String, currency: String,
                             receipt: String?) async throws -> EnrolmentPayment {
        try await workflowEngine.write { tx, now in
            try await tx.lock("enrolment \(id)")
            guard var row = try await tx.enrolmentRow([.exact("EnrolmentUUID", id)]) else {
                throw RegistryError.notFound(table: EnrolmentTable.name, key: id)
            }
            // A replay of the payment that settled it changes nothing.
            if let earlier = try await tx.payment(identifier: identifier) {
                guard earlier.details.first?.record.subjectID.caseInsensitiveCompare(row.invoiceUUID) == .orderedSame else {
                    throw RegistryError.conflict("this payment already settled another enrolment")
                }
                guard let policy = try await tx.one(Policy.self, uuid: row.policyUUID)?.record else {
                    throw RegistryError.notFound(table: "tblPolicy", key: row.policyUUID)
                }
                return EnrolmentPayment(enrolment: try await tx.settled(row), policy: policy, recorded: false)
            }
            guard row.status == EnrolmentRecord.pending, row.expiresAt > now else {
                throw EnrolmentRefusal.notPayable("the enrolment is \(row.status == EnrolmentRecord.pending ? "expired" : row.status)")
            }
            let result = try await tx.recordPayment(PaymentRequest(
                identifier: identifier, invoiceUUID: row.invoiceUUID, amount: amount, currencyCode: currency,
                datePayment: LocalDate(utc: now), receipt: receipt, payType: "B"), now: now)
            guard let policy = try await tx.one(Policy.self, uuid: row.policyUUID, includeDeleted: false, forUpdate: true)?.record,
                  policy.policyStatus == .active
            else { throw RegistryError.invalidValue("the payment does not cover the enrolment's contribution") }
            _ = result
            try await tx.setEnrolment(id, "Status", .text(EnrolmentRecord.active))
            row.status = EnrolmentRecord.active
            return EnrolmentPayment(enrolment: row, policy: policy, recorded: true)
        }
    }

    /// See ``EnrolmentStore/expireEnrolments()``: one transaction per lapsed enrolment.
    public func expireEnrolments() async throws -> [String] {
        let due = try await workflowEngine.read { tx in
            try await tx.enrolmentRows([.exact("Status", EnrolmentRecord.pending),
                                        .compare("ExpiresAt", .lessOrEqual, .text(Timestamp.string(from: workflowEngine.clock.now())))])
        }
        var expired: [String] = []
        for candidate in due {
            let lapsed = try await workflowEngine.write { tx, now in try await tx.expire(candidate.id, now: now) }
            if lapsed { expired.append(candidate.id) }
        }
        return expired
    }
}

/// The enrolment table's name and columns.
enum EnrolmentTable {
    static let name = "imisfhir_enrolment"
    static let table = ChildTable(table: name, columns: [
        "EnrolmentUUID", "FamilyUUID", "PolicyUUID", "InvoiceUUID", "CHFIDs", "Amount", "Currency", "Status", "OrderID",
        "ApprovalURL", "CreatedAt", "ExpiresAt", "SourceKey",
    ])
}

/// The enrolment workflows inside one transaction.
extension StoreTransaction {
    /// Writes a pending enrolment (see ``EnrolmentStore/enrol(_:)``).
    func enrol(_ request: EnrolmentRequest, now: Date) async throws -> EnrolmentRecord {
        guard try await hasTable(EnrolmentTable.name) else {
            throw DatabaseMismatch(table: EnrolmentTable.name, column: nil,
                                   problem: "is missing: self-enrolment needs the project's own tables (serve with migrations)")
        }
        guard let head = request.members.first else { throw RegistryError.invalidValue("an enrolment needs its head") }
        try await lock("enrolments from \(request.sourceKey)")
        let since = Timestamp.string(from: now.addingTimeInterval(-request.window))
        let recent = try await enrolmentRows([.exact("SourceKey", request.sourceKey), .compare("CreatedAt", .greater, .text(since))])
        guard recent.count < request.limit else { throw EnrolmentRefusal.tooMany }
        var seen: Set<String> = []
        for member in request.members {
            let chfid = member.insuree.chfid
            try await lock("chfid \(chfid)")
            guard seen.insert(chfid).inserted, try await one(Insuree.self, code: chfid) == nil else {
                throw EnrolmentRefusal.duplicate(chfid: chfid)
            }
        }
        guard let product = try await one(Product.self, code: request.productCode)?.record, let productID = product.id else {
            throw RegistryError.invalidReference("product \(request.productCode) is not on sale")
        }
        // The head, the family pointing at it, the head moved in, then the other members.
        var headRow = head.insuree
        headRow.isHead = true
        headRow.familyID = nil
        let insertedHead = try await insert(headRow, now: now)
        guard let headID = insertedHead.record.id else { throw RegistryError.invalidValue("InsureeID") }
        var family = request.family
        family.headInsureeID = headID
        let insertedFamily = try await insert(family, now: now)
        guard let familyID = insertedFamily.record.id else { throw RegistryError.invalidValue("FamilyID") }
        try await updateChildren(RegistryPeople.insurees, set: "FamilyID", to: .integer(familyID),
                                 where: [.compare("InsureeID", .equal, .integer(headID))])
        var insureeIDs = [headID]
        for member in request.members.dropFirst() {
            var row = member.insuree
            row.isHead = false
            row.familyID = familyID
            guard let id = try await insert(row, now: now).record.id else { throw RegistryError.invalidValue("InsureeID") }
            insureeIDs.append(id)
        }
        for (member, insureeID) in zip(request.members, insureeIDs) {
            guard let photo = member.photo else { continue }
            var row = InsureePhoto(insureeID: insureeID, chfid: member.insuree.chfid, photoFolder: photo.folder,
                                   photoFileName: photo.file, photoDate: LocalDate(utc: now))
            row.validityFrom = now
            try await insertChild(ChildTable(table: InsureePhoto.sql.table, columns: InsureePhoto.sql.columns), row.databaseValues)
        }
        let today = LocalDate(utc: now)
        let expiry = LocalDate.adding(months: product.insurancePeriod, to: today)
        let enrolled = try await enrolFamily(policy: Policy(familyID: familyID, enrollDate: today, startDate: today,
                                                            expiryDate: expiry, productID: productID),
                                             members: [], contributions: [], now: now)
        let policy = enrolled.policy.record
        guard let value = policy.value, let due = DecimalText.parse(value), due > 0, policy.policyStatus == .idle else {
            throw RegistryError.invalidValue("product \(product.code) asks no contribution to pay")
        }
        let id = RowUUID.make()
        let invoice = try await createInvoice(Invoice(
            code: "ENR-" + id.prefix(8).uppercased(), subjectType: "family", subjectID: insertedFamily.record.uuid,
            thirdpartyType: "insuree", thirdpartyID: insertedHead.record.uuid, dateInvoice: today,
            dateDue: LocalDate(utc: now.addingTimeInterval(request.lifetime)), amountNet: value, amountTotal: value,
            status: InvoiceStatus.validated.rawValue, currencyCode: request.currency), lines: [InvoiceLineItem(
                code: product.code, description: "Contribution \(product.code) \(today)/\(expiry)", lineType: "policy",
                lineID: policy.uuid, unitPrice: value, amountNet: value, amountTotal: value)], now: now)
        let record = EnrolmentRecord(
            id: id, familyUUID: insertedFamily.record.uuid, policyUUID: policy.uuid, invoiceUUID: invoice.invoice.record.uuid,
            chfids: request.members.map(\.insuree.chfid).joined(separator: ","), amount: value, currency: request.currency,
            status: EnrolmentRecord.pending, createdAt: now, expiresAt: now.addingTimeInterval(request.lifetime),
            sourceKey: request.sourceKey)
        try await insertChild(EnrolmentTable.table, [
            record.id, record.familyUUID, record.policyUUID, record.invoiceUUID, record.chfids, record.amount,
            record.currency, record.status, nil, nil, Timestamp.string(from: record.createdAt),
            Timestamp.string(from: record.expiresAt), record.sourceKey,
        ])
        return record
    }

    /// Lapses one pending enrolment (see ``EnrolmentStore/expireEnrolments()``); false when it was settled meanwhile.
    func expire(_ id: String, now: Date) async throws -> Bool {
        try await lock("enrolment \(id)")
        guard let row = try await enrolmentRow([.exact("EnrolmentUUID", id)]), row.status == EnrolmentRecord.pending,
              row.expiresAt <= now else { return false }
        if let policy = try await one(Policy.self, uuid: row.policyUUID)?.record, policy.policyStatus != .idle {
            try await setEnrolment(id, "Status", .text(EnrolmentRecord.active))
            return false
        }
        if var invoice = try await one(Invoice.self, uuid: row.invoiceUUID, includeDeleted: false, forUpdate: true)?.record {
            invoice.status = InvoiceStatus.cancelled.rawValue
            _ = try await updateHistory(invoice, now: now)
        }
        if let policy = try await one(Policy.self, uuid: row.policyUUID)?.record, let policyID = policy.id {
            try await updateChildren(InsureePolicy.table, set: "ValidityTo", to: .text(now.databaseText),
                                     where: [.equals("PolicyId", policyID)])
            _ = try await delete(Policy.self, id: policyID, now: now, auditUserID: -1)
        }
        if let family = try await one(Family.self, uuid: row.familyUUID)?.record, let familyID = family.id {
            for member in try await RegistryPeople.members(self, familyID: familyID) {
                guard let memberID = member.record.id else { continue }
                try await updateChildren(ChildTable(table: InsureePhoto.sql.table, columns: InsureePhoto.sql.columns),
                                         set: "ValidityTo", to: .text(now.databaseText),
                                         where: [.equals("InsureeID", memberID)])
                _ = try await delete(Insuree.self, id: memberID, now: now, auditUserID: -1)
            }
            _ = try await delete(Family.self, id: familyID, now: now, auditUserID: -1)
        }
        try await setEnrolment(id, "Status", .text(EnrolmentRecord.expired))
        return true
    }

    /// The row as it stands: a pending one whose policy was activated (a PaymentNotice paid its invoice) is active.
    func settled(_ row: EnrolmentRecord) async throws -> EnrolmentRecord {
        guard row.status == EnrolmentRecord.pending,
              let policy = try await one(Policy.self, uuid: row.policyUUID)?.record, policy.policyStatus == .active
        else { return row }
        var settled = row
        settled.status = EnrolmentRecord.active
        return settled
    }

    /// Sets one column of an enrolment row.
    func setEnrolment(_ id: String, _ column: String, _ value: SQLValue) async throws {
        try await updateChildren(EnrolmentTable.table, set: column, to: value, where: [.exact("EnrolmentUUID", id)])
    }

    /// The first enrolment matching `conditions`.
    func enrolmentRow(_ conditions: [RowPredicate]) async throws -> EnrolmentRecord? {
        try await enrolmentRows(conditions, limit: 1).first
    }

    /// The enrolments matching `conditions`, oldest first (none on a database without the table).
    func enrolmentRows(_ conditions: [RowPredicate], limit: Int? = nil) async throws -> [EnrolmentRecord] {
        guard try await hasTable(EnrolmentTable.name) else { return [] }
        let rows = try await values(ColumnSelection(table: EnrolmentTable.name, columns: EnrolmentTable.table.columns,
                                                    conditions: conditions, order: [.ascending("CreatedAt")], live: false,
                                                    limit: limit))
        return try DatabaseMismatch.naming(table: EnrolmentTable.name, columns: EnrolmentTable.table.columns) {
            try rows.map { row in
                EnrolmentRecord(
                    id: try row.value(0), familyUUID: try row.value(1), policyUUID: try row.value(2),
                    invoiceUUID: try row.value(3), chfids: try row.value(4), amount: try row.value(5),
                    currency: try row.value(6), status: try row.value(7), orderID: try row.value(8),
                    approvalURL: try row.value(9), createdAt: try row.instant(10), expiresAt: try row.instant(11),
                    sourceKey: try row.value(12))
            }
        }
    }
}

/// Calendar arithmetic of cover periods.
extension LocalDate {
    /// The last day of a cover of `months` months starting on `start` (openIMIS: start + months − 1 day).
    static func adding(months: Int, to start: LocalDate) -> LocalDate {
        let total = start.year * 12 + (start.month - 1) + max(1, months)
        let year = total / 12, month = total % 12 + 1
        let day = min(start.day, daysIn(month: month, year: year))
        let end = LocalDate(year: year, month: month, day: day) ?? start
        return LocalDate(daysSinceEpoch: end.daysSinceEpoch - 1)
    }
}

/// Self-enrolments on both engines (see ``EnrolmentStore``).
extension SQLiteRegistryStore: EnrolmentStore {}
extension PostgresRegistryStore: EnrolmentStore {}

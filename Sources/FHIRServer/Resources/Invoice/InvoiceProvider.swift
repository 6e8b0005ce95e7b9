import FHIRModels
import Foundation
import IMISData

/// Invoice ← `tblInvoice` + `tblInvoiceLineItem` (reference §3.12, §5.2), a history-model table: read by UUID or
/// invoice code, search, create and update (api.md §1). The table keeps no earlier versions, so vread and history
/// show the current version only.
///
/// Create: a contribution invoice (`type` invoice-type#contribution) for a family (`subject` = Group) whose lines
/// charge the family's newest idle or ready policy; status draft or issued. Update: status transitions of
/// ``InvoiceMapping/transition(from:to:)``; note, terms, date and recipient may change, code, subject, lines and
/// totals may not (cancel the invoice and issue another).
struct InvoiceProvider: CurrentVersionProvider {
    typealias Column = IMISData.Invoice.Column

    let resourceType = "Invoice"
    let interactions: Set<Interaction> = [.read, .vread, .historyInstance, .searchType, .create, .update]
    let searchParameters: [SearchParameter]
    let documentation = "Contribution invoices (tblInvoice, tblInvoiceLineItem). Reads accept the UUID or the invoice "
        + "code. Elements without a column (participant, account, totalPriceComponent, extensions) are refused (422). "
        + "balanced is set only by payments."
    let store: any IMISStore
    let mapping: MappingContext

    init(store: any IMISStore, mapping: MappingContext) {
        self.store = store
        self.mapping = mapping
        let insurer = mapping.insurer
        searchParameters = [
            .identifier(code: Column.code, system: mapping.identifierSystem(.invoiceCode), uuid: Column.uuid,
                        documentation: "Invoice code or UUID."),
            SearchParameter("status", .token, documentation: "draft, issued, balanced, cancelled, entered-in-error.") {
                c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                var stored: [SQLValue] = []
                for token in c.tokens() where token.system == nil || token.system == FHIRModels.InvoiceStatus.valueSetURL
                    || token.system == "http://hl7.org/fhir/invoice-status"
                {
                    stored += (token.code.flatMap { InvoiceMapping.storedStatuses[$0] } ?? []).map { .integer($0) }
                }
                let match = RowPredicate.oneOf(Column.status, stored)
                return c.modifier == "not" ? .not(match) : match
            },
            SearchParameter("subject", .reference, targets: ["Group", "Patient"], documentation: "The family (or insuree) invoiced.") {
                c throws(FHIRError) in try Self.party(c, typeColumn: Column.subjectType, idColumn: Column.subjectId)
            },
            SearchParameter("patient", .reference, targets: ["Patient"], documentation: "An insuree: recipient, or member of the family invoiced.") {
                c throws(FHIRError) in try Self.patient(c)
            },
            SearchParameter("recipient", .reference, targets: ["Patient", "Group", "Organization"], documentation: "Who pays the invoice.") {
                c throws(FHIRError) in try Self.party(c, typeColumn: Column.thirdpartyType, idColumn: Column.thirdpartyId)
            },
            SearchParameter("issuer", .reference, targets: ["Organization"], documentation: "The insurer issues every invoice.") {
                c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(try c.missing() == false) }
                let ids = try c.references(defaultType: "Organization").filter { $0.type == nil || $0.type == "Organization" }
                return .constant(ids.contains { $0.id == insurer.id || $0.id == insurer.code })
            },
            // The openIMIS IG's subscription example follows `Invoice?type=contribution`.
            SearchParameter("type", .token, documentation: "contribution: every invoice served is a contribution invoice.") {
                c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let contribution = c.tokens().contains { token in
                    token.code == "contribution"
                        && (token.system == nil || OpenIMISIG.isCodeSystem(token.system, InvoiceMapping.typeSystem))
                }
                return .constant(c.modifier == "not" ? !contribution : contribution)
            },
            SearchParameter("date", .date, documentation: "Invoice date (DateInvoice).") { c throws(FHIRError) in
                try Translate.day(c, column: Column.dateInvoice)
            },
        ]
    }

    /// A subject or third party named by `Type/<uuid>` (an insuree also by CHF ID, a family by its head's).
    static func party(_ c: SearchCriterion, typeColumn: Column, idColumn: Column) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return try c.missing() ? .isNull(idColumn) : .isNotNull(idColumn) }
        var alternatives: [RowPredicate] = []
        for ref in try c.references(defaultType: nil) {
            let models = ["Group": "family", "Patient": "insuree", "Organization": "policyholder"]
            let typed = ref.type.flatMap { models[$0] }.map { RowPredicate.compare(typeColumn, .equal, .text($0)) }
            var keys: [RowPredicate] = [.equalsIgnoringCase(idColumn, ref.id)]
            if ref.type == nil || ref.type == "Patient" {
                keys.append(.related(Insuree.Column.insureeUUID, outer: idColumn,
                                     where: [.compare(Insuree.Column.chfid, .equal, .text(ref.id))]))
            }
            if ref.type == nil || ref.type == "Group" {
                keys.append(.related(Family.Column.familyUUID, outer: idColumn, where: [
                    .related(Insuree.Column.insureeID, outer: Family.Column.insureeID,
                             where: [.compare(Insuree.Column.chfid, .equal, .text(ref.id))]),
                ]))
            }
            alternatives.append(.and([typed, .or(keys)].compactMap { $0 }))
        }
        return .or(alternatives)
    }

    /// The insuree as recipient, or as a member of the family invoiced.
    static func patient(_ c: SearchCriterion) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        var alternatives: [RowPredicate] = []
        for ref in try c.references(defaultType: "Patient") where ref.type == nil || ref.type == "Patient" {
            let insuree = RowPredicate.or([
                .equalsIgnoringCase(Insuree.Column.insureeUUID, ref.id), .compare(Insuree.Column.chfid, .equal, .text(ref.id)),
            ])
            alternatives.append(.and([.compare(Column.thirdpartyType, .equal, .text("insuree")),
                                      .related(Insuree.Column.insureeUUID, outer: Column.thirdpartyId, where: [insuree])]))
            alternatives.append(.and([.compare(Column.subjectType, .equal, .text("family")),
                                      .related(Family.Column.familyUUID, outer: Column.subjectId, where: [
                                          .related(Insuree.Column.familyID, outer: Family.Column.familyID, where: [insuree]),
                                      ])]))
        }
        return .or(alternatives)
    }

    func details(_ id: String) async throws(FHIRError) -> InvoiceDetails {
        let found: InvoiceDetails?
        do { found = RowUUID.normalized(id) != nil ? try await store.invoice(uuid: id) : try await store.invoice(code: id) } catch {
            throw FHIRError.storage(error)
        }
        guard let found else { throw FHIRError(.notFound, "Invoice/\(id) is not known") }
        return found
    }

    func stored(_ details: InvoiceDetails) -> StoredResource {
        HistoryTableSearch.stored(details.invoice, .invoice(InvoiceMapping.invoice(details, context: mapping)))
    }

    func current(id: String) async throws(FHIRError) -> StoredResource { stored(try await details(id)) }

    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        try await HistoryTableSearch.search(IMISData.Invoice.self, query, parameters: searchParameters, store: store) {
            row async throws(FHIRError) in
            let found: InvoiceDetails?
            do { found = try await store.invoice(uuid: row.record.uuid) } catch { throw FHIRError.storage(error) }
            guard let found else { throw FHIRError(.notFound, "Invoice/\(row.record.uuid) is not known") }
            return stored(found)
        }
    }

    func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        guard case .invoice(let invoice) = resource else { throw FHIRError(.invalid, "expected an Invoice") }
        do {
            let draft = try InvoiceMapping.draft(invoice, context: mapping)
            guard draft.status == .draft || draft.status == .issued else {
                throw MappingError.invalid("Invoice.status", "a new invoice is draft or issued")
            }
            let (subjectType, subjectID, policy) = try await resolveSubject(draft)
            let recipient = try await draft.recipient.mapAsync { try await resolveParty($0, "Invoice.recipient") }
            let row = IMISData.Invoice(
                uuid: draft.uuid ?? RowUUID.make(), code: draft.code, subjectType: subjectType, subjectID: subjectID,
                thirdpartyType: recipient?.0, thirdpartyID: recipient?.1, dateInvoice: draft.date,
                amountNet: draft.totalNet, amountTotal: draft.totalGross,
                status: draft.status == .draft ? IMISData.InvoiceStatus.draft.rawValue : IMISData.InvoiceStatus.validated.rawValue,
                currencyCode: draft.currency, note: draft.note, terms: draft.terms)
            let lines = draft.lines.map { line in
                IMISData.InvoiceLineItem(
                    code: draft.code, lineType: line.lineType, lineID: policy, quantity: line.quantity,
                    unitPrice: line.unitPrice, discount: line.discount, deduction: line.deduction,
                    amountNet: line.amountNet, amountTotal: line.amountTotal)
            }
            if try await store.invoice(code: draft.code) != nil {
                throw FHIRError(.conflict, "an invoice with code \(draft.code) exists")
            }
            return stored(try await store.createInvoice(row, lines: lines))
        } catch let error as MappingError {
            throw error.fhirError
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
    }

    func update(id: String, _ resource: Resource, ifMatch: Int?) async throws(FHIRError) -> StoredResource {
        guard case .invoice(let invoice) = resource else { throw FHIRError(.invalid, "expected an Invoice") }
        let current = try await details(id)
        if let ifMatch, ifMatch != current.invoice.versionId {
            throw FHIRError(.preconditionFailed, "If-Match names version \(ifMatch); the current version is \(current.invoice.versionId)")
        }
        do {
            let draft = try InvoiceMapping.draft(invoice, context: mapping)
            var row = current.invoice.record
            func unchanged(_ same: Bool, _ path: String) throws(MappingError) {
                if !same { throw .invalid(path, "cannot change after creation; cancel the invoice and issue another") }
            }
            try unchanged(draft.code == row.code, "Invoice.identifier")
            try unchanged(draft.uuid == nil || draft.uuid == row.uuid.lowercased(), "Invoice.identifier")
            if let subject = draft.subject {
                let (_, subjectID) = try await resolveParty(subject, "Invoice.subject")
                try unchanged(subjectID.lowercased() == row.subjectID.lowercased(), "Invoice.subject")
            }
            try unchanged(DecimalText.parse(draft.totalGross) == DecimalText.parse(row.amountTotal)
                          && DecimalText.parse(draft.totalNet) == DecimalText.parse(row.amountNet), "Invoice.totalGross")
            try unchanged(draft.currency == row.currencyCode, "Invoice.totalGross.currency")
            try unchanged(draft.lines.count == current.lines.count && zip(draft.lines, current.lines).allSatisfy {
                DecimalText.parse($0.amountTotal) == DecimalText.parse($1.record.amountTotal)
            }, "Invoice.lineItem")
            row.status = try InvoiceMapping.transition(from: row.status, to: draft.status)
            let recipient = try await draft.recipient.mapAsync { try await resolveParty($0, "Invoice.recipient") }
            (row.thirdpartyType, row.thirdpartyID) = (recipient?.0, recipient?.1)
            (row.dateInvoice, row.note, row.terms) = (draft.date, draft.note, draft.terms)
            return stored(try await store.updateInvoice(row, expectedVersion: current.invoice.versionId))
        } catch let error as MappingError {
            throw error.fhirError
        } catch {
            throw FHIRError.storage(error)
        }
    }

    /// The stored model and UUID of a Group (family), Patient (insuree) or Organization (policy holder).
    func resolveParty(_ party: (type: String, target: ReferenceTarget), _ path: String) async throws -> (String, String) {
        switch (party.type, party.target) {
        case ("Group", .uuid(let uuid)):
            if let family = try await store.record(Family.self, uuid: uuid, includeDeleted: false) { return ("family", family.record.uuid) }
        case ("Group", .code(let chfid)):
            if let head = try await store.insuree(chfid: chfid), let family = try await store.record(Family.self, id: head.record.familyID ?? -1) {
                return ("family", family.record.uuid)
            }
        case ("Patient", .uuid(let uuid)):
            if let insuree = try await store.record(Insuree.self, uuid: uuid, includeDeleted: false) { return ("insuree", insuree.record.uuid) }
        case ("Patient", .code(let chfid)):
            if let insuree = try await store.insuree(chfid: chfid) { return ("insuree", insuree.record.uuid) }
        case ("Organization", .uuid(let uuid)):
            if let holder = try await store.policyHolder(uuid: uuid, includeDeleted: false) { return ("policyholder", holder.record.uuid) }
        case ("Organization", .code(let code)):
            if let holder = try await store.policyHolder(code: code) { return ("policyholder", holder.record.uuid) }
        default: break
        }
        throw MappingError.unknown(path, "no current \(party.type) '\(party.target)'")
    }

    /// The family invoiced and the policy its lines charge: the family's newest idle or ready policy.
    func resolveSubject(_ draft: InvoiceDraft) async throws -> (String, String, String) {
        guard let subject = draft.subject else { throw MappingError.required("Invoice.subject", "the invoice needs a subject (Group)") }
        let (model, uuid) = try await resolveParty(subject, "Invoice.subject")
        guard model == "family", let family = try await store.record(Family.self, uuid: uuid, includeDeleted: false), let familyID = family.record.id else {
            throw MappingError.invalid("Invoice.subject", "a contribution invoice is about a family (Group)")
        }
        let open = [PolicyStatus.idle.rawValue, PolicyStatus.ready.rawValue]
        guard let policy = try await store.policies(familyID: familyID).first(where: { open.contains($0.record.status) }) else {
            throw MappingError.invalid("Invoice.subject", "the family has no idle policy to invoice")
        }
        return (model, uuid, policy.record.uuid)
    }
}

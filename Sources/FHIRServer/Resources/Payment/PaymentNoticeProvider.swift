import FHIRModels
import Foundation
import IMISData

/// PaymentNotice ← `tblPaymentInvoice` + `tblDetailPaymentInvoice` (reference §3.12; membership-and-payments §2.5):
/// read, search and create, idempotent on the notice identifier (api.md §1).
///
/// Create with status `active` records the payment of the invoice named by `request` through `recordPayment`
/// (the contribution, the invoice settlement and the policy activation in one transaction, see
/// `InsuranceRules`); a second notice with the same identifier records nothing and answers 200 with the first
/// payment. Status `cancelled` or `entered-in-error` for a recorded identifier cancels that payment
/// (`cancelPayment`) and answers 200.
struct PaymentNoticeProvider: CurrentVersionProvider {
    let resourceType = "PaymentNotice"
    let interactions: Set<Interaction> = [.read, .vread, .historyInstance, .searchType, .create]
    let searchParameters: [SearchParameter]
    let documentation = "Payments of invoices (tblPaymentInvoice, tblDetailPaymentInvoice). Create is idempotent on "
        + "identifier; status cancelled or entered-in-error cancels the payment recorded under that identifier. "
        + "provider, payee, response and extensions have no column and are refused (422)."
    let store: any IMISStore
    let mapping: MappingContext
    /// Told, after a payment outside any unit of work committed, the families whose policy it activated.
    let notices: PeopleNotices

    init(store: any IMISStore, mapping: MappingContext, notices: PeopleNotices = .silent) {
        self.store = store
        self.mapping = mapping
        self.notices = notices
        searchParameters = [
            SearchParameter("identifier", .token, documentation: "The notice identifier (any system) or the payment UUID.") {
                c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let values = c.tokens().compactMap(\.code)
                let match = RowPredicate.or(values.flatMap { [.compare(PaymentInvoice.Column.codeExt, .equal, .text($0)), .uuidEquals($0)] })
                return c.modifier == "not" ? .not(match) : match
            },
            SearchParameter("request", .reference, targets: ["Invoice"], documentation: "The invoice paid (UUID or code).") {
                c throws(FHIRError) in
                if c.modifier == "missing" { return .constant(!(try c.missing())) }
                let refs = try c.references(defaultType: "Invoice").filter { $0.type == nil || $0.type == "Invoice" }
                return .or(refs.map { ref in
                    .related(PaymentInvoiceDetail.Column.paymentId, outer: PaymentInvoice.Column.uuid, where: [.or([
                        .equalsIgnoringCase(PaymentInvoiceDetail.Column.subjectId, ref.id),
                        .related(IMISData.Invoice.Column.uuid, outer: PaymentInvoiceDetail.Column.subjectId,
                                 where: [.compare(IMISData.Invoice.Column.code, .equal, .text(ref.id))]),
                    ])])
                })
            },
            SearchParameter("status", .token, documentation: "active, cancelled (cancelled or refunded payments).") {
                c throws(FHIRError) in try Self.oneOf(PaymentInvoice.Column.reconciliationStatus, ["active": [0, 1], "cancelled": [2, 3]], c)
            },
            SearchParameter("created", .date, documentation: "When the payment was recorded.") { c throws(FHIRError) in
                try HistoryTableSearch.instant(c, column: PaymentInvoice.Column.dateCreated)
            },
            SearchParameter("payment-status", .token, documentation: "paid (not reconciliated) or cleared (reconciliated).") {
                c throws(FHIRError) in try Self.oneOf(PaymentInvoice.Column.reconciliationStatus, ["paid": [0], "cleared": [1]], c)
            },
        ]
    }

    /// Token search mapping FHIR codes to stored integer codes of `column`.
    static func oneOf(_ column: PaymentInvoice.Column, _ codes: [String: [Int64]], _ c: SearchCriterion) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        let stored = c.tokens().flatMap { token in (token.code.flatMap { codes[$0] } ?? []).map { SQLValue.integer($0) } }
        let match = RowPredicate.oneOf(column, stored)
        return c.modifier == "not" ? .not(match) : match
    }

    func payment(_ id: String) async throws(FHIRError) -> PaymentDetails {
        let found: PaymentDetails?
        do {
            found = RowUUID.normalized(id) != nil
                ? try await store.payment(uuid: id) : try await store.payment(identifier: PaymentNoticeIdentifier(value: id))
        } catch { throw FHIRError.storage(error) }
        guard let found else { throw FHIRError(.notFound, "PaymentNotice/\(id) is not known") }
        return found
    }

    func stored(_ payment: PaymentDetails, existing: Bool = false) -> StoredResource {
        var result = HistoryTableSearch.stored(payment.payment, .paymentNotice(PaymentMapping.paymentNotice(payment, context: mapping)))
        result.existing = existing
        return result
    }

    func current(id: String) async throws(FHIRError) -> StoredResource { stored(try await payment(id)) }

    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        try await HistoryTableSearch.search(PaymentInvoice.self, query, parameters: searchParameters, store: store) {
            row async throws(FHIRError) in stored(try await payment(row.record.uuid))
        }
    }

    func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        guard case .paymentNotice(let notice) = resource else { throw FHIRError(.invalid, "expected a PaymentNotice") }
        do {
            let input = try parse(notice)
            if input.status == .cancelled || input.status == .enteredInError {
                guard let existing = try await store.payment(identifier: input.identifier) else {
                    throw MappingError.unknown("PaymentNotice.identifier", "no payment is recorded under this identifier")
                }
                return stored(try await store.cancelPayment(uuid: existing.payment.record.uuid).payment, existing: true)
            }
            guard input.status == .active else {
                throw MappingError.invalid("PaymentNotice.status", "a payment notice is active (or cancelled to revert)")
            }
            let invoice: InvoiceDetails?
            switch input.invoice {
            case .uuid(let uuid): invoice = try await store.invoice(uuid: uuid)
            case .code(let code): invoice = try await store.invoice(code: code)
            }
            guard let invoice else { throw MappingError.unknown("PaymentNotice.request", "no current Invoice '\(input.invoice)'") }
            if let currency = input.currency, currency != invoice.invoice.record.currencyCode {
                throw MappingError.invalid("PaymentNotice.amount.currency",
                                           "the invoice is in \(invoice.invoice.record.currencyCode), the payment in \(currency)")
            }
            var before: [String: PolicyStatus?] = [:]
            for line in invoice.lines where line.record.lineType == "policy" {
                before[line.record.lineID.lowercased()] = try await store.record(Policy.self, uuid: line.record.lineID, includeDeleted: false)?.record.policyStatus
            }
            let result = try await store.recordPayment(PaymentRequest(
                identifier: input.identifier, invoiceUUID: invoice.invoice.record.uuid, amount: input.amount,
                currencyCode: input.currency, datePayment: input.date, reconciled: input.reconciled, payerRef: input.payerRef))
            // A write inside a unit of work (a transaction Bundle) may still be rolled back: no one is told of it.
            let families = result.policies.map(\.record).filter {
                $0.policyStatus == .active && before[$0.uuid.lowercased()] != .some(.active)
            }.map(\.familyID)
            if result.created, !families.isEmpty, !UnitOfWork.isActive { notices.policyActivated(families) }
            return stored(result.payment, existing: !result.created)
        } catch let error as MappingError {
            throw error.fhirError
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
    }

    /// What a posted notice says (reference §3.12 "In (POST)"; rule for elements without a column: refuse).
    struct Input: Sendable {
        var identifier: PaymentNoticeIdentifier, status: FinancialResourceStatusCodes, invoice: ReferenceTarget
        var amount: String, currency: String?, date: LocalDate, reconciled: Bool, payerRef: String?
    }

    func parse(_ notice: PaymentNotice) throws(MappingError) -> Input {
        let p = "PaymentNotice"
        try FHIRServer.Input.checkMeta(notice.meta, p)
        try FHIRServer.Input.refuseDomainResourceExtras(
            implicitRules: notice.implicitRules, language: notice.language, text: notice.text,
            contained: notice.contained, modifierExtension: notice.modifierExtension, p)
        try FHIRServer.Input.refuse(!(notice.extension?.isEmpty ?? true), "\(p).extension")
        try FHIRServer.Input.refuse(notice.provider, "\(p).provider")
        try FHIRServer.Input.refuse(notice.payee, "\(p).payee")
        try FHIRServer.Input.refuse(notice.response, "\(p).response")
        guard let identifier = (notice.identifier ?? []).first(where: { FHIRServer.Input.string($0.value) != nil }),
              let value = FHIRServer.Input.string(identifier.value)
        else { throw .required("\(p).identifier", "the notice identifier is required (payments are idempotent on it)") }
        guard let request = notice.request else { throw .required("\(p).request", "the invoice paid is required") }
        if let type = request.type?.value?.string, type.lowercased() != "invoice" {
            throw .invalid("\(p).request.type", "type in request should be 'invoice'")
        }
        let invoice = try FHIRServer.Input.target(request, "Invoice", "\(p).request")
        guard let amount = notice.amount.value?.value?.description else { throw .required("\(p).amount.value", "the amount is required") }
        let codes = (notice.paymentStatus?.coding ?? []).filter {
            $0.system?.value?.string == nil || $0.system?.value?.string == PaymentMapping.paymentStatusSystem
        }.compactMap { $0.code?.value?.string }
        guard let status = codes.first, status == "paid" || status == "cleared" else {
            throw .invalid("\(p).paymentStatus", "paymentStatus should be either 'paid' or 'cleared'")
        }
        let recipient = notice.recipient.reference?.value?.string
        if let recipient, !recipient.hasSuffix("Organization/\(mapping.insurer.id)") {
            throw .invalid("\(p).recipient", "the recipient of a payment is the insurer (Organization/\(mapping.insurer.id))")
        }
        let dateText = notice.paymentDate?.value?.text ?? notice.created.value.map { String($0.text.prefix(10)) }
        guard let dateText, let date = LocalDate(dateText) else {
            throw .required("\(p).paymentDate", "the payment date is required")
        }
        return Input(
            identifier: PaymentNoticeIdentifier(system: identifier.system?.value?.string, value: value),
            status: notice.status.value ?? .active, invoice: invoice, amount: amount,
            currency: notice.amount.currency?.value?.string, date: date, reconciled: status == "cleared",
            payerRef: notice.payment.reference?.value?.string)
    }
}

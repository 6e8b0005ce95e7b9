import FHIRModels
import Foundation
import IMISData

/// PaymentReconciliation ← the payments whose details carry the same `tblDetailPaymentInvoice.ReconcilationId`
/// (reference §3.12, §5.2; api.md §1: read, search, create). A cleared PaymentNotice is its own reconciliation
/// (its id is the notice identifier).
///
/// Create lists payments in `detail` (each by `identifier` — the notice identifier or the payment UUID — or by
/// `request` = the Invoice, meaning its open payments) and marks them reconciliated (PaymentNotice
/// `paymentStatus` cleared) in one transaction; `paymentAmount` must be their sum. Elements without a column
/// are refused (422).
struct PaymentReconciliationProvider: ResourceProvider {
    let resourceType = "PaymentReconciliation"
    let interactions: Set<Interaction> = [.read, .searchType, .create]
    let searchParameters: [SearchParameter]
    let documentation = "Reconciliations of payments (tblDetailPaymentInvoice.ReconcilationId). Create marks the listed "
        + "payments reconciliated; identifier, period, requestor, paymentIssuer, disposition, formCode, processNote "
        + "and extensions have no column and are refused (422)."
    let store: any IMISStore
    let mapping: MappingContext

    init(store: any IMISStore, mapping: MappingContext) {
        self.store = store
        self.mapping = mapping
        // Translated by the provider itself (reconciliations are not rows); the predicate is unused.
        searchParameters = [
            SearchParameter("request", .reference, targets: ["Invoice"], documentation: "An invoice with a reconciled payment.") {
                _ throws(FHIRError) in .constant(true)
            }
        ]
    }

    func stored(id: String, _ payments: [PaymentDetails]) -> StoredResource {
        let reconciliation = PaymentMapping.reconciliation(id: id, payments, context: mapping)
        let lastUpdated = payments.map(\.payment.record.dateUpdated).max() ?? Date(timeIntervalSince1970: 0)
        return StoredResource(resource: .paymentReconciliation(reconciliation), versionId: 1, lastUpdated: lastUpdated)
    }

    func read(id: String) async throws(FHIRError) -> StoredResource {
        let payments: [PaymentDetails]
        do { payments = try await store.reconciliation(id: id) } catch { throw FHIRError.storage(error) }
        guard !payments.isEmpty, PaymentMapping.isFHIRId(id) else {
            throw FHIRError(.notFound, "PaymentReconciliation/\(id) is not known")
        }
        return stored(id: payments.first?.details.first?.record.reconciliationID ?? id, payments)
    }

    func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        throw FHIRError(.methodNotAllowed, "vread is not supported for PaymentReconciliation")
    }

    func history(id: String) async throws(FHIRError) -> [StoredResource] {
        throw FHIRError(.methodNotAllowed, "history is not supported for PaymentReconciliation")
    }

    /// Reconciliations in id order (keyset on the id); `request` narrows to one invoice, `_id` to given ids.
    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        if !query.lastUpdated.isEmpty { throw FHIRError(.badSearch, "_lastUpdated is not supported for PaymentReconciliation") }
        do {
            var invoiceUUID: String?
            for criterion in query.criteria where criterion.name == "request" {
                for ref in try criterion.references(defaultType: "Invoice") {
                    let found = RowUUID.normalized(ref.id) != nil ? try await store.invoice(uuid: ref.id) : try await store.invoice(code: ref.id)
                    guard let found else { return SearchMatches(resources: [], total: 0, nextCursor: nil) }
                    invoiceUUID = found.invoice.record.uuid
                }
            }
            var ids = try await store.reconciliationIDs(invoiceUUID: invoiceUUID, paymentUUID: nil, after: query.cursor?.key, limit: 1001)
            for wanted in query.ids { ids = ids.filter { id in wanted.contains { $0.caseInsensitiveCompare(id) == .orderedSame } } }
            ids = ids.filter(PaymentMapping.isFHIRId)
            let total = query.total == .none && !query.summaryCount ? nil : ids.count
            let skip = (query.pageOffset ?? 1) > 1 && query.cursor == nil ? query.count * ((query.pageOffset ?? 1) - 1) : 0
            let page = query.summaryCount ? [] : Array(ids.dropFirst(skip).prefix(query.count))
            var resources: [StoredResource] = []
            for id in page { resources.append(stored(id: id, try await store.reconciliation(id: id))) }
            let more = ids.count > skip + page.count
            return SearchMatches(resources: resources, total: total,
                                 nextCursor: more ? page.last.map { RowCursor(key: $0, id: 0).token } : nil)
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
    }

    func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        guard case .paymentReconciliation(let reconciliation) = resource else {
            throw FHIRError(.invalid, "expected a PaymentReconciliation")
        }
        do {
            let (uuids, date) = try await payments(reconciliation)
            let id = RowUUID.make()
            let reconciled = try await store.reconcilePayments(uuids, reconciliationID: id, date: date)
            return stored(id: id, reconciled)
        } catch let error as MappingError {
            throw error.fhirError
        } catch {
            throw FHIRError.storage(error)
        }
    }

    /// The payments a posted reconciliation lists, and its payment date.
    func payments(_ r: PaymentReconciliation) async throws -> ([String], LocalDate) {
        let p = "PaymentReconciliation"
        try Input.checkMeta(r.meta, p)
        try Input.refuseDomainResourceExtras(
            implicitRules: r.implicitRules, language: r.language, text: r.text, contained: r.contained,
            modifierExtension: r.modifierExtension, p)
        try Input.refuse(!(r.extension?.isEmpty ?? true), "\(p).extension")
        for (present, element) in [(r.identifier != nil, "identifier"), (r.period != nil, "period"),
                                   (r.paymentIssuer != nil, "paymentIssuer"), (r.request != nil, "request"),
                                   (r.requestor != nil, "requestor"), (r.disposition != nil, "disposition"),
                                   (r.paymentIdentifier != nil, "paymentIdentifier"), (r.formCode != nil, "formCode"),
                                   (r.processNote != nil, "processNote")] {
            try Input.refuse(present, "\(p).\(element)")
        }
        guard r.status.value == .active else { throw MappingError.invalid("\(p).status", "a reconciliation is active") }
        if let outcome = r.outcome?.value, outcome != .complete {
            throw MappingError.invalid("\(p).outcome", "a reconciliation is complete")
        }
        guard let dateText = r.paymentDate.value?.text, let date = LocalDate(dateText) else {
            throw MappingError.invalid("\(p).paymentDate", "a full date (YYYY-MM-DD) is required")
        }
        guard let details = r.detail, !details.isEmpty else {
            throw MappingError.required("\(p).detail", "the reconciliation lists no payment")
        }
        var uuids: [String] = []
        var total = Decimal(0)
        for (i, detail) in details.enumerated() {
            let dp = "\(p).detail[\(i)]"
            for (present, element) in [(detail.predecessor != nil, "predecessor"), (detail.submitter != nil, "submitter"),
                                       (detail.response != nil, "response"), (detail.responsible != nil, "responsible"),
                                       (detail.payee != nil, "payee"), (detail.extension != nil, "extension"),
                                       (detail.modifierExtension != nil, "modifierExtension")] {
                try Input.refuse(present, "\(dp).\(element)")
            }
            guard (detail.type.coding ?? []).contains(where: { $0.code?.value?.string == "payment" }) else {
                throw MappingError.invalid("\(dp).type", "only payment details (payment-type#payment) are reconciled")
            }
            let found = try await listed(detail, dp)
            var amount = Decimal(0)
            for payment in found {
                let row = payment.payment.record
                amount += DecimalText.parse(row.amountReceived) ?? 0
                if let day = detail.date?.value?.text, day != row.datePayment.description {
                    throw MappingError.invalid("\(dp).date", "the payment was made on \(row.datePayment)")
                }
                uuids.append(row.uuid)
            }
            if let text = detail.amount?.value?.value?.description, DecimalText.parse(text) != amount {
                throw MappingError.invalid("\(dp).amount", "the payment amount is \(DecimalText.string(amount))")
            }
            total += amount
        }
        guard let paid = r.paymentAmount.value?.value?.description, DecimalText.parse(paid) == total else {
            throw MappingError.invalid("\(p).paymentAmount", "paymentAmount must be the sum of the payments (\(DecimalText.string(total)))")
        }
        return (uuids, date)
    }

    /// The payments one detail names: by identifier (notice identifier or payment UUID), else the open
    /// (not reconciliated, not cancelled) payments of the invoice in `request`.
    func listed(_ detail: PaymentReconciliationDetail, _ path: String) async throws -> [PaymentDetails] {
        if let identifier = detail.identifier, let value = Input.string(identifier.value) {
            let byNotice = try await store.payment(identifier: PaymentNoticeIdentifier(system: identifier.system?.value?.string, value: value))
            var found = byNotice
            if found == nil, RowUUID.normalized(value) != nil { found = try await store.payment(uuid: value) }
            guard let found else { throw MappingError.unknown("\(path).identifier", "no payment '\(value)'") }
            return [found]
        }
        guard let request = detail.request else {
            throw MappingError.required("\(path).identifier", "name the payment (identifier) or the invoice (request)")
        }
        let target = try Input.target(request, "Invoice", "\(path).request")
        let invoice: InvoiceDetails?
        switch target {
        case .uuid(let uuid): invoice = try await store.invoice(uuid: uuid)
        case .code(let code): invoice = try await store.invoice(code: code)
        }
        guard let invoice else { throw MappingError.unknown("\(path).request", "no current Invoice '\(target)'") }
        let open = try await store.payments(invoiceUUID: invoice.invoice.record.uuid).filter {
            $0.payment.record.reconciliationStatus == ReconciliationStatus.notReconciliated.rawValue
        }
        guard !open.isEmpty else { throw MappingError.invalid("\(path).request", "the invoice has no payment to reconcile") }
        return open
    }
}

import FHIRModels
import Foundation
import IMISData

/// A posted Invoice, checked and reduced to what `tblInvoice` / `tblInvoiceLineItem` hold (reference §3.12;
/// IG profile `openimis-invoice-invoice`). References are resolved by the provider.
struct InvoiceDraft: Sendable {
    /// A line: `LineType` (`policy`), quantity, unit price, discount, deduction, net and total amounts.
    struct Line: Sendable {
        var lineType: String, quantity: String, unitPrice: String, discount: String?, deduction: String?
        var amountNet: String, amountTotal: String
    }

    var uuid: String?
    var code: String
    var status: FHIRModels.InvoiceStatus
    /// `subject`: `Group/<family>` (or `Patient/<insuree>`); needed to create, optional on update (the IG has
    /// `subject` 0..0, so a read invoice written back has none and keeps the stored one).
    var subject: (type: String, target: ReferenceTarget)?
    var recipient: (type: String, target: ReferenceTarget)?
    var date: LocalDate
    var lines: [Line]
    var totalNet: String
    var totalGross: String
    var currency: String
    var note: String?
    var terms: String?
}

extension InvoiceMapping {
    /// Reads a posted Invoice (create and update). Rule for elements without a column: refuse (mapping.md
    /// decision 5) — participant, account, totalPriceComponent, cancelledReason, extensions, price components
    /// other than base/discount/deduction, and more than one note are answered 422.
    static func draft(_ invoice: FHIRModels.Invoice, context: MappingContext) throws(MappingError) -> InvoiceDraft {
        let p = "Invoice"
        try Input.checkMeta(invoice.meta, p)
        try Input.refuseDomainResourceExtras(
            implicitRules: invoice.implicitRules, language: invoice.language, text: invoice.text,
            contained: invoice.contained, modifierExtension: invoice.modifierExtension, p)
        try Input.refuse(!(invoice.extension?.isEmpty ?? true), "\(p).extension")
        try Input.refuse(invoice.cancelledReason, "\(p).cancelledReason")
        try Input.refuse(!(invoice.participant?.isEmpty ?? true), "\(p).participant")
        try Input.refuse(invoice.account, "\(p).account")
        try Input.refuse(!(invoice.totalPriceComponent?.isEmpty ?? true), "\(p).totalPriceComponent")
        try Input.refuse((invoice.note?.count ?? 0) > 1, "\(p).note[1]")

        var code: String?, uuid: String?
        for (i, identifier) in (invoice.identifier ?? []).enumerated() {
            guard let value = Input.string(identifier.value) else { continue }
            switch Input.identifierTypeCode(identifier)?.lowercased() {
            case "uuid"?:
                guard let normalized = RowUUID.normalized(value) else {
                    throw .invalid("\(p).identifier[\(i)]", "a UUID identifier must hold a UUID")
                }
                uuid = normalized
            default: code = code ?? value
            }
        }
        guard let code else { throw .required("\(p).identifier", "the invoice needs a Code identifier") }
        guard let type = invoice.type else { throw .required("\(p).type", "the invoice type is required") }
        guard (type.coding ?? []).contains(where: {
            OpenIMISIG.isCodeSystem($0.system?.value?.string, typeSystem) && $0.code?.value?.string == "contribution"
        }) else { throw .invalid("\(p).type", "only contribution invoices (invoice-type#contribution) are supported") }
        let subject = try invoice.subject.map { s throws(MappingError) in try typedTarget(s, ["Group", "Patient"], "\(p).subject") }
        let recipient = try invoice.recipient.map { r throws(MappingError) in
            try typedTarget(r, ["Patient", "Group", "Organization"], "\(p).recipient")
        }
        if let issuer = invoice.issuer, let text = issuer.reference?.value?.string,
           text != "Organization/\(context.insurer.id)", !text.hasSuffix("/Organization/\(context.insurer.id)") {
            throw .invalid("\(p).issuer", "the issuer is the insurer (Organization/\(context.insurer.id))")
        }
        guard let dateText = invoice.date?.value?.text else { throw .required("\(p).date", "the invoice date is required") }
        guard let date = LocalDate(String(dateText.prefix(10))) else {
            throw .invalid("\(p).date", "the invoice date must name a day (YYYY-MM-DD)")
        }
        var currency: String?
        func amount(_ money: Money?, _ path: String) throws(MappingError) -> String {
            guard let money, let value = money.value?.value?.description else { throw .required(path, "an amount is required") }
            let moneyCurrency = money.currency?.value?.string ?? context.currency
            if let currency, currency != moneyCurrency {
                throw .invalid("\(path).currency", "every amount must be in \(currency)")
            }
            currency = moneyCurrency
            return value
        }
        let totalNet = try amount(invoice.totalNet, "\(p).totalNet")
        let totalGross = try amount(invoice.totalGross, "\(p).totalGross")
        guard let items = invoice.lineItem, !items.isEmpty else {
            throw .required("\(p).lineItem", "the invoice needs at least one line")
        }
        var lines: [InvoiceDraft.Line] = []
        for (i, item) in items.enumerated() {
            let lp = "\(p).lineItem[\(i)]"
            try Input.refuse(!(item.extension?.isEmpty ?? true), "\(lp).extension")
            try Input.refuse(!(item.modifierExtension?.isEmpty ?? true), "\(lp).modifierExtension")
            guard case .codeableConcept(let concept) = item.chargeItem, (concept.coding ?? []).contains(where: {
                OpenIMISIG.isCodeSystem($0.system?.value?.string, chargeItemSystem) && $0.code?.value?.string == "policy"
            }) else { throw .invalid("\(lp).chargeItemCodeableConcept", "a contribution line charges a policy (invoice-charge-item#policy)") }
            var line = InvoiceDraft.Line(lineType: "policy", quantity: "1", unitPrice: "", discount: nil, deduction: nil,
                                         amountNet: "", amountTotal: "")
            for (j, component) in (item.priceComponent ?? []).enumerated() {
                let cp = "\(lp).priceComponent[\(j)]"
                switch component.type.value {
                case .base?:
                    line.amountNet = try amount(component.amount, "\(cp).amount")
                    line.quantity = component.factor?.value?.description ?? "1"
                    for (k, ext) in (component.extension ?? []).enumerated() {
                        guard OpenIMISIG.extensionId(of: ext.url) == OpenIMISIG.Ext.unitPrice, case .money(let price)? = ext.value
                        else { throw .unmapped("\(cp).extension[\(k)]", "extension '\(ext.url)'") }
                        line.unitPrice = try amount(price, "\(cp).extension[\(k)].valueMoney")
                    }
                case .discount?: line.discount = try amount(component.amount, "\(cp).amount")
                case .deduction?: line.deduction = try amount(component.amount, "\(cp).amount")
                default: throw .unmapped("\(cp)", "a \(component.type.value?.rawValue ?? "") price component")
                }
            }
            guard !line.amountNet.isEmpty else { throw .required("\(lp).priceComponent", "the line needs a base price component") }
            if line.unitPrice.isEmpty {
                guard let net = DecimalText.parse(line.amountNet), let quantity = DecimalText.parse(line.quantity), quantity != 0
                else { throw .invalid("\(lp).priceComponent", "the base factor must be a non-zero number") }
                line.unitPrice = quantity == 1 ? line.amountNet : DecimalText.string(net / quantity)
            }
            let less = (DecimalText.parse(line.discount ?? "0") ?? 0) + (DecimalText.parse(line.deduction ?? "0") ?? 0)
            line.amountTotal = less == 0 ? line.amountNet : DecimalText.string((DecimalText.parse(line.amountNet) ?? 0) - less)
            lines.append(line)
        }
        let sum = lines.reduce(Decimal(0)) { $0 + (DecimalText.parse($1.amountTotal) ?? 0) }
        guard DecimalText.parse(totalGross) == sum else {
            throw .invalid("\(p).totalGross", "totalGross must be the sum of the lines (\(DecimalText.string(sum)))")
        }
        guard let currency, currency.count == 3 else { throw .invalid("\(p).totalGross.currency", "an ISO 4217 currency is required") }
        return InvoiceDraft(
            uuid: uuid, code: code, status: invoice.status.value ?? .draft, subject: subject, recipient: recipient,
            date: date, lines: lines, totalNet: totalNet, totalGross: totalGross, currency: currency,
            note: invoice.note?.first?.text.value?.string.trimmingCharacters(in: .whitespacesAndNewlines),
            terms: invoice.paymentTerms?.value?.string)
    }

    /// `Type/<id>` of one of `types` (the type from the reference text, else from `Reference.type`).
    static func typedTarget(_ reference: Reference, _ types: [String], _ path: String) throws(MappingError)
        -> (type: String, target: ReferenceTarget)
    {
        let declared = reference.reference?.value?.string.split(separator: "/").dropLast().last.map(String.init)
            ?? reference.type?.value?.string
        guard let type = declared, types.contains(type) else {
            throw .invalid(path, "expected a reference to \(types.joined(separator: " or "))")
        }
        return (type, try Input.target(reference, type, path))
    }
}

import FHIRModels
import Foundation
import IMISData

/// A posted Claim as openIMIS rows (reference §3.6 "in").
public struct ClaimDraft: Sendable, Hashable {
    public var claim: IMISData.Claim
    public var items: [ClaimLine]
    public var services: [ClaimLine]
}

extension ClaimMapping {
    /// Reads a posted Claim, resolving every reference: the insuree (`Patient/<uuid or CHF ID>`), the
    /// health facility (`Organization/<uuid or HF code>`), the claim administrator
    /// (`Practitioner/<uuid or code>`), the diagnoses (ICD codes), and each line's item or service
    /// (the `claim-item-reference` extension, else `productOrService.text`/coding as the code;
    /// `category` `item`/`service` as a coding or as text). Anything unknown is a ``MappingError``
    /// naming the element (422).
    public static func claimDraft(from claim: FHIRModels.Claim, store: any IMISStore) async throws -> ClaimDraft {
        let p = "Claim"
        guard let code = claim.identifier?.first(where: { identifierType($0) == "Code" })?.value?.value?.string
            ?? claim.identifier?.first(where: { identifierType($0) == nil })?.value?.value?.string
        else { throw MappingError.required("\(p).identifier", "the claim code (identifier of type Code) is required") }
        let insuree: Insuree = try await resolve(claim.patient, "Patient", "\(p).patient", store: store)
        let facility: HealthFacility = try await resolve(claim.provider, "Organization", "\(p).provider", store: store)
        guard let enterer = claim.enterer else { throw MappingError.required("\(p).enterer", "the claim administrator is required") }
        let admin: ClaimAdministrator = try await resolve(enterer, "Practitioner", "\(p).enterer", store: store)
        guard let dateFrom = try Input.fullDate(claim.billablePeriod?.start?.value?.text, "\(p).billablePeriod.start") else {
            throw MappingError.required("\(p).billablePeriod.start", "billablePeriod.start is required")
        }
        let dateTo = try Input.fullDate(claim.billablePeriod?.end?.value?.text, "\(p).billablePeriod.end")
        guard let claimed = try Input.fullDate(String(claim.created.value?.text.prefix(10) ?? ""), "\(p).created") else {
            throw MappingError.required("\(p).created", "created is required")
        }
        let visit = claim.type.coding?.first?.code?.value?.string ?? "O"
        guard visitTypes[visit] != nil else {
            throw MappingError(.invalidValue, path: "\(p).type", "unknown visit type \(visit) (E, R or O)")
        }
        var icd: [Int64] = []
        for (index, diagnosis) in (claim.diagnosis ?? []).prefix(5).enumerated() {
            let path = "\(p).diagnosis[\(index)]"
            guard case .codeableConcept(let concept) = diagnosis.diagnosis, let icdCode = concept.coding?.first?.code?.value?.string
            else { throw MappingError.required(path, "a diagnosis is an ICD code") }
            guard let row = try await store.record(Diagnosis.self, code: icdCode)?.record.id else {
                throw MappingError(.unknownReference, path: path, "unknown diagnosis code \(icdCode)")
            }
            icd.append(row)
        }
        guard let mainDiagnosis = icd.first else { throw MappingError.required("\(p).diagnosis", "at least one diagnosis is required") }
        var items: [ClaimLine] = []
        var services: [ClaimLine] = []
        var total = Decimal(0)
        for (index, item) in (claim.item ?? []).enumerated() {
            let line = try await claimLine(item, path: "\(p).item[\(index)]", store: store)
            total += (Decimal(string: line.quantityProvided) ?? 0) * (Decimal(string: line.priceAsked) ?? 0)
            if line.kind == .item { items.append(line) } else { services.append(line) }
        }
        if items.isEmpty && services.isEmpty { throw MappingError.required("\(p).item", "a claim has at least one item or service") }
        var explanation: String?
        var guarantee: String?
        for info in claim.supportingInfo ?? [] {
            guard case .string(let text)? = info.value else { continue }
            switch info.category.coding?.first?.code?.value?.string ?? info.category.text?.value?.string {
            case "explanation": explanation = text.value?.string
            case "guarantee": guarantee = text.value?.string
            default: continue
            }
        }
        let row = IMISData.Claim(
            insureeID: insuree.id ?? 0, code: code, dateFrom: dateFrom, dateTo: dateTo, icdID: mainDiagnosis,
            icdID1: icd.count > 1 ? icd[1] : nil, icdID2: icd.count > 2 ? icd[2] : nil, icdID3: icd.count > 3 ? icd[3] : nil,
            icdID4: icd.count > 4 ? icd[4] : nil, claimed: claim.total?.value?.value?.text ?? total.description,
            dateClaimed: claimed, explanation: explanation, hfID: facility.id ?? 0, claimAdminID: admin.id,
            guaranteeID: guarantee, visitType: visit)
        return ClaimDraft(claim: row, items: items, services: services)
    }

    static func identifierType(_ identifier: Identifier) -> String? {
        identifier.type?.coding?.first?.code?.value?.string
    }

    /// One line: its kind, the item or service it names, quantity and asked price.
    static func claimLine(_ item: ClaimItem, path: String, store: any IMISStore) async throws -> ClaimLine {
        let categoryCode = item.category?.coding?.first?.code?.value?.string ?? item.category?.text?.value?.string
        var kind: MedicalKind? = categoryCode.flatMap(MedicalKind.init(rawValue:))
        var medicalReference: Reference?
        for ext in item.extension ?? [] where OpenIMISIG.extensionId(of: ext.url) == "claim-item-reference" {
            if case .reference(let reference)? = ext.value { medicalReference = reference }
        }
        if kind == nil, let type = medicalReference?.reference?.value?.string.split(separator: "/").first {
            kind = type == "Medication" ? .item : type == "ActivityDefinition" ? .service : nil
        }
        guard let kind else { throw MappingError(.invalidValue, path: "\(path).category", "the category must be item or service") }
        let code = medicalReference.flatMap { $0.reference?.value?.string.split(separator: "/").last.map(String.init) }
            ?? item.productOrService.text?.value?.string ?? item.productOrService.coding?.first?.code?.value?.string
        guard let code else { throw MappingError.required("\(path).productOrService", "the item or service code is required") }
        let medicalID: Int64?
        switch kind {
        case .item: medicalID = try await lookup(MedicalItem.self, code, store: store)
        case .service: medicalID = try await lookup(MedicalService.self, code, store: store)
        }
        guard let medicalID else {
            throw MappingError(.unknownReference, path: "\(path).productOrService", "unknown \(kind.rawValue) code \(code)")
        }
        guard let quantity = item.quantity?.value?.value?.text else { throw MappingError.required("\(path).quantity", "quantity is required") }
        guard let price = item.unitPrice?.value?.value?.text else { throw MappingError.required("\(path).unitPrice", "unitPrice is required") }
        return ClaimLine(kind: kind, medicalID: medicalID, quantityProvided: quantity, priceAsked: price)
    }

    static func lookup<R: VersionedRecord>(_ type: R.Type, _ key: String, store: any IMISStore) async throws -> Int64? {
        if RowUUID.normalized(key) != nil { return try await store.record(type, uuid: key, includeDeleted: false)?.record.id }
        return try await store.record(type, code: key)?.record.id
    }

    /// The current row a reference names (UUID or business code).
    static func resolve<R: VersionedRecord>(_ reference: Reference, _ type: String, _ path: String, store: any IMISStore) async throws -> R {
        let target = try Input.target(reference, type, path)
        let found: Versioned<R>?
        switch target {
        case .uuid(let uuid): found = try await store.record(R.self, uuid: uuid, includeDeleted: false)
        case .code(let code): found = try await store.record(R.self, code: code)
        }
        guard let found else { throw MappingError(.unknownReference, path: path, "no current \(type) \(target)") }
        return found.record
    }
}

import FHIRModels
import Foundation
import IMISData

/// What a posted Contract asks for: a policy for a family on a product, its members and the
/// contributions already paid (reference §3.4 "In").
public struct EnrolmentDraft: Sendable, Hashable {
    public var policy: Policy
    public var members: [Int64]
    public var contributions: [Premium]
}

extension ContractMapping {
    /// Reads a posted Contract (IG form): `subject` = the family (`Group/<uuid or head CHF ID>`),
    /// `term[0].asset[0]`: `valuedItem[0].entityReference` = the product (`InsurancePlan/<uuid or
    /// code>`), `period[0]` = start and expiry, `typeReference` = the covered members (default: the
    /// whole family; each must belong to it), `net` = the policy value (default: computed), the
    /// `contract-premium` extensions = contributions; `issued` = enrolment date (default: today);
    /// `author` = the enrolment officer. The status is computed from the contributions.
    public static func enrolmentDraft(
        from contract: Contract, store: any IMISStore, today: LocalDate
    ) async throws -> EnrolmentDraft {
        let p = "Contract"
        guard let subject = contract.subject?.first else { throw MappingError.required("\(p).subject", "the family (Group) is required") }
        let familyTarget = try Input.target(subject, "Group", "\(p).subject[0]")
        let family: Versioned<Family>?
        switch familyTarget {
        case .uuid(let uuid): family = try await store.record(Family.self, uuid: uuid, includeDeleted: false)
        case .code(let chfid): family = try await store.family(headCHFID: chfid)
        }
        guard let family, let familyID = family.record.id else {
            throw MappingError(.unknownReference, path: "\(p).subject[0]", "no current family \(familyTarget)")
        }
        guard let asset = contract.term?.first?.asset?.first else {
            throw MappingError.required("\(p).term[0].asset[0]", "the insured asset (product, period, members) is required")
        }
        let a = "\(p).term[0].asset[0]"
        guard case .reference(let planReference)? = asset.valuedItem?.first?.entity else {
            throw MappingError.required("\(a).valuedItem[0].entityReference", "the product (InsurancePlan) is required")
        }
        let productTarget = try Input.target(planReference, "InsurancePlan", "\(a).valuedItem[0].entityReference")
        let product: Versioned<Product>?
        switch productTarget {
        case .uuid(let uuid): product = try await store.record(Product.self, uuid: uuid, includeDeleted: false)
        case .code(let code): product = try await store.record(Product.self, code: code)
        }
        guard let productID = product?.record.id else {
            throw MappingError(.unknownReference, path: "\(a).valuedItem[0].entityReference", "no current product \(productTarget)")
        }
        guard let start = try Input.fullDate(asset.period?.first?.start?.value?.text, "\(a).period[0].start"),
            let end = try Input.fullDate(asset.period?.first?.end?.value?.text, "\(a).period[0].end")
        else { throw MappingError.required("\(a).period[0]", "the policy period (start and end) is required") }
        let issued = try Input.fullDate(contract.issued?.value?.text, "\(p).issued") ?? today
        var officerID: Int64?
        if let author = contract.author {
            let target = try Input.target(author, "Practitioner", "\(p).author")
            let officer: Versioned<EnrolmentOfficer>?
            switch target {
            case .uuid(let uuid): officer = try await store.record(EnrolmentOfficer.self, uuid: uuid, includeDeleted: false)
            case .code(let code): officer = try await store.record(EnrolmentOfficer.self, code: code)
            }
            guard let officer else { throw MappingError(.unknownReference, path: "\(p).author", "no enrolment officer \(target)") }
            officerID = officer.record.id
        }
        let familyMembers = try await store.familyMembers(familyID: familyID).map(\.record)
        var members: [Int64] = []
        for (index, reference) in (asset.typeReference ?? []).enumerated() {
            let path = "\(a).typeReference[\(index)]"
            let target = try Input.target(reference, "Patient", path)
            guard let member = familyMembers.first(where: { target == .uuid($0.uuid.lowercased()) || target == .code($0.chfid) }),
                let id = member.id
            else { throw MappingError(.unknownReference, path: path, "\(target) is not a current member of the family") }
            members.append(id)
        }
        if members.isEmpty { members = familyMembers.compactMap(\.id) }
        let policy = Policy(
            familyID: familyID, enrollDate: issued, startDate: start, expiryDate: end,
            value: asset.valuedItem?.first?.net?.value?.value?.text, productID: productID, officerID: officerID)
        let contributions = try (asset.extension ?? []).enumerated().compactMap { index, ext in
            try premium(ext, path: "\(a).extension[\(index)]", today: issued)
        }
        return EnrolmentDraft(policy: policy, members: members, contributions: contributions)
    }

    /// A `contract-premium` extension as a contribution; nil for other extensions.
    static func premium(_ ext: Extension, path: String, today: LocalDate) throws -> Premium? {
        guard OpenIMISIG.extensionId(of: ext.url) == "contract-premium" else {
            throw MappingError.unmapped(path, "extension \(ext.url)")
        }
        var amount: String?
        var receipt = ""
        var date = today
        var type = "C"
        var photoFee = false
        for part in ext.extension ?? [] {
            switch (part.url, part.value) {
            case ("amount", .money(let money)?): amount = money.value?.value?.text
            case ("receipt", .string(let s)?): receipt = s.value?.string ?? ""
            case ("date", .date(let d)?): date = try Input.fullDate(d.value?.text, "\(path).extension.date") ?? today
            case ("type", .codeableConcept(let c)?): type = c.coding?.first?.code?.value?.string ?? type
            case ("category", .codeableConcept(let c)?): photoFee = c.coding?.first?.code?.value?.string == "P"
            default: continue
            }
        }
        guard let amount else { throw MappingError.required("\(path).extension", "a contribution needs an amount") }
        guard ContractMapping.payTypes[type] != nil else {
            throw MappingError(.invalidValue, path: "\(path).extension", "unknown contribution type \(type)")
        }
        return Premium(amount: amount, receipt: receipt, payDate: date, payType: type, isPhotoFee: photoFee)
    }
}

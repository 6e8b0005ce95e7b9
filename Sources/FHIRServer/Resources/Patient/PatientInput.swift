import FHIRModels
import Foundation
import IMISData

extension PatientMapping {
    /// The write rule for `CapabilityStatement.rest.resource.documentation` (mapping.md decision 5).
    public static let writeRule =
        "Writes refuse (422) elements without an openIMIS insuree column, naming the element; derived elements "
        + "(active, address city/district/state/municipality, contact name) are recomputed."

    /// Reads a posted Patient (create or update) into the insuree columns (reference §3.1 "in").
    ///
    /// Required: `identifier[type=Code]` (CHF ID), `name` with `family` and `given`, `gender`,
    /// `birthDate`, the `patient-is-head` extension, and `patient-group-reference` unless the
    /// Patient is a head founding a new family (then its address, with a village in
    /// `address-location-reference`, becomes the family's). A `temp` address sets
    /// `CurrentVillage`/`CurrentAddress`; a member's `home` address must be its family's.
    ///
    /// Accepted backend variants (mapping.md decision 1): `usual` names, the old marital-status
    /// system, relative/double-slash/old-page code-system and extension URLs, address text in
    /// `text`, a `PPN` identifier for the passport, references by UUID or business code.
    ///
    /// **Rule: refuse** (mapping.md decision 5). Elements with no `tblInsuree` column —
    /// `implicitRules`, `language`, `text`, `contained`, `modifierExtension`, `deceased[x]`,
    /// `multipleBirth[x]`, `communication`, `managingOrganization`, `link`, a second name, address
    /// or photo, unknown identifier types and extensions, telecoms other than one phone and one
    /// e-mail, `meta.tag`/`meta.security` — are refused with a ``MappingError`` of kind
    /// `.unmappedElement` naming the element. Derived elements (`active`, the address's `city`,
    /// `district`, `state`, municipality, the contact's name) are accepted and recomputed on read.
    ///
    /// - Parameters:
    ///   - existing: the current row on update (its UUID must match a posted UUID identifier; it
    ///     may stay head of its own family); nil on create.
    ///   - resolver: looks up `Location/`, `Group/`, `Organization/` references (UUID or code).
    ///   - codes: reference tables, to check education, profession, relation and identification codes.
    /// - Throws: ``MappingError`` for the resource's problems; lookup errors unchanged.
    public static func insureeDraft(
        from patient: Patient, existing: Insuree? = nil, resolver: ReferenceResolver, codes: CodeDisplays,
        context: MappingContext
    ) async throws -> InsureeDraft {
        let p = "Patient"
        try Input.refuseDomainResourceExtras(
            implicitRules: patient.implicitRules, language: patient.language, text: patient.text,
            contained: patient.contained, modifierExtension: patient.modifierExtension, p)
        try Input.checkMeta(patient.meta, p)
        try Input.refuse(patient.deceased, "\(p).deceased")
        try Input.refuse(patient.multipleBirth, "\(p).multipleBirth")
        try Input.refuse(patient.communication, "\(p).communication")
        try Input.refuse(patient.managingOrganization, "\(p).managingOrganization")
        try Input.refuse(patient.link, "\(p).link")

        let ids = try identifiers(patient.identifier ?? [], existing: existing, context)
        let (lastName, otherNames) = try name(patient.name ?? [])
        guard let gender = patient.gender?.value else { throw MappingError.required("\(p).gender", "gender is required") }
        guard let dob = try Input.fullDate(patient.birthDate?.value?.text, "\(p).birthDate") else {
            throw MappingError.required("\(p).birthDate", "birthDate is required")
        }
        let ext = try await extensions(patient.extension ?? [], resolver: resolver, codes: codes)
        guard let isHead = ext.isHead else {
            throw MappingError.required("\(p).extension", "the patient-is-head extension is required")
        }

        var draft = InsureeDraft(chfid: ids.chfid, lastName: lastName, otherNames: otherNames, dob: dob, isHead: isHead)
        draft.uuid = ids.uuid
        draft.gender = ["male": "M", "female": "F", "other": "O"][gender.rawValue]
        draft.marital = try patient.maritalStatus.map(marital)
        draft.cardIssued = ext.cardIssued ?? false
        draft.education = ext.education
        draft.profession = ext.profession
        draft.vulnerability = ext.vulnerability
        draft.typeOfId = ext.typeOfId
        draft.passport = ext.passport ?? ids.passport
        if let fromExtension = ext.passport, let fromIdentifier = ids.passport, fromExtension != fromIdentifier {
            throw MappingError.invalid("\(p).identifier", "the PPN identifier differs from patient-identification.number")
        }
        (draft.phone, draft.email) = try telecom(patient.telecom ?? [])
        draft.relationship = try relationship(patient.contact ?? [], codes)
        draft.photo = try photo(patient.photo ?? [])
        draft.hfID = try await generalPractitioner(patient.generalPractitioner ?? [], resolver)

        let family = ext.family
        if let family {
            draft.familyID = family.id
            if isHead && family.headInsureeID != existing?.id {
                throw MappingError.invalid(
                    ext.familyPath, "a patient joining an existing family cannot be its head (patient-is-head is true)")
            }
        } else if !isHead {
            throw MappingError.required("\(p).extension", "a member (patient-is-head false) needs a patient-group-reference")
        }
        try await address(patient.address ?? [], into: &draft, family: family, resolver: resolver)
        return draft
    }

    private struct PostedIdentifiers { var chfid: String, uuid: String?, passport: String? }

    private static func identifiers(_ identifiers: [Identifier], existing: Insuree?, _ context: MappingContext) throws(MappingError) -> PostedIdentifiers {
        var chfid: String?
        var uuid: String?
        var passport: String?
        for (i, identifier) in identifiers.enumerated() {
            let path = "Patient.identifier[\(i)]"
            try Input.refuse(identifier.use, "\(path).use")
            try Input.refuse(identifier.period, "\(path).period")
            try Input.refuse(identifier.assigner, "\(path).assigner")
            let system = identifier.system?.value?.string
            var type = Input.identifierTypeCode(identifier)
            if type == nil, let system, system == context.identifierSystem(.insuranceNumber) { type = "Code" }
            guard let value = Input.string(identifier.value) else { throw .required("\(path).value", "identifier value is required") }
            let kind: IdentifierKind
            switch type?.uppercased() {
            case "CODE", "SB":
                guard chfid == nil else { throw .invalid(path, "more than one Code identifier") }
                chfid = value
                kind = .insuranceNumber
            case "UUID":
                guard let normalized = RowUUID.normalized(value) else { throw .invalid("\(path).value", "not a UUID") }
                if let existing, existing.uuid.lowercased() != normalized {
                    throw .invalid("\(path).value", "the UUID identifier differs from the insuree's")
                }
                uuid = normalized
                kind = .uuid
            case "PPN":
                passport = value
                kind = .passport
            default:
                throw .unmapped(path, "an identifier that is not Code, UUID or PPN")
            }
            if let system, system != context.identifierSystem(kind) {
                throw .invalid("\(path).system", "'\(system)' is not the identifier system of this server")
            }
        }
        guard let chfid else { throw .required("Patient.identifier", "Patient code not provided: an identifier of type Code (the CHF ID) is required") }
        return PostedIdentifiers(chfid: chfid, uuid: existing == nil ? uuid : nil, passport: passport)
    }

    private static func name(_ names: [HumanName]) throws(MappingError) -> (String, String) {
        guard let name = names.first else { throw .required("Patient.name", "a name with family and given is required") }
        try Input.refuse(names.count > 1, "Patient.name[1]")
        let path = "Patient.name[0]"
        if let use = name.use?.value, use != .official, use != .usual {
            throw .invalid("\(path).use", "the name must be official (or usual)")
        }
        try Input.refuse(name.text, "\(path).text")
        try Input.refuse(!(name.prefix?.isEmpty ?? true), "\(path).prefix")
        try Input.refuse(!(name.suffix?.isEmpty ?? true), "\(path).suffix")
        try Input.refuse(name.period, "\(path).period")
        guard let family = Input.string(name.family) else { throw .required("\(path).family", "family name is required") }
        let given = (name.given ?? []).compactMap { Input.string($0) }
        guard !given.isEmpty else { throw .required("\(path).given", "given name is required") }
        return (family, given.joined(separator: " "))
    }

    private static func marital(_ concept: CodeableConcept) throws(MappingError) -> String {
        for coding in concept.coding ?? [] {
            let system = coding.system?.value?.string
            guard system == HL7System.maritalStatus || system == HL7System.legacyMaritalStatus else { continue }
            if let code = coding.code?.value?.string, let marital = PatientCodes.maritalInput[code] { return marital }
        }
        throw .invalid("Patient.maritalStatus", "expected a v3-MaritalStatus code M, S, D, W or UNK")
    }

    private static func telecom(_ points: [ContactPoint]) throws(MappingError) -> (String?, String?) {
        var phone: String?
        var email: String?
        for (i, point) in points.enumerated() {
            let path = "Patient.telecom[\(i)]"
            try Input.refuse(point.rank, "\(path).rank")
            try Input.refuse(point.period, "\(path).period")
            guard let value = Input.string(point.value) else { throw .required("\(path).value", "telecom value is required") }
            switch point.system?.value {
            case .phone? where phone == nil: phone = value
            case .email? where email == nil: email = value
            default: throw .unmapped(path, "a telecom other than one phone and one email")
            }
        }
        return (phone, email)
    }

    private static func relationship(_ contacts: [PatientContact], _ codes: CodeDisplays) throws(MappingError) -> Int? {
        guard let contact = contacts.first else { return nil }
        try Input.refuse(contacts.count > 1, "Patient.contact[1]")
        let path = "Patient.contact[0]"
        try Input.refuse(!(contact.modifierExtension?.isEmpty ?? true), "\(path).modifierExtension")
        try Input.refuse(!(contact.telecom?.isEmpty ?? true), "\(path).telecom")
        try Input.refuse(contact.address, "\(path).address")
        try Input.refuse(contact.gender, "\(path).gender")
        try Input.refuse(contact.organization, "\(path).organization")
        try Input.refuse(contact.period, "\(path).period")
        guard let concept = contact.relationship?.first else { return nil }
        try Input.refuse((contact.relationship?.count ?? 0) > 1, "\(path).relationship[1]")
        return try Input.integerCode(concept, "patient-contact-relationship", .relation, codes, "\(path).relationship[0]")
    }

    private static func photo(_ photos: [Attachment]) throws(MappingError) -> PhotoDraft? {
        guard let photo = photos.first else { return nil }
        try Input.refuse(photos.count > 1, "Patient.photo[1]")
        let path = "Patient.photo[0]"
        // A photo without data (e.g. the url written on read) leaves the stored photo unchanged.
        guard let base64 = photo.data?.value?.string else { return nil }
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
            throw .invalid("\(path).data", "not base64")
        }
        guard let contentType = photo.contentType?.value?.string else {
            throw .required("\(path).contentType", "a photo needs its contentType")
        }
        let creation = try Input.fullDate(photo.creation?.value?.text.prefix(10).description, "\(path).creation")
        return PhotoDraft(data: data, contentType: contentType, title: Input.string(photo.title), creation: creation)
    }

    private static func generalPractitioner(_ references: [Reference], _ resolver: ReferenceResolver) async throws -> Int64? {
        guard let reference = references.first else { return nil }
        try Input.refuse(references.count > 1, "Patient.generalPractitioner[1]")
        let path = "Patient.generalPractitioner[0]"
        let target = try Input.target(reference, "Organization", path)
        guard let hf = try await resolver.healthFacility(target) else {
            throw MappingError.unknown(path, "no current health facility '\(target)'")
        }
        return hf.id
    }

    private struct PostedExtensions {
        var isHead: Bool?, cardIssued: Bool?, vulnerability: Bool?
        var education: Int?, profession: Int?
        var family: Family?
        var familyPath = "Patient.extension"
        var passport: String?, typeOfId: String?
    }

    private static func extensions(_ extensions: [Extension], resolver: ReferenceResolver, codes: CodeDisplays) async throws -> PostedExtensions {
        typealias X = OpenIMISIG.Ext
        var posted = PostedExtensions()
        for (i, ext) in extensions.enumerated() {
            let path = "Patient.extension[\(i)]"
            switch OpenIMISIG.extensionId(of: ext.url) {
            case X.patientIsHead?: posted.isHead = try Input.boolean(ext, path)
            case X.patientCardIssued?: posted.cardIssued = try Input.boolean(ext, path)
            case X.patientVulnerabilityStatus?: posted.vulnerability = try Input.boolean(ext, path)
            case X.patientEducationLevel?:
                posted.education = try Input.integerCode(Input.concept(ext, path), X.patientEducationLevel, .education, codes, path)
            case X.patientProfession?:
                posted.profession = try Input.integerCode(Input.concept(ext, path), X.patientProfession, .profession, codes, path)
            case X.patientGroupReference?:
                guard case .reference(let reference)? = ext.value else {
                    throw MappingError.invalid(path, "expected valueReference")
                }
                let target = try Input.target(reference, "Group", "\(path).valueReference")
                guard let family = try await resolver.family(target) else {
                    throw MappingError.unknown("\(path).valueReference", "no current family '\(target)'")
                }
                posted.family = family
                posted.familyPath = path
            case X.patientIdentification?:
                let (number, type) = try Input.numberAndType(ext, path)
                guard let number else { throw MappingError.required(path, "patient-identification needs a number") }
                posted.passport = number
                posted.typeOfId = try type.map {
                    try Input.tableCode($0, "patient-identification-type", .identificationType, codes, path)
                }
            default:
                throw MappingError.unmapped(path, "extension '\(ext.url)'")
            }
        }
        return posted
    }

    private static func address(
        _ addresses: [Address], into draft: inout InsureeDraft, family: Family?, resolver: ReferenceResolver
    ) async throws {
        guard let address = addresses.first else {
            if family == nil { throw MappingError.required("Patient.address", "a head founding a family needs its address") }
            return
        }
        try Input.refuse(addresses.count > 1, "Patient.address[1]")
        let path = "Patient.address[0]"
        let parsed = try Input.address(address, path)
        if let use = parsed.use, use != .home, use != .temp {
            throw MappingError.invalid("\(path).use", "the address is home (family) or temp (insuree's own)")
        }
        let village = try await Input.village(parsed, path, resolver)
        guard let villageID = village.id else { throw MappingError.unknown(parsed.locationPath, "location has no id") }
        guard let family else {
            // A head founding a family: the address is the family's, whatever its use.
            draft.homeAddress = AddressDraft(locationID: villageID, line: parsed.line)
            draft.newFamily = FamilyDraft(locationID: villageID, familyAddress: parsed.line)
            return
        }
        if parsed.use == .temp {
            draft.currentVillage = villageID
            draft.currentAddress = parsed.line
        } else if draft.isHead {
            draft.homeAddress = AddressDraft(locationID: villageID, line: parsed.line)
        } else if villageID != family.locationID || (parsed.line != nil && parsed.line != family.familyAddress) {
            throw MappingError.invalid(
                path, "a member's home address is the family's; send the insuree's own address with use temp")
        }
    }
}

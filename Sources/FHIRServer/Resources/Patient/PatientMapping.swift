import FHIRModels
import Foundation
import IMISData

/// The rows related to an insuree that its Patient shows; the caller loads them.
public struct PatientRelations: Sendable, Hashable {
    /// The insuree's family (`tblInsuree.FamilyID`).
    public var family: Family?
    /// The family's head (`tblFamilies.InsureeID`): its CHF ID is the display of the group
    /// reference, its name the contact's name.
    public var familyHead: Insuree?
    /// The chain of the address location: `CurrentVillage` when the insuree has one, else the
    /// family's `LocationId` (see ``PatientMapping/addressLocationID(of:family:)``).
    public var addressLocations: LocationChain
    /// The current photo (`tblPhotos` via `PhotoID`).
    public var photo: InsureePhoto?
    /// The first point of service (`HFID`).
    public var healthFacility: HealthFacility?
    /// Reference-table displays (education, profession, relation, identification type).
    public var codes: CodeDisplays
    /// IG: "has an active policy"; nil until policies are known (then `active` is omitted).
    public var active: Bool?

    public init(
        family: Family? = nil, familyHead: Insuree? = nil, addressLocations: LocationChain = .empty,
        photo: InsureePhoto? = nil, healthFacility: HealthFacility? = nil, codes: CodeDisplays = CodeDisplays(),
        active: Bool? = nil
    ) {
        self.family = family
        self.familyHead = familyHead
        self.addressLocations = addressLocations
        self.photo = photo
        self.healthFacility = healthFacility
        self.codes = codes
        self.active = active
    }
}

/// Patient ← Insuree (reference §3.1; IG profile `openimis-patient`, examples `john-doe`, `jane-doe`).
public enum PatientMapping {
    /// The location whose chain the address shows: the insuree's `CurrentVillage` if set, else the
    /// family's `LocationId`.
    public static func addressLocationID(of insuree: Insuree, family: Family?) -> Int64? {
        insuree.currentVillage ?? family?.locationID
    }

    /// Renders an insuree as an IG Patient: identifiers `UUID` + `Code` (+ `PPN` when the
    /// passport has no identification type), official name, gender (`M`/`F`/`O`, nil → unknown),
    /// birth date, marital status (v3-MaritalStatus, `N` → `UNK`), phone/e-mail, one address
    /// (`temp` with `CurrentAddress` when `CurrentVillage` is set, else the family's, `home`; the
    /// free text in `line` and `text`),
    /// photo, general practitioner, head-of-family contact, and the IG extensions.
    public static func patient(_ versioned: Versioned<Insuree>, _ relations: PatientRelations, context: MappingContext) -> Patient {
        let insuree = versioned.record
        var patient = Patient(id: insuree.uuid.lowercased(), meta: Build.meta(versioned))
        patient.extension = extensions(insuree, relations)
        patient.identifier = identifiers(insuree, context)
        patient.active = relations.active.map { FHIRPrimitive($0) }
        patient.name = [Build.officialName(family: insuree.lastName, given: insuree.otherNames)]
        patient.telecom = Build.telecom(phone: insuree.phone, email: insuree.email, use: .home)
        patient.gender = FHIRPrimitive(gender(insuree.gender))
        patient.birthDate = Build.date(insuree.dob)
        patient.address = [address(insuree, relations)]
        patient.maritalStatus = insuree.marital.flatMap(maritalStatus)
        patient.photo = relations.photo.flatMap { photo($0, context) }.map { [$0] }
        patient.contact = contact(insuree, relations).map { [$0] }
        if let hf = relations.healthFacility {
            patient.generalPractitioner = [Build.reference("Organization", uuid: hf.uuid, display: hf.code)]
        }
        return patient
    }

    static func identifiers(_ insuree: Insuree, _ context: MappingContext) -> [Identifier] {
        var result = Build.identifiers(uuid: insuree.uuid, code: insuree.chfid, kind: .insuranceNumber, context)
        if insuree.typeOfId == nil, let passport = Build.string(insuree.passport) {
            result.append(
                Identifier(
                    type: Build.concept(PatientCodes.passportTypeSystem, "PPN", "Passport number"),
                    system: context.identifierSystem(.passport).map { Build.uri($0) }, value: passport))
        }
        return result
    }

    /// `tblGender.Code` → administrative gender.
    public static func gender(_ code: String?) -> AdministrativeGender {
        switch code {
        case "M": .male
        case "F": .female
        case "O": .other
        default: .unknown
        }
    }

    /// `tblInsuree.Marital` → v3-MaritalStatus (IG binding); `N` (not specified) → `UNK`.
    public static func maritalStatus(_ code: String) -> CodeableConcept? {
        guard let (v3, display) = PatientCodes.marital[code] else { return nil }
        return Build.concept(HL7System.maritalStatus, v3, display)
    }

    /// The address, its free text in `line` and again in `text` (clients such as the openHIM payment
    /// mediators read `address.text`; an incoming `text` equal to `line` is accepted).
    static func address(_ insuree: Insuree, _ relations: PatientRelations) -> Address {
        var address = insuree.currentVillage != nil
            ? Build.address(relations.addressLocations, line: insuree.currentAddress, use: .temp)
            : Build.address(relations.addressLocations, line: relations.family?.familyAddress, use: .home)
        address.text = address.line?.first
        return address
    }

    static func photo(_ photo: InsureePhoto, _ context: MappingContext) -> Attachment? {
        guard let file = Build.string(photo.photoFileName) else { return nil }
        var url: FHIRPrimitive<FHIRURL>?
        if let base = context.photoBaseURL, !base.isEmpty {
            var parts = [String(base.reversed().drop(while: { $0 == "/" }).reversed())]
            if let folder = photo.photoFolder?.trimmingCharacters(in: CharacterSet(charactersIn: "/")), !folder.isEmpty {
                parts.append(folder)
            }
            parts.append(file.value?.string ?? "")
            let text = parts.joined(separator: "/")
                .addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed.subtracting(.whitespaces))
            url = text.map { FHIRPrimitive(FHIRURL($0)) }
        }
        return Attachment(
            contentType: PatientCodes.mimeType(forFile: file.value?.string ?? "").map { Build.code($0) },
            url: url, title: file, creation: photo.photoDate.map { Build.dateTime($0) })
    }

    /// The head-of-family contact: relationship to the head, the head's name without `use` (IG
    /// `contact.name.use` 0..0; the backend writes the insuree's own name there). Only for members
    /// with a relationship and a head.
    static func contact(_ insuree: Insuree, _ relations: PatientRelations) -> PatientContact? {
        guard let relationship = insuree.relationship, !insuree.isHead else { return nil }
        let code = String(relationship)
        let person = relations.familyHead ?? insuree
        return PatientContact(
            relationship: [
                Build.igConcept("patient-contact-relationship", code, relations.codes.display(.relation, code))
            ],
            name: HumanName(family: Build.string(person.lastName), given: Build.string(person.otherNames).map { [$0] }))
    }

    static func extensions(_ insuree: Insuree, _ relations: PatientRelations) -> [Extension] {
        typealias X = OpenIMISIG.Ext
        let codes = relations.codes
        var result = [Build.ext(X.patientIsHead, Build.boolean(insuree.isHead))]
        if let education = insuree.education {
            let code = String(education)
            result.append(Build.ext(X.patientEducationLevel, .codeableConcept(
                Build.igConcept(X.patientEducationLevel, code, codes.display(.education, code)))))
        }
        if let profession = insuree.profession {
            let code = String(profession)
            result.append(Build.ext(X.patientProfession, .codeableConcept(
                Build.igConcept(X.patientProfession, code, codes.display(.profession, code)))))
        }
        result.append(Build.ext(X.patientCardIssued, Build.boolean(insuree.cardIssued)))
        if let family = relations.family {
            result.append(Build.ext(X.patientGroupReference, .reference(
                Build.reference("Group", uuid: family.uuid, display: relations.familyHead?.chfid))))
        }
        if let type = insuree.typeOfId, let number = Build.string(insuree.passport) {
            var parts = [Extension(url: "number", value: .string(number))]
            if Build.string(type) != nil {
                parts.append(Extension(url: "type", value: .codeableConcept(Build.igConcept(
                    "patient-identification-type", type, codes.display(.identificationType, type)))))
            }
            result.append(Build.ext(X.patientIdentification, parts: parts))
        }
        if let vulnerability = insuree.vulnerability {
            result.append(Build.ext(X.patientVulnerabilityStatus, Build.boolean(vulnerability)))
        }
        return result
    }
}

/// Code tables of the Patient mapping.
enum PatientCodes {
    /// openIMIS `Marital` → (v3-MaritalStatus code, display).
    static let marital: [String: (String, String)] = [
        "M": ("M", "Married"), "S": ("S", "Never Married"), "D": ("D", "Divorced"), "W": ("W", "Widowed"),
        "N": ("UNK", "unknown"),
    ]

    /// v3-MaritalStatus and legacy backend codes → openIMIS `Marital`.
    static let maritalInput: [String: String] = ["M": "M", "S": "S", "D": "D", "W": "W", "UNK": "N", "U": "N", "N": "N"]

    /// The HL7 identifier type system (`PPN` = passport number).
    static let passportTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0203"

    /// A MIME type from a photo file name's extension (the backend writes the bare extension).
    static func mimeType(forFile name: String) -> String? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "jpg", "jpeg": return "image/jpeg"
        case "png": return "image/png"
        case "gif": return "image/gif"
        case "bmp": return "image/bmp"
        case "webp": return "image/webp"
        default: return nil
        }
    }
}

import FHIRModels
import Foundation
import IMISData

/// One member of a self-enrolment as sent: the app's `{chfid, json_content, photo}` (with `json_content` a JSON
/// text or object of `givenName`, `lastName`, `birthdate`, `gender`, `isHead`, `phone`, `email`, `relationShip`,
/// `healthFacility`), or the same fields directly on the member in snake case (`given_name`, `birth_date`, ...).
struct EnrolmentMemberInput: Sendable {
    var insuree: Insuree
    var isHead: Bool
    /// The decoded JPEG photo, if one was sent.
    var photo: [UInt8]?
}

/// A self-enrolment body, read the same way on `/membership/enrollment` and the app's `enrollment/`.
struct EnrolmentInput: Sendable {
    var family: Family
    /// Head first.
    var members: [EnrolmentMemberInput]
    /// `product_code`; nil: the first product on sale, as the app's configuration document shows it.
    var productCode: String?

    /// Reads `body`; an ``EnrolmentInputError`` names what is wrong.
    init(body: [UInt8], relations: [ReferenceCode], maxMembers: Int, maxPhotoBytes: Int) throws {
        guard let json = try? JSONParser.parse(body), case .object = json else {
            throw EnrolmentInputError("the body must be a JSON object")
        }
        let family = Self.fields(json["family"])
        var row = Family()
        row.familyType = Self.text(family, "familyType", "family_type")
        row.confirmationType = Self.text(family, "confirmationType", "confirmation_type")
        row.confirmationNo = Self.text(family, "confirmationNumber", "confirmation_number")
        row.familyAddress = Self.text(family, "addressDetail", "address")
        row.ethnicity = Self.text(family, "ethnicity")
        if case .bool(let poverty)? = family["poverty"] ?? json["family"]?["poverty"] { row.poverty = poverty }
        guard case .array(let list)? = json["members"], !list.isEmpty else {
            throw EnrolmentInputError("members must be a non-empty list")
        }
        guard list.count <= maxMembers else { throw EnrolmentInputError("at most \(maxMembers) members may enrol together") }
        var members: [EnrolmentMemberInput] = []
        for (index, member) in list.enumerated() {
            members.append(try Self.member(member, index: index, relations: relations, maxPhotoBytes: maxPhotoBytes))
        }
        let heads = members.filter(\.isHead)
        guard heads.count == 1, let head = heads.first else {
            throw EnrolmentInputError(heads.isEmpty ? "No head member found with isHead: 1." : "only one member may be the head")
        }
        self.family = row
        self.members = [head] + members.filter { !$0.isHead }
        if case .string(let code)? = json["product_code"], !code.isEmpty { productCode = code }
    }

    /// One member: its insurance number, names, birth date, gender, contacts, relation, facility, head flag and photo.
    static func member(_ json: JSON, index: Int, relations: [ReferenceCode], maxPhotoBytes: Int) throws -> EnrolmentMemberInput {
        let fields = fields(json)
        let at = "members[\(index)]"
        guard let chfid = text(fields, "chfid", "chf_id"), chfid.count <= 50,
              chfid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { throw EnrolmentInputError("\(at).chfid must be an insurance number (letters, digits, -)") }
        guard let given = text(fields, "givenName", "given_name", "other_names"), given.count <= 100,
              let last = text(fields, "lastName", "last_name"), last.count <= 100
        else { throw EnrolmentInputError("\(at) needs givenName and lastName (at most 100 characters)") }
        guard let dobText = text(fields, "birthdate", "birth_date", "dob"), let dob = LocalDate(String(dobText.prefix(10))),
              dob.year >= 1900
        else { throw EnrolmentInputError("\(at).birthdate must be a date (YYYY-MM-DD)") }
        var gender: String?
        switch text(fields, "gender")?.lowercased() {
        case nil: gender = nil
        case "m", "male": gender = "M"
        case "f", "female": gender = "F"
        case "o", "other": gender = "O"
        default: throw EnrolmentInputError("\(at).gender must be male, female or other")
        }
        var insuree = Insuree(chfid: chfid, lastName: last, otherNames: given, dob: dob, gender: gender)
        insuree.phone = text(fields, "phone").map { String($0.prefix(50)) }
        insuree.email = text(fields, "email").map { String($0.prefix(100)) }
        if let relation = text(fields, "relationShip", "relationship") {
            insuree.relationship = relations.first {
                $0.code == relation || $0.display.caseInsensitiveCompare(relation) == .orderedSame
            }.flatMap { Int($0.code) }
        }
        if let facility = text(fields, "healthFacility", "health_facility"), let id = Int64(facility) { insuree.hfID = id }
        let isHead: Bool
        switch fields["isHead"] ?? fields["is_head"] {
        case .bool(let value)?: isHead = value
        case .number(let value)?: isHead = value == "1"
        case .string(let value)?: isHead = value == "1" || value.lowercased() == "true"
        default: isHead = false
        }
        var photo: [UInt8]?
        if let encoded = text(fields, "photo") {
            let base64 = encoded.range(of: ";base64,").map { String(encoded[$0.upperBound...]) } ?? encoded
            guard base64.utf8.count <= maxPhotoBytes * 4 / 3 + 4,
                  let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters), data.count <= maxPhotoBytes,
                  data.starts(with: [0xFF, 0xD8, 0xFF])
            else { throw EnrolmentInputError("\(at).photo must be a base64 JPEG of at most \(maxPhotoBytes) bytes") }
            photo = Array(data)
        }
        return EnrolmentMemberInput(insuree: insuree, isHead: isHead, photo: photo)
    }

    /// The fields of `json`: its `json_content` (a JSON text, or an object) merged over its own members.
    static func fields(_ json: JSON?) -> [String: JSON] {
        guard case .object(let members)? = json else { return [:] }
        var fields: [String: JSON] = [:]
        for member in members { fields[member.key] = member.value }
        var content = fields["json_content"]
        if case .string(let text)? = content { content = try? JSONParser.parse(Array(text.utf8)) }
        if case .object(let inner)? = content { for member in inner { fields[member.key] = member.value } }
        return fields
    }

    /// The first of `keys` present as a non-empty string (numbers as their text).
    static func text(_ fields: [String: JSON], _ keys: String...) -> String? {
        for key in keys {
            switch fields[key] {
            case .string(let value)?:
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { return trimmed }
            case .number(let value)?: return value
            default: continue
            }
        }
        return nil
    }
}

/// A self-enrolment body that cannot be read (400 `{"message": ...}`).
struct EnrolmentInputError: Error, Sendable {
    let message: String
    /// A refusal saying `message`.
    init(_ message: String) { self.message = message }
}

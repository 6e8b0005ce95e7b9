import FHIRModels
import Foundation
import IMISData

/// Shared pieces of the inbound (FHIR → openIMIS) mappings: reference parsing (reference §1.6),
/// recognition of IG codings in any accepted spelling, the openIMIS address block, and the
/// "rule: refuse" checks for elements without a column (mapping.md decision 5).
enum Input {
    /// Throws `unmappedElement` at `path` when `present`.
    static func refuse(_ present: Bool, _ path: String) throws(MappingError) {
        if present { throw .unmapped(path) }
    }

    static func refuse<T>(_ value: T?, _ path: String) throws(MappingError) {
        try refuse(value != nil, path)
    }

    /// `meta` is server-managed: `versionId`, `lastUpdated`, `source` and `profile` are accepted
    /// and not stored; tags and security labels would be lost, so they are refused.
    static func checkMeta(_ meta: Meta?, _ path: String) throws(MappingError) {
        guard let meta else { return }
        try refuse(!(meta.tag?.isEmpty ?? true), "\(path).meta.tag")
        try refuse(!(meta.security?.isEmpty ?? true), "\(path).meta.security")
        try refuse(!(meta.extension?.isEmpty ?? true), "\(path).meta.extension")
    }

    /// Elements every DomainResource has that no openIMIS column holds.
    static func refuseDomainResourceExtras(
        implicitRules: FHIRPrimitive<FHIRURI>?, language: FHIRPrimitive<FHIRCode>?, text: Narrative?,
        contained: [Resource]?, modifierExtension: [Extension]?, _ path: String
    ) throws(MappingError) {
        try refuse(implicitRules, "\(path).implicitRules")
        try refuse(language, "\(path).language")
        try refuse(text, "\(path).text")
        try refuse(!(contained?.isEmpty ?? true), "\(path).contained")
        try refuse(!(modifierExtension?.isEmpty ?? true), "\(path).modifierExtension")
    }

    static func string(_ primitive: FHIRPrimitive<FHIRString>?) -> String? {
        guard let text = primitive?.value?.string.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
        else { return nil }
        return text
    }

    /// A full `YYYY-MM-DD` date (openIMIS date columns have no partial dates).
    static func fullDate(_ text: String?, _ path: String) throws(MappingError) -> LocalDate? {
        guard let text else { return nil }
        guard let date = LocalDate(text) else { throw .invalid(path, "'\(text)' is not a full date (YYYY-MM-DD)") }
        return date
    }

    /// The target of a reference to `type`: `Type/<id>` (relative, absolute, or with
    /// `/_history/<v>`), or `Reference.identifier` (type `Code` → a code lookup, else a UUID
    /// when the value is UUID-shaped, else a code). Contained (`#`) references are refused.
    static func target(_ reference: Reference, _ type: String, _ path: String) throws(MappingError) -> ReferenceTarget {
        if let text = reference.reference?.value?.string {
            if text.hasPrefix("#") { throw .invalid(path, "contained references are not supported here") }
            var segments = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            if segments.count >= 4, segments[segments.count - 2] == "_history" { segments.removeLast(2) }
            guard segments.count >= 2, segments[segments.count - 2] == type, let id = segments.last else {
                throw .invalid(path, "expected a reference to \(type), found '\(text)'")
            }
            return ReferenceTarget(id)
        }
        if let declared = reference.type?.value?.string, declared != type {
            throw .invalid(path, "expected a reference to \(type), found one to \(declared)")
        }
        if let identifier = reference.identifier, let value = identifier.value?.value?.string {
            if identifierTypeCode(identifier)?.lowercased() == "code" { return .code(value) }
            return ReferenceTarget(value)
        }
        throw .required(path, "the reference names no \(type)")
    }

    /// The `type.coding.code` of an identifier under the openimis-identifiers or v2-0203 systems
    /// (or without a system).
    static func identifierTypeCode(_ identifier: Identifier) -> String? {
        for coding in identifier.type?.coding ?? [] {
            let system = coding.system?.value?.string
            if system == nil || OpenIMISIG.isCodeSystem(system, "openimis-identifiers")
                || system == PatientCodes.passportTypeSystem
            {
                if let code = coding.code?.value?.string { return code }
            }
        }
        return nil
    }

    /// The code of the first coding of an IG code system (any accepted spelling) or without a
    /// system; nil when the concept has none. `display` alone is matched against `table`.
    static func igCode(
        _ concept: CodeableConcept, _ codeSystemId: String, table: ReferenceTable? = nil, codes: CodeDisplays
    ) -> String? {
        for coding in concept.coding ?? [] {
            let system = coding.system?.value?.string
            guard system == nil || OpenIMISIG.isCodeSystem(system, codeSystemId) else { continue }
            if let code = coding.code?.value?.string { return code }
            if let table, let display = string(coding.display), let code = codes.code(table, display: display) {
                return code
            }
        }
        if let table, let text = string(concept.text) { return codes.code(table, display: text) }
        return nil
    }

    /// A reference-table code from an IG concept, checked against the table.
    static func tableCode(
        _ concept: CodeableConcept, _ codeSystemId: String, _ table: ReferenceTable, _ codes: CodeDisplays,
        _ path: String
    ) throws(MappingError) -> String {
        guard let code = igCode(concept, codeSystemId, table: table, codes: codes) else {
            throw .invalid(path, "no code from the \(codeSystemId) code system")
        }
        guard codes.accepts(table, code) else { throw .invalid(path, "unknown \(codeSystemId) code '\(code)'") }
        return code
    }

    /// An integer reference-table code (`tblEducations.EducationId`, ...).
    static func integerCode(
        _ concept: CodeableConcept, _ codeSystemId: String, _ table: ReferenceTable, _ codes: CodeDisplays,
        _ path: String
    ) throws(MappingError) -> Int {
        let code = try tableCode(concept, codeSystemId, table, codes, path)
        guard let value = Int(code) else { throw .invalid(path, "\(codeSystemId) codes are numbers, found '\(code)'") }
        return value
    }

    /// An openIMIS address (Patient, Group): the village from `address-location-reference`, the
    /// free text from `line[0]` (or `text`, the backend's spelling). `city`, `district`, `state`
    /// and `address-municipality` are derived from the location on read and not stored.
    struct ParsedAddress {
        var location: ReferenceTarget?
        var locationPath: String
        var line: String?
        var use: AddressUse?
    }

    static func address(_ address: Address, _ path: String) throws(MappingError) -> ParsedAddress {
        try refuse(address.postalCode, "\(path).postalCode")
        try refuse(address.country, "\(path).country")
        try refuse(address.period, "\(path).period")
        if let type = address.type?.value, type == .postal { throw .invalid("\(path).type", "the address must be physical") }
        let lines = (address.line ?? []).compactMap { string($0) }
        try refuse(lines.count > 1, "\(path).line[1]")
        let text = string(address.text)
        if let text, let line = lines.first, text != line { throw .unmapped("\(path).text", "a text different from line") }
        var parsed = ParsedAddress(location: nil, locationPath: path, line: lines.first ?? text, use: address.use?.value)
        for (i, ext) in (address.extension ?? []).enumerated() {
            let extPath = "\(path).extension[\(i)]"
            switch OpenIMISIG.extensionId(of: ext.url) {
            case OpenIMISIG.Ext.addressMunicipality?:
                continue
            case OpenIMISIG.Ext.addressLocationReference?:
                guard case .reference(let reference)? = ext.value else {
                    throw .invalid(extPath, "address-location-reference needs a valueReference")
                }
                parsed.location = try target(reference, "Location", "\(extPath).valueReference")
                parsed.locationPath = "\(extPath).valueReference"
            default:
                throw .unmapped(extPath, "extension '\(ext.url)'")
            }
        }
        return parsed
    }

    /// The village an address names; the location must exist and be a village.
    static func village(_ parsed: ParsedAddress, _ path: String, _ resolver: ReferenceResolver) async throws -> IMISData.Location {
        guard let target = parsed.location else {
            throw MappingError.required(path, "the address needs an address-location-reference extension naming its village")
        }
        guard let location = try await resolver.location(target) else {
            throw MappingError.unknown(parsed.locationPath, "no current Location '\(target)'")
        }
        guard location.kind == .village else {
            throw MappingError.invalid(parsed.locationPath, "the address location must be a village (type V)")
        }
        return location
    }

    static func boolean(_ ext: Extension, _ path: String) throws(MappingError) -> Bool {
        guard case .boolean(let value)? = ext.value, let bool = value.value else {
            throw .invalid(path, "expected valueBoolean")
        }
        return bool
    }

    static func concept(_ ext: Extension, _ path: String) throws(MappingError) -> CodeableConcept {
        guard case .codeableConcept(let concept)? = ext.value else { throw .invalid(path, "expected valueCodeableConcept") }
        return concept
    }

    static func stringValue(_ ext: Extension, _ path: String) throws(MappingError) -> String {
        guard case .string(let value)? = ext.value, let text = string(value) else {
            throw .invalid(path, "expected valueString")
        }
        return text
    }

    /// `number` / `type` sub-extensions of `patient-identification` and `group-confirmation`.
    static func numberAndType(_ ext: Extension, _ path: String) throws(MappingError) -> (number: String?, type: CodeableConcept?) {
        var number: String?
        var type: CodeableConcept?
        for (i, part) in (ext.extension ?? []).enumerated() {
            let partPath = "\(path).extension[\(i)]"
            switch part.url {
            case "number": number = try stringValue(part, partPath)
            case "type": type = try concept(part, partPath)
            default: throw .unmapped(partPath, "sub-extension '\(part.url)'")
            }
        }
        return (number, type)
    }
}

import FHIRServer
import Foundation

/// The mapping settings: what the FHIR resources carry that the database does not say (the README's "Mapping
/// settings"). Defaults are those of the openIMIS IG examples.
extension Settings {
    /// `CURRENCY`, `IDENTIFIER_SYSTEM_<KIND>`, `PHOTO_BASE_URL` and the `INSURER_*` settings, checked.
    ///
    /// - Parameter now: `meta.lastUpdated` of the insurer Organization when any `INSURER_*` setting is given (the
    ///   IG example's date otherwise).
    func mappingContext(now: Date = Date()) throws -> MappingContext {
        let currency = string("CURRENCY", "EUR")
        guard currency.count == 3, currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw SettingsError(key: "CURRENCY", message: "must be an ISO 4217 code of three upper-case letters, such as EUR")
        }
        var systems: [IdentifierKind: String] = [:]
        for kind in IdentifierKind.allCases {
            let key = Self.identifierSystemKey(kind)
            guard let system = values[key].flatMap({ $0.isEmpty ? nil : $0 }) else { continue }
            try requireAbsoluteURI(system, key)
            systems[kind] = system
        }
        let photoBaseURL = values["PHOTO_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let photoBaseURL { try requireAbsoluteURI(photoBaseURL, "PHOTO_BASE_URL") }
        return MappingContext(
            identifierSystems: systems, currency: currency, insurer: try insurer(now: now), photoBaseURL: photoBaseURL)
    }

    /// `IDENTIFIER_SYSTEM_` and the kind in upper snake case (`insuranceNumber` → `IDENTIFIER_SYSTEM_INSURANCE_NUMBER`).
    static func identifierSystemKey(_ kind: IdentifierKind) -> String {
        var name = ""
        for character in kind.rawValue {
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
        return "IDENTIFIER_SYSTEM_\(name)"
    }

    /// The insurer Organization: `INSURER_ID`, `INSURER_CODE`, `INSURER_NAME`, `INSURER_EMAIL`, `INSURER_PHONE`,
    /// `INSURER_FAX`, `INSURER_CONTACT_NAME`, `INSURER_ADDRESS`, `INSURER_CITY`, `INSURER_MUNICIPALITY`,
    /// `INSURER_DISTRICT`, `INSURER_REGION`.
    func insurer(now: Date) throws -> InsurerConfiguration {
        let defaults = InsurerConfiguration()
        let id = string("INSURER_ID", defaults.id)
        guard (1...64).contains(id.utf8.count),
              id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == ".") })
        else {
            throw SettingsError(key: "INSURER_ID", message: "must be a FHIR id: 1-64 letters, digits, '-' or '.'")
        }
        func text(_ key: String, _ fallback: String?) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } ?? fallback }
        let given = values.contains { $0.key.hasPrefix("INSURER_") && !$0.value.isEmpty }
        return InsurerConfiguration(
            id: id, code: string("INSURER_CODE", defaults.code), name: string("INSURER_NAME", defaults.name),
            email: text("INSURER_EMAIL", defaults.email), phone: text("INSURER_PHONE", defaults.phone),
            fax: text("INSURER_FAX", defaults.fax), contactName: text("INSURER_CONTACT_NAME", defaults.contactName),
            addressLine: text("INSURER_ADDRESS", defaults.addressLine), city: text("INSURER_CITY", defaults.city),
            municipality: text("INSURER_MUNICIPALITY", defaults.municipality),
            district: text("INSURER_DISTRICT", defaults.district), state: text("INSURER_REGION", defaults.state),
            lastUpdated: given ? now : defaults.lastUpdated)
    }

    /// Refuses a value that is not an absolute URI (a scheme, no white space).
    func requireAbsoluteURI(_ value: String, _ key: String) throws {
        guard URL(string: value)?.scheme != nil, !value.contains(where: \.isWhitespace) else {
            throw SettingsError(key: key, message: "must be an absolute URI")
        }
    }
}

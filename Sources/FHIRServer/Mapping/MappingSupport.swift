import FHIRModels
import Foundation
import IMISData

/// Small builders shared by the outbound mappings. Every builder drops empty or blank text,
/// because FHIR strings must contain non-whitespace (http://hl7.org/fhir/R4/datatypes.html#string).
enum Build {
    /// A FHIR string, or nil for nil/blank text.
    static func string(_ text: String?) -> FHIRPrimitive<FHIRString>? {
        guard let text, FHIRStringKinds.PlainString.validate(text) == nil else { return nil }
        return FHIRPrimitive(FHIRString(text))
    }

    static func code(_ text: String) -> FHIRPrimitive<FHIRCode> { FHIRPrimitive(FHIRCode(text)) }

    static func uri(_ text: String) -> FHIRPrimitive<FHIRURI> { FHIRPrimitive(FHIRURI(text)) }

    static func coding(_ system: String, _ code: String, _ display: String? = nil) -> Coding {
        Coding(system: uri(system), code: self.code(code), display: string(display))
    }

    static func concept(_ system: String, _ code: String, _ display: String? = nil) -> CodeableConcept {
        CodeableConcept(coding: [coding(system, code, display)])
    }

    /// An IG code system concept (`<base>/CodeSystem/<id>#code`).
    static func igConcept(_ codeSystemId: String, _ code: String, _ display: String? = nil) -> CodeableConcept {
        concept(OpenIMISIG.codeSystem(codeSystemId), code, display)
    }

    /// An IG extension (`<base>/StructureDefinition/<id>`).
    static func ext(_ id: String, _ value: ExtensionValue) -> Extension {
        Extension(url: OpenIMISIG.structureDefinition(id), value: value)
    }

    /// A complex IG extension with sub-extensions.
    static func ext(_ id: String, parts: [Extension]) -> Extension {
        Extension(extension: parts, url: OpenIMISIG.structureDefinition(id))
    }

    static func boolean(_ value: Bool) -> ExtensionValue { .boolean(FHIRPrimitive(value)) }

    /// `Identifier{type = openimis-identifiers|<typeCode>, system?, value}` (reference §1.4).
    static func identifier(_ typeCode: String, _ value: String, system: String?) -> Identifier {
        Identifier(
            type: concept(OpenIMISIG.identifierTypeSystem, typeCode),
            system: system.map { uri($0) },
            value: string(value))
    }

    /// The `UUID` and `Code` identifiers every openIMIS resource carries (UUID lower-case).
    static func identifiers(uuid: String, code: String?, kind: IdentifierKind, _ context: MappingContext) -> [Identifier] {
        var result = [identifier("UUID", uuid.lowercased(), system: context.identifierSystem(.uuid))]
        if let code, string(code) != nil {
            result.append(identifier("Code", code, system: context.identifierSystem(kind)))
        }
        return result
    }

    /// A reference as openIMIS writes it (reference §1.5): `Type/<uuid>` with `type`, the UUID
    /// identifier and an optional display.
    static func reference(_ type: String, uuid: String, display: String? = nil) -> Reference {
        let id = uuid.lowercased()
        return Reference(
            reference: FHIRPrimitive(FHIRString("\(type)/\(id)")),
            type: uri(type),
            identifier: identifier("UUID", id, system: nil),
            display: string(display))
    }

    /// `meta.versionId` / `meta.lastUpdated` (an instant in UTC, so always with a zone).
    static func meta(versionId: Int, lastUpdated: Date) -> Meta {
        Meta(versionId: FHIRPrimitive(FHIRId(String(versionId))), lastUpdated: FHIRPrimitive(FHIRInstant(lastUpdated)))
    }

    static func meta<R: VersionedRecord>(_ versioned: Versioned<R>) -> Meta {
        meta(versionId: versioned.versionId, lastUpdated: versioned.record.validityFrom)
    }

    static func date(_ date: LocalDate) -> FHIRPrimitive<FHIRDate> {
        FHIRPrimitive(FHIRDate(year: date.year, month: date.month, day: date.day))
    }

    /// A dateTime carrying a zone (UTC).
    static func dateTime(_ date: Date) -> FHIRPrimitive<FHIRDateTime> { FHIRPrimitive(FHIRDateTime(date)) }

    /// A date-only dateTime (`YYYY-MM-DD`, which needs no zone).
    static func dateTime(_ date: LocalDate) -> FHIRPrimitive<FHIRDateTime> {
        FHIRPrimitive(FHIRDateTime(uncheckedText: date.description))
    }

    /// An exact decimal from stored decimal text; nil when the text is not a number.
    static func decimal(_ text: String?) -> FHIRPrimitive<FHIRDecimal>? {
        guard let text, let value = FHIRDecimal(validating: text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return FHIRPrimitive(value)
    }

    static func decimal(_ value: Int) -> FHIRPrimitive<FHIRDecimal> { FHIRPrimitive(FHIRDecimal(integerLiteral: value)) }

    static func money(_ text: String?, _ context: MappingContext) -> Money? {
        guard let value = decimal(text) else { return nil }
        return Money(value: value, currency: code(context.currency))
    }

    /// `HumanName{use: official, family, given: [OtherNames]}` (IG fixes `use = official`).
    static func officialName(family: String, given: String) -> HumanName {
        HumanName(use: FHIRPrimitive(.official), family: string(family), given: string(given).map { [$0] })
    }

    /// Phone, e-mail and fax contact points, skipping empty values.
    static func telecom(phone: String?, email: String?, fax: String? = nil, use: ContactPointUse? = nil) -> [ContactPoint]? {
        var points: [ContactPoint] = []
        func add(_ system: ContactPointSystem, _ value: String?) {
            guard let value = string(value) else { return }
            points.append(ContactPoint(system: FHIRPrimitive(system), value: value, use: use.map { FHIRPrimitive($0) }))
        }
        add(.phone, phone)
        add(.email, email)
        add(.fax, fax)
        return points.isEmpty ? nil : points
    }

    /// The openIMIS address (reference §3.1 address block, IG form): free text in `line`,
    /// `city` = village, `district`, `state` = region, extensions `address-municipality` (ward name)
    /// and `address-location-reference` (`Location/<uuid>` of the chain's lowest level, or of
    /// `referenceTo` when given).
    static func address(
        _ chain: LocationChain, line: String?, use: AddressUse?, referenceTo: IMISData.Location? = nil
    ) -> Address {
        var extensions: [Extension] = []
        if let ward = chain.ward, let name = string(ward.name) {
            extensions.append(ext(OpenIMISIG.Ext.addressMunicipality, .string(name)))
        }
        if let target = referenceTo ?? chain.leaf {
            extensions.append(ext(OpenIMISIG.Ext.addressLocationReference, .reference(reference("Location", uuid: target.uuid, display: target.code))))
        }
        return Address(
            extension: extensions.isEmpty ? nil : extensions,
            use: use.map { FHIRPrimitive($0) },
            type: FHIRPrimitive(.physical),
            line: string(line).map { [$0] },
            city: string(chain.village?.name),
            district: string(chain.district?.name),
            state: string(chain.region?.name))
    }

    /// `nil` for an empty array, so that no empty JSON array is written.
    static func nonEmpty<T>(_ items: [T]) -> [T]? { items.isEmpty ? nil : items }
}

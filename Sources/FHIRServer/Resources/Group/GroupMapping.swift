import FHIRModels
import Foundation
import IMISData

/// The rows related to a family that its Group shows; the caller loads them.
public struct GroupRelations: Sendable, Hashable {
    /// The head insuree (`tblFamilies.InsureeID`): its CHF ID is the Group's `Code`, its last
    /// name the Group's name.
    public var head: Insuree?
    /// The current members (`ValidityTo IS NULL`), head first (`RegistryStore.familyMembers`).
    public var members: [Insuree]
    /// The chain of the family's village (`LocationId`).
    public var locations: LocationChain
    /// Family-type and confirmation-type displays.
    public var codes: CodeDisplays
    /// "Any member has an active policy" (reference §3.2); nil until policies are known.
    public var active: Bool?

    public init(
        head: Insuree?, members: [Insuree], locations: LocationChain, codes: CodeDisplays = CodeDisplays(),
        active: Bool? = nil
    ) {
        self.head = head
        self.members = members
        self.locations = locations
        self.codes = codes
        self.active = active
    }
}

/// Group ← Family (reference §3.2; IG profile `openimis-group`, example `doe-family`).
public enum GroupMapping {
    /// The write rule for `CapabilityStatement.rest.resource.documentation` (mapping.md decision 5).
    public static let writeRule =
        "Writes refuse (422) elements without an openIMIS family column, naming the element; name, quantity "
        + "and active are derived and recomputed."

    /// Renders a family as an IG Group: identifiers `UUID` + `Code` (the head's CHF ID),
    /// `type` person, `actual` true, `name` = head's last name, `quantity` and `member[]`
    /// (`Patient/<uuid>`, display CHF ID), extensions `group-address`, `group-poverty-status`,
    /// `group-type`, `group-confirmation`.
    public static func group(_ versioned: Versioned<Family>, _ relations: GroupRelations, context: MappingContext) -> FHIRGroup {
        let family = versioned.record
        var group = FHIRGroup(
            id: family.uuid.lowercased(), meta: Build.meta(versioned), type: FHIRPrimitive(.person),
            actual: FHIRPrimitive(true))
        group.extension = extensions(family, relations)
        group.identifier = Build.identifiers(uuid: family.uuid, code: relations.head?.chfid, kind: .familyCode, context)
        group.active = relations.active.map { FHIRPrimitive($0) }
        group.name = Build.string(relations.head?.lastName)
        group.quantity = FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: relations.members.count)))
        group.member = Build.nonEmpty(relations.members.map {
            FHIRGroupMember(entity: Build.reference("Patient", uuid: $0.uuid, display: $0.chfid))
        })
        return group
    }

    static func extensions(_ family: Family, _ relations: GroupRelations) -> [Extension] {
        typealias X = OpenIMISIG.Ext
        var result = [
            Build.ext(X.groupAddress, .address(Build.address(relations.locations, line: family.familyAddress, use: .home)))
        ]
        if let poverty = family.poverty {
            result.append(Build.ext(X.groupPovertyStatus, Build.boolean(poverty)))
        }
        if let type = family.familyType, Build.string(type) != nil {
            result.append(Build.ext(X.groupType, .codeableConcept(
                Build.igConcept(X.groupType, type, relations.codes.display(.familyType, type)))))
        }
        if let number = Build.string(family.confirmationNo) {
            var parts = [Extension(url: "number", value: .string(number))]
            if let type = family.confirmationType, Build.string(type) != nil {
                parts.append(Extension(url: "type", value: .codeableConcept(Build.igConcept(
                    "group-confirmation-type", type, relations.codes.display(.confirmationType, type)))))
            }
            result.append(Build.ext(X.groupConfirmation, parts: parts))
        }
        return result
    }

    /// Reads a posted Group (create or update) into the family columns and its members
    /// (reference §3.2 "in").
    ///
    /// Required: `identifier[type=Code]` = the head's CHF ID, `member[]` (each `Patient/<uuid or
    /// CHF ID>`; the member whose CHF ID is the Code becomes head; members move into the family),
    /// and `group-address` with a village in `address-location-reference`. `type` must be
    /// `person` (the backend's `Person` is normalised before decoding, see
    /// ``BackendVariants/normalize(_:)``), `actual` true.
    ///
    /// **Rule: refuse** (mapping.md decision 5). Elements with no `tblFamilies` column —
    /// `implicitRules`, `language`, `text`, `contained`, `modifierExtension`, `code`,
    /// `managingEntity`, `characteristic`, `member.period`, inactive members, unknown identifier
    /// types and extensions, `meta.tag`/`meta.security` — are refused with a ``MappingError`` of
    /// kind `.unmappedElement` naming the element. `name`, `quantity` and `active` are derived
    /// (head's name, member count, policies) and accepted without being stored.
    ///
    /// - Throws: ``MappingError`` for the resource's problems; lookup errors unchanged.
    public static func familyDraft(
        from group: FHIRGroup, existing: Family? = nil, resolver: ReferenceResolver, codes: CodeDisplays,
        context: MappingContext
    ) async throws -> FamilyDraft {
        let p = "Group"
        try Input.refuseDomainResourceExtras(
            implicitRules: group.implicitRules, language: group.language, text: group.text, contained: group.contained,
            modifierExtension: group.modifierExtension, p)
        try Input.checkMeta(group.meta, p)
        try Input.refuse(group.code, "\(p).code")
        try Input.refuse(group.managingEntity, "\(p).managingEntity")
        try Input.refuse(group.characteristic, "\(p).characteristic")
        guard group.type.value == .person else { throw MappingError.invalid("\(p).type", "a family is a group of persons") }
        guard group.actual.value == true else { throw MappingError.invalid("\(p).actual", "a family is an actual group") }

        let (headCHFID, uuid) = try identifiers(group.identifier ?? [], existing: existing, context)
        let members = try await members(group.member ?? [], resolver)
        guard let head = members.first(where: { $0.chfid == headCHFID }) else {
            throw MappingError.invalid("\(p).identifier", "the Code identifier must be the CHF ID of one of the members")
        }

        var address: (AddressDraft, String)?
        var poverty: Bool?
        var familyType: String?
        var confirmation: (number: String?, type: String?) = (nil, nil)
        for (i, ext) in (group.extension ?? []).enumerated() {
            let path = "\(p).extension[\(i)]"
            typealias X = OpenIMISIG.Ext
            switch OpenIMISIG.extensionId(of: ext.url) {
            case X.groupAddress?:
                guard case .address(let value)? = ext.value else { throw MappingError.invalid(path, "expected valueAddress") }
                let parsed = try Input.address(value, "\(path).valueAddress")
                if let use = parsed.use, use != .home { throw MappingError.invalid("\(path).valueAddress.use", "a family address is home") }
                let village = try await Input.village(parsed, "\(path).valueAddress", resolver)
                guard let id = village.id else { throw MappingError.unknown(parsed.locationPath, "location has no id") }
                address = (AddressDraft(locationID: id, line: parsed.line), path)
            case X.groupPovertyStatus?:
                poverty = try Input.boolean(ext, path)
            case X.groupType?:
                familyType = try Input.tableCode(Input.concept(ext, path), X.groupType, .familyType, codes, path)
            case X.groupConfirmation?:
                let (number, type) = try Input.numberAndType(ext, path)
                guard let number else { throw MappingError.required(path, "group-confirmation needs a number") }
                confirmation.number = number
                confirmation.type = try type.map {
                    try Input.tableCode($0, "group-confirmation-type", .confirmationType, codes, "\(path).extension")
                }
            default:
                throw MappingError.unmapped(path, "extension '\(ext.url)'")
            }
        }
        guard let (location, _) = address else {
            throw MappingError.required("\(p).extension", "the group-address extension (with the family's village) is required")
        }
        var draft = FamilyDraft(locationID: location.locationID, familyAddress: location.line)
        draft.uuid = uuid
        draft.poverty = poverty
        draft.familyType = familyType
        draft.confirmationNo = confirmation.number
        draft.confirmationType = confirmation.type
        draft.headInsureeID = head.id
        draft.memberInsureeIDs = members.compactMap(\.id)
        return draft
    }

    private static func identifiers(
        _ identifiers: [Identifier], existing: Family?, _ context: MappingContext
    ) throws(MappingError) -> (String, String?) {
        var code: String?
        var uuid: String?
        for (i, identifier) in identifiers.enumerated() {
            let path = "Group.identifier[\(i)]"
            try Input.refuse(identifier.use, "\(path).use")
            try Input.refuse(identifier.period, "\(path).period")
            try Input.refuse(identifier.assigner, "\(path).assigner")
            guard let value = Input.string(identifier.value) else { throw .required("\(path).value", "identifier value is required") }
            let system = identifier.system?.value?.string
            let kind: IdentifierKind
            switch Input.identifierTypeCode(identifier)?.uppercased() {
            case "CODE":
                guard code == nil else { throw .invalid(path, "more than one Code identifier") }
                code = value
                kind = .familyCode
            case "UUID":
                guard let normalized = RowUUID.normalized(value) else { throw .invalid("\(path).value", "not a UUID") }
                if let existing, existing.uuid.lowercased() != normalized {
                    throw .invalid("\(path).value", "the UUID identifier differs from the family's")
                }
                uuid = normalized
                kind = .uuid
            default:
                throw .unmapped(path, "an identifier that is not Code or UUID")
            }
            if let system, system != context.identifierSystem(kind) {
                throw .invalid("\(path).system", "'\(system)' is not the identifier system of this server")
            }
        }
        guard let code else { throw .required("Group.identifier", "Family Group FHIR without code: an identifier of type Code (the head's CHF ID) is required") }
        return (code, existing == nil ? uuid : nil)
    }

    private static func members(_ members: [FHIRGroupMember], _ resolver: ReferenceResolver) async throws -> [Insuree] {
        guard !members.isEmpty else { throw MappingError.required("Group.member", "a family needs its members") }
        var result: [Insuree] = []
        for (i, member) in members.enumerated() {
            let path = "Group.member[\(i)]"
            try Input.refuse(!(member.modifierExtension?.isEmpty ?? true), "\(path).modifierExtension")
            try Input.refuse(!(member.extension?.isEmpty ?? true), "\(path).extension")
            try Input.refuse(member.period, "\(path).period")
            try Input.refuse(member.inactive?.value == true, "\(path).inactive")
            let target = try Input.target(member.entity, "Patient", "\(path).entity")
            guard let insuree = try await resolver.insuree(target) else {
                throw MappingError.unknown("\(path).entity", "no current insuree '\(target)'")
            }
            guard !result.contains(where: { $0.id == insuree.id }) else {
                throw MappingError.invalid("\(path).entity", "the insuree is listed twice")
            }
            result.append(insuree)
        }
        return result
    }
}

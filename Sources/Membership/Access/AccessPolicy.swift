/// Who is calling, as access control sees it (api.md §2 access control; security.md).
public enum Principal: Sendable, Hashable {
    /// An interactive openIMIS user: its rights (from its roles), whether it is IMIS Administrator,
    /// and the districts it is limited to under row security (nil: not limited).
    /// Its token's `user/...` scopes narrow what the rights allow.
    case user(userID: Int64, rights: Set<Int>, administrator: Bool, districts: Set<Int64>?, scopes: [SMARTScope])
    /// An insuree signed in through the membership flows: it reaches its own family only, within its `patient/...`
    /// scopes.
    case insuree(insureeID: Int64, familyID: Int64, scopes: [SMARTScope])
    /// A system client (payment layer, mediator): what its scopes grant, nothing else.
    case system(clientID: String, scopes: [SMARTScope])
}

/// The outcome of an access check.
public enum AccessDecision: Sendable, Hashable {
    /// Allowed without restriction.
    case allow
    /// Allowed only on rows within these districts (row security).
    case allowWithinDistricts(Set<Int64>)
    /// Allowed only inside this family's compartment; anything outside answers 404, not 403.
    case allowWithinFamily(Int64)
    /// Refused: 403 (the caller may know the resource exists).
    case forbidden
}

/// The one access rule of the FHIR API: openIMIS rights for users, the family compartment for
/// insurees, scopes for system clients.
public enum AccessPolicy {
    /// The resource types an insuree may see inside its family compartment (api.md §2), and whether
    /// it may write them.
    public static let insureeCompartment: [String: Set<AccessMethod>] = [
        "Patient": [.read], "Group": [.read], "Coverage": [.read], "Contract": [.read], "Claim": [.read],
        "ClaimResponse": [.read], "Invoice": [.read], "PaymentNotice": [.read],
    ]

    /// Reference data every signed-in insuree may read (products, facilities, places, catalogue).
    public static let publicReference: Set<String> = [
        "InsurancePlan", "Organization", "Location", "Medication", "ActivityDefinition", "Practitioner", "PractitionerRole",
    ]

    public static func decide(_ principal: Principal, _ resourceType: String, _ method: AccessMethod) -> AccessDecision {
        switch principal {
        case .user(_, let rights, let administrator, let districts, let scopes):
            guard scopes.contains(where: { $0.context == .user && $0.grants(resourceType, method) }) else { return .forbidden }
            if administrator { return .allow }
            guard let required = OpenIMISRights.required(resourceType, method) else { return .forbidden }
            guard required.isEmpty || !rights.isDisjoint(with: required) else { return .forbidden }
            if let districts { return .allowWithinDistricts(districts) }
            return .allow
        case .insuree(_, let familyID, let scopes):
            guard scopes.contains(where: { $0.context == .patient && $0.grants(resourceType, method) }) else { return .forbidden }
            if let allowed = insureeCompartment[resourceType] {
                return allowed.contains(method) ? .allowWithinFamily(familyID) : .forbidden
            }
            if publicReference.contains(resourceType) && method == .read { return .allow }
            return .forbidden
        case .system(_, let scopes):
            return scopes.contains { $0.context == .system && $0.grants(resourceType, method) } ? .allow : .forbidden
        }
    }
}

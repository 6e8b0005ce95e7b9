import IMISData

/// The server's own narrowing of what a caller may see, applied to every search, read and write it makes on the
/// caller's behalf. It never travels as search text, so a client cannot send it nor be confused with it.
public enum AccessRestriction: Sendable, Hashable {
    /// openIMIS row security: rows within these districts (`LocationId`s of `tblLocations`); an empty set matches
    /// nothing. Each provider turns it into its own condition (``DistrictScope``).
    case districts(Set<Int64>)
    /// An insuree's family compartment: ordinary search parameters ANDed to the client's.
    case compartment(QueryParameters)

    /// The types row security can narrow by district: insurees and families by their address, policies by their
    /// family's, claims by their health facility's district.
    static let districtTypes: Set<String> = ["Patient", "Group", "Coverage", "Contract", "Claim", "ClaimResponse"]

    /// A text that tells restrictions apart, for keys of kept answers.
    var cacheKey: String {
        switch self {
        case .districts(let ids): return "districts=" + ids.sorted().map(String.init).joined(separator: ",")
        case .compartment(let parameters): return parameters.encoded
        }
    }
}

/// How row security keeps the rows of one type within districts: a condition on the type's table built from
/// the district ids (`LocationId`s).
public struct DistrictScope: Sendable {
    let condition: @Sendable ([SQLValue]) -> RowPredicate

    /// A scope whose rows lie in a district when `condition` holds of the (non-empty) district ids.
    public init(_ condition: @escaping @Sendable ([SQLValue]) -> RowPredicate) {
        self.condition = condition
    }

    /// The condition keeping rows within `districts` (none when there is no district).
    public func predicate(_ districts: Set<Int64>) -> RowPredicate {
        guard !districts.isEmpty else { return .constant(false) }
        return condition(districts.sorted().map { .integer($0) })
    }

    /// The location is one of the districts.
    static func district(_ ids: [SQLValue]) -> RowPredicate { .oneOf(IMISData.Location.Column.locationId, ids) }

    /// Insurees by the district their address shows (their village, else their family's).
    static let insureeAddress = DistrictScope { Translate.insureeLocation(levels: 2, district($0)) }
    /// Families by the district of their village.
    static let familyVillage = DistrictScope { Translate.locationAncestor(of: Family.Column.locationId, levels: 2, district($0)) }
    /// Policies by the district of their family's village.
    static let policyFamily = DistrictScope { Translate.familyLocation(of: Policy.Column.familyID, levels: 2, district($0)) }
    /// Claims by their health facility's district (openIMIS places a facility in its district, `tblHF.LocationId`).
    static let claimFacility = DistrictScope {
        .related(HealthFacility.Column.hfID, outer: IMISData.Claim.Column.hfid, where: [.oneOf(HealthFacility.Column.locationId, $0)])
    }
}

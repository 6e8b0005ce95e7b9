import IMISData

/// What the providers tell people, through their registered devices, once a write outside any unit of work has
/// committed (a write inside one, an entry of a transaction Bundle, may still roll back: no one is told of it). The
/// server's application connects them to ``AuthServices``' push notifications; tools that load or export data leave
/// them silent.
struct PeopleNotices: Sendable {
    /// A payment activated the policies of these families (`tblFamilies.FamilyID`).
    var policyActivated: @Sendable (_ familyIDs: [Int64]) -> Void = { _ in }
    /// A submitted claim was adjudicated: checked or rejected.
    var claimAdjudicated: @Sendable (_ claim: IMISData.Claim) -> Void = { _ in }

    /// Nothing is told.
    static let silent = PeopleNotices()
}

import Foundation
import IMISData

/// The `tblFamilies` columns a Group write sets (reference §3.2 "in" column) and its members.
public struct FamilyDraft: Sendable, Hashable {
    /// A client-chosen UUID on create; nil lets the store make one.
    public var uuid: String?
    /// `LocationId` (village) from `group-address`.
    public var locationID: Int64
    public var familyAddress: String?
    public var poverty: Bool?
    public var familyType: String?
    public var confirmationNo: String?
    public var confirmationType: String?
    /// The head (the member whose CHF ID is the Group's `Code`); nil for a family created by a
    /// Patient write, whose head is that Patient.
    public var headInsureeID: Int64?
    /// Every member (head included), in posted order; they move into this family.
    public var memberInsureeIDs: [Int64]

    public init(locationID: Int64, familyAddress: String?) {
        self.locationID = locationID
        self.familyAddress = familyAddress
        self.memberInsureeIDs = []
    }

    /// The row to write: `existing` with every mapped column replaced (update), or a new row;
    /// `auditUserID` is the writing user (nil keeps the row's).
    public func family(updating existing: Family? = nil, auditUserID: Int64? = nil) -> Family {
        var row = existing ?? Family(uuid: uuid ?? RowUUID.make())
        row.locationID = locationID
        row.familyAddress = familyAddress
        row.poverty = poverty
        row.familyType = familyType
        row.confirmationNo = confirmationNo
        row.confirmationType = confirmationType
        if let headInsureeID { row.headInsureeID = headInsureeID }
        if let auditUserID { row.auditUserID = auditUserID }
        return row
    }
}

/// A location and free-text address posted in an `Address` (reference §3.1 address block).
public struct AddressDraft: Sendable, Hashable {
    /// `LocationId` of the village named by `address-location-reference`.
    public var locationID: Int64
    /// The free text (`line`, or `text` as the backend writes it).
    public var line: String?

    public init(locationID: Int64, line: String?) {
        self.locationID = locationID
        self.line = line
    }
}

import Foundation

/// A medical item (drug or consumable): one row of `tblItems` (FHIR Medication, reference §3.13).
public struct MedicalItem: VersionedRecord {
    /// `ItemID`.
    public var id: Int64?
    /// `ItemUUID`.
    public var uuid: String
    /// `ItemCode` (up to 6 characters), unique among current rows.
    public var code: String
    /// `ItemName`.
    public var name: String
    /// `ItemType`: `D` drug, `M` medical consumable.
    public var type: String
    /// `ItemPackage`.
    public var package: String?
    /// `ItemPrice` (decimal text, e.g. `"10.00"`).
    public var price: String
    /// `ItemCareType`: `I`, `O` or `B`.
    public var careType: String
    /// `ItemFrequency`, in days.
    public var frequency: Int?
    /// `ItemPatCat`: bit mask of usage contexts (1 man, 2 woman, 4 adult, 8 child).
    public var patientCategory: Int
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// An item; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), code: String, name: String, type: String = "D",
                package: String? = nil, price: String, careType: String = "B", frequency: Int? = nil,
                patientCategory: Int = 15, validityFrom: Date = Date(timeIntervalSince1970: 0),
                validityTo: Date? = nil, legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.code = code; self.name = name; self.type = type
        self.package = package; self.price = price; self.careType = careType; self.frequency = frequency
        self.patientCategory = patientCategory; self.validityFrom = validityFrom; self.validityTo = validityTo
        self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

/// A medical service: one row of `tblServices` (FHIR ActivityDefinition, reference §3.13).
public struct MedicalService: VersionedRecord {
    /// `ServiceID`.
    public var id: Int64?
    /// `ServiceUUID`.
    public var uuid: String
    /// `ServCategory`: `S` surgery, `D` delivery, `A` antenatal, `H` hospitalization, `C` consultation, `O` other, `V` visit.
    public var category: String?
    /// `ServiceCode` (up to 6 characters), unique among current rows.
    public var code: String
    /// `ServiceName`.
    public var name: String
    /// `ServType`: `P` preventive, `C` curative.
    public var type: String
    /// `ServLevel`: `S` simple, `V` visit, `D` day of stay, `H` hospital case.
    public var level: String
    /// `ServPrice` (decimal text).
    public var price: String
    /// `ServCareType`: `I`, `O` or `B`.
    public var careType: String
    /// `ServFrequency`, in days.
    public var frequency: Int?
    /// `ServPatCat`: bit mask of usage contexts (1 man, 2 woman, 4 adult, 8 child).
    public var patientCategory: Int
    /// `ValidityFrom`.
    public var validityFrom: Date
    /// `ValidityTo`.
    public var validityTo: Date?
    /// `LegacyID`.
    public var legacyID: Int64?
    /// `AuditUserID`.
    public var auditUserID: Int64

    /// A service; `id` and validity are set by the store on insert.
    public init(id: Int64? = nil, uuid: String = RowUUID.make(), category: String? = nil, code: String,
                name: String, type: String = "C", level: String = "S", price: String, careType: String = "B",
                frequency: Int? = nil, patientCategory: Int = 15,
                validityFrom: Date = Date(timeIntervalSince1970: 0), validityTo: Date? = nil,
                legacyID: Int64? = nil, auditUserID: Int64 = -1) {
        self.id = id; self.uuid = uuid; self.category = category; self.code = code; self.name = name
        self.type = type; self.level = level; self.price = price; self.careType = careType
        self.frequency = frequency; self.patientCategory = patientCategory; self.validityFrom = validityFrom
        self.validityTo = validityTo; self.legacyID = legacyID; self.auditUserID = auditUserID
    }
}

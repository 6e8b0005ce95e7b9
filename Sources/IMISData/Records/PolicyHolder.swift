import Foundation

/// A formal-sector policy holder: one row of `tblPolicyHolder` (FHIR Organization `bus`, reference §3.9).
///
/// This table follows openIMIS's newer "history model": the primary key is the `UUID` column, deletion sets
/// `isDeleted`, and `Version` counts updates (it is the FHIR `versionId`).
public struct PolicyHolder: Sendable, Hashable {
    /// `UUID` (primary key).
    public var uuid: String
    /// `PolicyHolderCode`, unique among rows not deleted.
    public var code: String
    /// `TradeName`.
    public var tradeName: String
    /// `LocationsId` → `tblLocations`.
    public var locationID: Int64?
    /// `Address`: JSON text (`{"address": ...}`).
    public var address: String?
    /// `Phone`.
    public var phone: String?
    /// `Fax`.
    public var fax: String?
    /// `Email`.
    public var email: String?
    /// `ContactName`: JSON text (`{"contactName": ...}`).
    public var contactName: String?
    /// `LegalForm`: 1 personal company, 2 limited risk company, 3 association, 4 government, 5 union.
    public var legalForm: Int?
    /// `ActivityCode`: 1 retail, 2 industry, 3 building, 4 sailing, 5 services.
    public var activityCode: Int?
    /// `AccountancyAccount`.
    public var accountancyAccount: String?
    /// `bankAccount`: JSON text.
    public var bankAccount: String?
    /// `PaymentReference`.
    public var paymentReference: String?
    /// `Json_ext`: JSON text.
    public var jsonExt: String?
    /// `DateCreated`.
    public var dateCreated: Date
    /// `DateUpdated` (`meta.lastUpdated`).
    public var dateUpdated: Date
    /// `UserCreatedUUID`.
    public var userCreatedUUID: String?
    /// `UserUpdatedUUID`.
    public var userUpdatedUUID: String?
    /// `Version`, starting at 1.
    public var version: Int
    /// `isDeleted`.
    public var isDeleted: Bool
    /// `DateValidFrom`.
    public var dateValidFrom: Date
    /// `DateValidTo`.
    public var dateValidTo: Date?
    /// `ReplacementUUID`.
    public var replacementUUID: String?

    /// A policy holder; dates and version are set by the store on insert.
    public init(uuid: String = RowUUID.make(), code: String, tradeName: String, locationID: Int64? = nil,
                address: String? = nil, phone: String? = nil, fax: String? = nil, email: String? = nil,
                contactName: String? = nil, legalForm: Int? = nil, activityCode: Int? = nil,
                accountancyAccount: String? = nil, bankAccount: String? = nil, paymentReference: String? = nil,
                jsonExt: String? = nil, dateCreated: Date = Date(timeIntervalSince1970: 0),
                dateUpdated: Date = Date(timeIntervalSince1970: 0), userCreatedUUID: String? = nil,
                userUpdatedUUID: String? = nil, version: Int = 1, isDeleted: Bool = false,
                dateValidFrom: Date = Date(timeIntervalSince1970: 0), dateValidTo: Date? = nil,
                replacementUUID: String? = nil) {
        self.uuid = uuid; self.code = code; self.tradeName = tradeName; self.locationID = locationID
        self.address = address; self.phone = phone; self.fax = fax; self.email = email
        self.contactName = contactName; self.legalForm = legalForm; self.activityCode = activityCode
        self.accountancyAccount = accountancyAccount; self.bankAccount = bankAccount
        self.paymentReference = paymentReference; self.jsonExt = jsonExt; self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated; self.userCreatedUUID = userCreatedUUID; self.userUpdatedUUID = userUpdatedUUID
        self.version = version; self.isDeleted = isDeleted; self.dateValidFrom = dateValidFrom
        self.dateValidTo = dateValidTo; self.replacementUUID = replacementUUID
    }
}

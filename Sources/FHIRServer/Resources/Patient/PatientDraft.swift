import Foundation
import IMISData

/// A photo posted in `Patient.photo.data` (to be stored as a file and a `tblPhotos` row).
public struct PhotoDraft: Sendable, Hashable {
    public var data: Data
    /// MIME type (`image/jpeg`) or the bare extension the backend clients send (`jpg`).
    public var contentType: String
    /// File name, if given.
    public var title: String?
    /// `PhotoDate`.
    public var creation: LocalDate?

    public init(data: Data, contentType: String, title: String?, creation: LocalDate?) {
        self.data = data
        self.contentType = contentType
        self.title = title
        self.creation = creation
    }
}

/// The `tblInsuree` columns a Patient write sets (reference §3.1 "in" column), with its family
/// intent. Columns without a FHIR element (`GeoLocation`, `isOffline`, `Source`, `JsonExt`, ...)
/// are not here and keep their stored values on update.
public struct InsureeDraft: Sendable, Hashable {
    /// A client-chosen UUID on create (from `identifier[type=UUID]`); nil lets the store make one.
    public var uuid: String?
    public var chfid: String
    public var lastName: String
    public var otherNames: String
    public var dob: LocalDate
    /// `M`, `F`, `O`; nil for `unknown`.
    public var gender: String?
    public var marital: String?
    public var isHead: Bool
    public var passport: String?
    public var typeOfId: String?
    public var phone: String?
    public var email: String?
    public var cardIssued: Bool
    public var relationship: Int?
    public var profession: Int?
    public var education: Int?
    /// `HFID` from `generalPractitioner`.
    public var hfID: Int64?
    /// `CurrentVillage` / `CurrentAddress` from a `temp` address.
    public var currentVillage: Int64?
    public var currentAddress: String?
    public var vulnerability: Bool?
    /// The existing family joined through `patient-group-reference`.
    public var familyID: Int64?
    /// The home address posted. For a new head it is the new family's address (``newFamily``);
    /// for the current head of ``familyID`` it may change the family's address
    /// (``familyAddressUpdate(of:)``); for other members it equals the family's (checked).
    public var homeAddress: AddressDraft?
    /// Set when the Patient is head (`patient-is-head` true) and joins no existing family: the
    /// family to create with this insuree as head (`RegistryStore.createFamily`).
    public var newFamily: FamilyDraft?
    /// A photo posted as data.
    public var photo: PhotoDraft?

    public init(chfid: String, lastName: String, otherNames: String, dob: LocalDate, isHead: Bool) {
        self.chfid = chfid
        self.lastName = lastName
        self.otherNames = otherNames
        self.dob = dob
        self.isHead = isHead
        self.cardIssued = false
    }

    /// The row to write: `existing` with every mapped column replaced (update), or a new row;
    /// `auditUserID` is the writing user (nil keeps the row's).
    public func insuree(updating existing: Insuree? = nil, auditUserID: Int64? = nil) -> Insuree {
        var row = existing ?? Insuree(uuid: uuid ?? RowUUID.make(), chfid: chfid, lastName: lastName,
                                      otherNames: otherNames, dob: dob)
        row.chfid = chfid
        row.lastName = lastName
        row.otherNames = otherNames
        row.dob = dob
        row.gender = gender
        row.marital = marital
        row.isHead = isHead
        row.passport = passport
        row.typeOfId = typeOfId
        row.phone = phone
        row.email = email
        row.cardIssued = cardIssued
        row.relationship = relationship
        row.profession = profession
        row.education = education
        row.hfID = hfID
        row.currentVillage = currentVillage
        row.currentAddress = currentAddress
        row.vulnerability = vulnerability
        if let familyID { row.familyID = familyID }
        if let auditUserID { row.auditUserID = auditUserID }
        return row
    }

    /// The family row with the posted home address, when this draft is the head of `family` and
    /// the address differs from the stored one; nil otherwise.
    public func familyAddressUpdate(of family: Family) -> Family? {
        guard isHead, let homeAddress, family.id == familyID,
            homeAddress.locationID != family.locationID || homeAddress.line != family.familyAddress
        else { return nil }
        var updated = family
        updated.locationID = homeAddress.locationID
        updated.familyAddress = homeAddress.line
        return updated
    }
}

import FHIRModels
import Foundation

/// The kinds of business identifier the server writes, each of which may carry a configured
/// `Identifier.system` (mapping.md decision 2; reference §1.4).
///
/// openIMIS writes identifiers as `type.coding = openimis-identifiers|UUID` or `|Code` and no
/// system; a deployment with a naming system (e.g. a national insurance-number namespace) can
/// configure one per kind.
public enum IdentifierKind: String, Sendable, Hashable, CaseIterable {
    /// Row UUIDs of every table (`identifier[type=UUID]`).
    case uuid
    /// `tblInsuree.CHFID`: the insurance number (Patient `Code`).
    case insuranceNumber
    /// `tblInsuree.passport` written as a `PPN` identifier (no identification type).
    case passport
    /// The family code, i.e. the head's CHF ID (Group `Code`).
    case familyCode
    /// `tblLocations.LocationCode`.
    case locationCode
    /// `tblHF.HFCode`.
    case healthFacilityCode
    /// `tblClaimAdmin.ClaimAdminCode`.
    case claimAdministratorCode
    /// `tblOfficer.Code`.
    case officerCode
    /// `tblProduct.ProductCode`.
    case productCode
    /// `tblItems.ItemCode`.
    case itemCode
    /// `tblServices.ServiceCode`.
    case serviceCode
    /// `tblPolicyHolder.PolicyHolderCode`.
    case policyHolderCode
    /// The configured insurer's code (`openIMIS` by default).
    case insurerCode
    /// `tblClaim.ClaimCode`.
    case claimCode
    /// `tblInvoice.Code`.
    case invoiceCode
}

/// The insurer organization (`Organization` of type `ins`): not a table in openIMIS but
/// configuration (reference §3.9, "Insurance"); defaults are the IG example
/// `openIMIS-Implementation`.
public struct InsurerConfiguration: Sendable, Hashable {
    /// `Organization.id`, the target of every `insurer`/`recipient` reference.
    public var id: String
    /// `identifier[type=Code]`.
    public var code: String
    public var name: String
    public var email: String?
    public var phone: String?
    public var fax: String?
    /// `contact[0].name.text` (purpose `ADMIN`).
    public var contactName: String?
    public var addressLine: String?
    /// City or village.
    public var city: String?
    /// Written as the `address-municipality` extension.
    public var municipality: String?
    public var district: String?
    /// Region.
    public var state: String?
    /// `meta.lastUpdated` (configuration has no row to take it from; set it to when the
    /// configuration was loaded).
    public var lastUpdated: Date

    public init(
        id: String = "openIMIS-Implementation", code: String = "openIMIS", name: String = "openIMIS Implementation",
        email: String? = "implementation@openimis.org", phone: String? = "0908060703", fax: String? = "0908060730",
        contactName: String? = "Manuel D. Medina", addressLine: String? = "1 Pasay", city: String? = "Jamula",
        municipality: String? = "Jamu", district: String? = "Rapta", state: String? = "Ultha",
        lastUpdated: Date = Date(timeIntervalSince1970: 1_704_067_200)
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.email = email
        self.phone = phone
        self.fax = fax
        self.contactName = contactName
        self.addressLine = addressLine
        self.city = city
        self.municipality = municipality
        self.district = district
        self.state = state
        self.lastUpdated = lastUpdated
    }
}

/// Deployment settings the mapping functions need: identifier systems, currency, the insurer,
/// and where insuree photos are served.
public struct MappingContext: Sendable, Hashable {
    /// `Identifier.system` per kind; a kind not listed is written without a system.
    public var identifierSystems: [IdentifierKind: String]
    /// ISO 4217 code of every `Money` (openIMIS `core.currency`; `EUR` when unset, as the IG examples).
    public var currency: String
    /// The insurer organization.
    public var insurer: InsurerConfiguration
    /// Absolute base URL under which photo files are served (`<base>/<PhotoFolder>/<PhotoFileName>`);
    /// without it `Patient.photo` carries no `url`.
    public var photoBaseURL: String?

    public init(
        identifierSystems: [IdentifierKind: String] = [:], currency: String = "EUR",
        insurer: InsurerConfiguration = InsurerConfiguration(), photoBaseURL: String? = nil
    ) {
        self.identifierSystems = identifierSystems
        self.currency = currency
        self.insurer = insurer
        self.photoBaseURL = photoBaseURL
    }

    /// The configured `Identifier.system` of a kind, if any.
    public func identifierSystem(_ kind: IdentifierKind) -> String? {
        identifierSystems[kind].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `Organization/<insurer id>`: what `insurer`, `issuer` and `recipient` references point at.
    public var insurerReference: Reference {
        Reference(
            reference: FHIRPrimitive(FHIRString("Organization/\(insurer.id)")),
            type: FHIRPrimitive(FHIRURI("Organization")),
            display: FHIRPrimitive(FHIRString(insurer.name)))
    }
}

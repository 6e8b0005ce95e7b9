import IMISData

/// What the membership card of a family shows (api.md §3, `GET /membership/card`): the insurer, the family and
/// its members, and the policy the card proves. Texts are shown as given (already in the reader's language).
public struct MembershipCardData: Sendable, Hashable {
    /// One insuree of the family.
    public struct Member: Sendable, Hashable {
        /// The insurance number (openIMIS `CHFID`).
        public var insuranceNumber: String
        public var givenName: String
        public var familyName: String
        public var birthDate: LocalDate?
        /// The gender as text, e.g. "Female".
        public var gender: String?
        /// The relationship to the head of the family as text, e.g. "Head", "Spouse".
        public var relationship: String?
        /// The photo as JPEG bytes; other data is left out of the card.
        public var photoJPEG: [UInt8]?

        public init(
            insuranceNumber: String, givenName: String, familyName: String, birthDate: LocalDate? = nil,
            gender: String? = nil, relationship: String? = nil, photoJPEG: [UInt8]? = nil
        ) {
            self.insuranceNumber = insuranceNumber
            self.givenName = givenName
            self.familyName = familyName
            self.birthDate = birthDate
            self.gender = gender
            self.relationship = relationship
            self.photoJPEG = photoJPEG
        }
    }

    /// The insurer (scheme) named in the header.
    public var insurerName: String
    /// The family, usually its head's name.
    public var familyName: String
    /// The members in the order they are shown (the head first).
    public var members: [Member]
    /// The product (openIMIS `ProductCode`, `ProductName`).
    public var productCode: String
    public var productName: String
    /// The policy status as text, e.g. "Active".
    public var policyStatus: String
    /// The policy's `StartDate`, `EffectiveDate` and `ExpiryDate`.
    public var startDate: LocalDate?
    public var effectiveDate: LocalDate?
    public var expiryDate: LocalDate?
    /// The day the card is issued; also the document's creation date.
    public var issueDate: LocalDate

    public init(
        insurerName: String, familyName: String, members: [Member], productCode: String, productName: String,
        policyStatus: String, startDate: LocalDate?, effectiveDate: LocalDate?, expiryDate: LocalDate?,
        issueDate: LocalDate
    ) {
        self.insurerName = insurerName
        self.familyName = familyName
        self.members = members
        self.productCode = productCode
        self.productName = productName
        self.policyStatus = policyStatus
        self.startDate = startDate
        self.effectiveDate = effectiveDate
        self.expiryDate = expiryDate
        self.issueDate = issueDate
    }
}

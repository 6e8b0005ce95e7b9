/// One entry of an openIMIS reference table (gender, relation, education, ...; reference §3.14).
///
/// The eight reference tables share one shape (code, display, alternative-language display, sort order), so one
/// record type serves them all; `ReferenceTable` names the table and its columns.
public struct ReferenceCode: Sendable, Hashable {
    /// The code as text (`"M"`, `"8"`, ...): the table's key column.
    public var code: String
    /// The display text (`Gender`, `Relation`, `Education`, ...).
    public var display: String
    /// `AltLanguage`: the display in the alternative language.
    public var altLanguage: String?
    /// `SortOrder`.
    public var sortOrder: Int?

    /// An entry.
    public init(code: String, display: String, altLanguage: String? = nil, sortOrder: Int? = nil) {
        self.code = code
        self.display = display
        self.altLanguage = altLanguage
        self.sortOrder = sortOrder
    }
}

/// The openIMIS reference tables and their columns.
public enum ReferenceTable: String, Sendable, Hashable, CaseIterable {
    /// `tblGender` (`Code`, `Gender`): M, F, O.
    case gender = "tblGender"
    /// `tblRelations` (`RelationId`, `Relation`): 1...8.
    case relation = "tblRelations"
    /// `tblEducations` (`EducationId`, `Education`): 1...7.
    case education = "tblEducations"
    /// `tblProfessions` (`ProfessionId`, `Profession`): 1...4.
    case profession = "tblProfessions"
    /// `tblIdentificationTypes` (`IdentificationCode`, `IdentificationTypes`): D, N, P, V.
    case identificationType = "tblIdentificationTypes"
    /// `tblFamilyTypes` (`FamilyTypeCode`, `FamilyType`): C, G, H, O, P, S, T.
    case familyType = "tblFamilyTypes"
    /// `tblConfirmationTypes` (`ConfirmationTypeCode`, `ConfirmationType`): A, B, C, D.
    case confirmationType = "tblConfirmationTypes"
    /// `tblLegalForms` (`LegalFormCode`, `LegalForms`): C, D, G, P.
    case legalForm = "tblLegalForms"

    /// The table name.
    public var tableName: String { rawValue }

    /// The key column.
    public var codeColumn: String {
        switch self {
        case .gender: "Code"
        case .relation: "RelationId"
        case .education: "EducationId"
        case .profession: "ProfessionId"
        case .identificationType: "IdentificationCode"
        case .familyType: "FamilyTypeCode"
        case .confirmationType: "ConfirmationTypeCode"
        case .legalForm: "LegalFormCode"
        }
    }

    /// The display column.
    public var displayColumn: String {
        switch self {
        case .gender: "Gender"
        case .relation: "Relation"
        case .education: "Education"
        case .profession: "Profession"
        case .identificationType: "IdentificationTypes"
        case .familyType: "FamilyType"
        case .confirmationType: "ConfirmationType"
        case .legalForm: "LegalForms"
        }
    }

    /// Whether the key is an integer (`smallint` in openIMIS) rather than a character code.
    public var hasIntegerCodes: Bool {
        switch self {
        case .relation, .education, .profession: true
        default: false
        }
    }
}

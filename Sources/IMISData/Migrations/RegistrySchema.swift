/// The `CREATE TABLE` statements of the registry, under openIMIS's own table and column names.
///
/// Storage conventions (SQLite affinities for openIMIS types):
/// - integer keys and `int`/`smallint`/`tinyint`: INTEGER; `bit`: INTEGER 0/1;
/// - `nvarchar`/`char`: TEXT; UUIDs: TEXT of 36 characters, written lower-case, declared `COLLATE NOCASE` so that
///   every comparison (and the UNIQUE index serving it) ignores case;
/// - dates (`DOB`, `PhotoDate`, ...): TEXT `YYYY-MM-DD`;
/// - instants (`ValidityFrom`, `ValidityTo`, `DateCreated`, ...): TEXT `YYYY-MM-DD HH:MM:SS.SSS` in UTC;
/// - money (`decimal(18,2)`): TEXT holding the exact decimal (`'10000.00'`), never REAL.
enum RegistrySchema {
    /// The validity columns of legacy-versioned tables (reference §5.1).
    static func validity(legacy: String = "LegacyID", audit: String = "AuditUserID") -> String {
        """
        ValidityFrom TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
          ValidityTo TEXT,
          \(legacy) INTEGER,
          \(audit) INTEGER NOT NULL DEFAULT -1
        """
    }

    static func uuid(_ column: String) -> String {
        "\(column) TEXT NOT NULL COLLATE NOCASE CHECK (length(\(column)) = 36)"
    }

    static let referenceTables = """
        CREATE TABLE tblGender (Code TEXT PRIMARY KEY NOT NULL, Gender TEXT NOT NULL, AltLanguage TEXT, SortOrder INTEGER);
        CREATE TABLE tblRelations (RelationId INTEGER PRIMARY KEY NOT NULL, Relation TEXT NOT NULL, SortOrder INTEGER, AltLanguage TEXT);
        CREATE TABLE tblEducations (EducationId INTEGER PRIMARY KEY NOT NULL, Education TEXT NOT NULL, SortOrder INTEGER, AltLanguage TEXT);
        CREATE TABLE tblProfessions (ProfessionId INTEGER PRIMARY KEY NOT NULL, Profession TEXT NOT NULL, SortOrder INTEGER, AltLanguage TEXT);
        CREATE TABLE tblIdentificationTypes (IdentificationCode TEXT PRIMARY KEY NOT NULL, IdentificationTypes TEXT NOT NULL, AltLanguage TEXT, SortOrder INTEGER);
        CREATE TABLE tblFamilyTypes (FamilyTypeCode TEXT PRIMARY KEY NOT NULL, FamilyType TEXT NOT NULL, SortOrder INTEGER, AltLanguage TEXT);
        CREATE TABLE tblConfirmationTypes (ConfirmationTypeCode TEXT PRIMARY KEY NOT NULL, ConfirmationType TEXT NOT NULL, SortOrder INTEGER, AltLanguage TEXT);
        CREATE TABLE tblLegalForms (LegalFormCode TEXT PRIMARY KEY NOT NULL, LegalForms TEXT NOT NULL, SortOrder INTEGER, AltLanguage TEXT);
        """

    static let locations = """
        CREATE TABLE tblLocations (
          LocationId INTEGER PRIMARY KEY NOT NULL,
          \(uuid("LocationUUID")),
          LocationCode TEXT NOT NULL,
          LocationName TEXT NOT NULL,
          ParentLocationId INTEGER REFERENCES tblLocations(LocationId),
          LocationType TEXT NOT NULL CHECK (LocationType IN ('R', 'D', 'W', 'V')),
          MalePopulation INTEGER, FemalePopulation INTEGER, OtherPopulation INTEGER, Families INTEGER,
          \(validity(legacy: "LegacyId", audit: "AuditUserId"))
        );
        CREATE TABLE tblHF (
          HfID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("HfUUID")),
          HFCode TEXT NOT NULL, HFName TEXT NOT NULL,
          LegalForm TEXT NOT NULL REFERENCES tblLegalForms(LegalFormCode),
          HFLevel TEXT NOT NULL, HFSublevel TEXT, HFAddress TEXT,
          LocationId INTEGER NOT NULL REFERENCES tblLocations(LocationId),
          Phone TEXT, Fax TEXT, eMail TEXT, HFCareType TEXT NOT NULL,
          PLServiceID INTEGER, PLItemID INTEGER, AccCode TEXT, OffLine INTEGER DEFAULT 0,
          ContractStartDate TEXT, ContractEndDate TEXT,
          \(validity())
        );
        """

    static let people = """
        CREATE TABLE tblFamilies (
          FamilyID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("FamilyUUID")),
          InsureeID INTEGER NOT NULL REFERENCES tblInsuree(InsureeID),
          LocationId INTEGER REFERENCES tblLocations(LocationId),
          Poverty INTEGER,
          FamilyType TEXT REFERENCES tblFamilyTypes(FamilyTypeCode),
          FamilyAddress TEXT, Ethnicity TEXT, ConfirmationNo TEXT,
          ConfirmationType TEXT REFERENCES tblConfirmationTypes(ConfirmationTypeCode),
          isOffline INTEGER DEFAULT 0, JsonExt TEXT,
          \(validity())
        );
        CREATE TABLE tblInsuree (
          InsureeID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("InsureeUUID")),
          FamilyID INTEGER REFERENCES tblFamilies(FamilyID),
          CHFID TEXT NOT NULL, LastName TEXT NOT NULL, OtherNames TEXT NOT NULL, DOB TEXT NOT NULL,
          Gender TEXT REFERENCES tblGender(Code),
          Marital TEXT CHECK (Marital IN ('M', 'S', 'D', 'W', 'N')),
          IsHead INTEGER NOT NULL DEFAULT 0,
          passport TEXT,
          TypeOfId TEXT REFERENCES tblIdentificationTypes(IdentificationCode),
          Phone TEXT, Email TEXT,
          PhotoID INTEGER REFERENCES tblPhotos(PhotoID),
          PhotoDate TEXT,
          CardIssued INTEGER NOT NULL DEFAULT 0,
          Relationship INTEGER REFERENCES tblRelations(RelationId),
          Profession INTEGER REFERENCES tblProfessions(ProfessionId),
          Education INTEGER REFERENCES tblEducations(EducationId),
          HFID INTEGER REFERENCES tblHF(HfID),
          CurrentAddress TEXT, GeoLocation TEXT,
          CurrentVillage INTEGER REFERENCES tblLocations(LocationId),
          Vulnerability INTEGER, isOffline INTEGER DEFAULT 0, Source TEXT, SourceVersion TEXT, JsonExt TEXT,
          \(validity())
        );
        CREATE TABLE tblPhotos (
          PhotoID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("PhotoUUID")),
          InsureeID INTEGER REFERENCES tblInsuree(InsureeID),
          CHFID TEXT, PhotoFolder TEXT, PhotoFileName TEXT,
          OfficerID INTEGER REFERENCES tblOfficer(OfficerID),
          PhotoDate TEXT,
          ValidityFrom TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
          ValidityTo TEXT,
          AuditUserID INTEGER NOT NULL DEFAULT -1
        );
        """

    static let staff = """
        CREATE TABLE tblOfficer (
          OfficerID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("OfficerUUID")),
          Code TEXT NOT NULL, LastName TEXT NOT NULL, OtherNames TEXT NOT NULL, DOB TEXT, Phone TEXT,
          LocationId INTEGER REFERENCES tblLocations(LocationId),
          OfficerIDSubst INTEGER REFERENCES tblOfficer(OfficerID),
          WorksTo TEXT, VEOCode TEXT, VEOLastName TEXT, VEOOtherNames TEXT, VEODOB TEXT, VEOPhone TEXT,
          EmailId TEXT, PhoneCommunication INTEGER, permanentaddress TEXT, HasLogin INTEGER DEFAULT 0,
          \(validity())
        );
        CREATE TABLE tblClaimAdmin (
          ClaimAdminId INTEGER PRIMARY KEY NOT NULL,
          \(uuid("ClaimAdminUUID")),
          ClaimAdminCode TEXT NOT NULL, LastName TEXT NOT NULL, OtherNames TEXT NOT NULL, DOB TEXT, Phone TEXT,
          HFId INTEGER REFERENCES tblHF(HfID),
          EmailId TEXT, HasLogin INTEGER DEFAULT 0,
          \(validity(legacy: "LegacyId", audit: "AuditUserId"))
        );
        """

    static let catalog = """
        CREATE TABLE tblProduct (
          ProdID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("ProdUUID")),
          ProductCode TEXT NOT NULL, ProductName TEXT NOT NULL,
          LocationId INTEGER REFERENCES tblLocations(LocationId),
          InsurancePeriod INTEGER NOT NULL, DateFrom TEXT NOT NULL, DateTo TEXT NOT NULL,
          ConversionProdID INTEGER REFERENCES tblProduct(ProdID),
          LumpSum TEXT NOT NULL, MemberCount INTEGER NOT NULL, PremiumAdult TEXT, PremiumChild TEXT,
          RegistrationLumpSum TEXT, RegistrationFee TEXT, GeneralAssemblyLumpSum TEXT, GeneralAssemblyFee TEXT,
          GracePeriod INTEGER NOT NULL DEFAULT 0, GracePeriodRenewal INTEGER, MaxInstallments INTEGER,
          WaitingPeriod INTEGER, Threshold INTEGER, RenewalDiscountPerc INTEGER, EnrolmentDiscountPerc INTEGER,
          MaxNoConsultation INTEGER, MaxNoSurgery INTEGER, MaxNoDelivery INTEGER, MaxNoHospitalizaion INTEGER,
          MaxNoVisits INTEGER, MaxNoAntenatal INTEGER,
          MaxAmountConsultation TEXT, MaxAmountSurgery TEXT, MaxAmountDelivery TEXT,
          MaxAmountHospitalization TEXT, MaxAmountAntenatal TEXT, CeilingInterpretation TEXT,
          \(validity())
        );
        CREATE TABLE tblItems (
          ItemID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("ItemUUID")),
          ItemCode TEXT NOT NULL, ItemName TEXT NOT NULL, ItemType TEXT NOT NULL, ItemPackage TEXT,
          ItemPrice TEXT NOT NULL, ItemCareType TEXT NOT NULL, ItemFrequency INTEGER, ItemPatCat INTEGER NOT NULL,
          \(validity())
        );
        CREATE TABLE tblServices (
          ServiceID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("ServiceUUID")),
          ServCategory TEXT, ServiceCode TEXT NOT NULL, ServiceName TEXT NOT NULL, ServType TEXT NOT NULL,
          ServLevel TEXT NOT NULL, ServPrice TEXT NOT NULL, ServCareType TEXT NOT NULL, ServFrequency INTEGER,
          ServPatCat INTEGER NOT NULL,
          \(validity())
        );
        CREATE TABLE tblPolicyHolder (
          UUID TEXT PRIMARY KEY NOT NULL COLLATE NOCASE CHECK (length(UUID) = 36),
          PolicyHolderCode TEXT NOT NULL, TradeName TEXT NOT NULL,
          LocationsId INTEGER REFERENCES tblLocations(LocationId),
          Address TEXT, Phone TEXT, Fax TEXT, Email TEXT, ContactName TEXT,
          LegalForm INTEGER, ActivityCode INTEGER, AccountancyAccount TEXT, bankAccount TEXT, PaymentReference TEXT,
          Json_ext TEXT,
          DateCreated TEXT NOT NULL, DateUpdated TEXT NOT NULL,
          UserCreatedUUID TEXT COLLATE NOCASE, UserUpdatedUUID TEXT COLLATE NOCASE,
          Version INTEGER NOT NULL DEFAULT 1, isDeleted INTEGER NOT NULL DEFAULT 0,
          DateValidFrom TEXT NOT NULL, DateValidTo TEXT, ReplacementUUID TEXT COLLATE NOCASE
        );
        """
}

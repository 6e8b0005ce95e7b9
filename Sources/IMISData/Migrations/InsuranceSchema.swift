/// The `CREATE TABLE` statements of policies, contributions, claims, product coverage, price lists, invoices and
/// payments, under openIMIS's names (reference §5.2); storage conventions as in `RegistrySchema`.
///
/// Columns this schema adds to openIMIS's tables: `tblICDCodes.ICDUUID`, `tblPaymentInvoice.CurrencyCode`. The
/// project table `fhir_payment_notice_identifier` makes FHIR PaymentNotice creation idempotent on its identifier.
enum InsuranceSchema {
    static let validity = RegistrySchema.validity()
    static let uuid = RegistrySchema.uuid

    /// The columns every history-model table carries (reference §5.1).
    static let history = """
        Json_ext TEXT,
          DateCreated TEXT NOT NULL, DateUpdated TEXT NOT NULL,
          UserCreatedUUID TEXT COLLATE NOCASE, UserUpdatedUUID TEXT COLLATE NOCASE,
          Version INTEGER NOT NULL DEFAULT 1, isDeleted INTEGER NOT NULL DEFAULT 0
        """

    static let policies = """
        CREATE TABLE tblPolicy (
          PolicyID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("PolicyUUID")),
          FamilyID INTEGER NOT NULL REFERENCES tblFamilies(FamilyID),
          EnrollDate TEXT NOT NULL, StartDate TEXT NOT NULL, EffectiveDate TEXT, ExpiryDate TEXT NOT NULL,
          PolicyStatus INTEGER NOT NULL DEFAULT 1 CHECK (PolicyStatus IN (1, 2, 4, 8, 16)),
          PolicyValue TEXT,
          ProdID INTEGER NOT NULL REFERENCES tblProduct(ProdID),
          OfficerID INTEGER REFERENCES tblOfficer(OfficerID),
          PolicyStage TEXT CHECK (PolicyStage IN ('N', 'R')),
          RenewalOrder INTEGER, SelfRenewed INTEGER, isOffline INTEGER DEFAULT 0, JsonExt TEXT,
          \(validity)
        );
        CREATE TABLE tblInsureePolicy (
          InsureePolicyId INTEGER PRIMARY KEY NOT NULL,
          InsureeId INTEGER NOT NULL REFERENCES tblInsuree(InsureeID),
          PolicyId INTEGER NOT NULL REFERENCES tblPolicy(PolicyID),
          EnrollmentDate TEXT, StartDate TEXT, EffectiveDate TEXT, ExpiryDate TEXT, isOffline INTEGER DEFAULT 0,
          \(validity)
        );
        CREATE TABLE tblPayer (
          PayerID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("PayerUUID")),
          PayerType TEXT NOT NULL, PayerName TEXT NOT NULL, PayerAddress TEXT,
          LocationId INTEGER REFERENCES tblLocations(LocationId),
          Phone TEXT, Fax TEXT, eMail TEXT,
          \(validity)
        );
        CREATE TABLE tblPremium (
          PremiumId INTEGER PRIMARY KEY NOT NULL,
          \(uuid("PremiumUUID")),
          PolicyID INTEGER NOT NULL REFERENCES tblPolicy(PolicyID),
          PayerID INTEGER REFERENCES tblPayer(PayerID),
          Amount TEXT NOT NULL, Receipt TEXT NOT NULL, PayDate TEXT NOT NULL,
          PayType TEXT NOT NULL CHECK (PayType IN ('B', 'C', 'M', 'F')),
          isPhotoFee INTEGER NOT NULL DEFAULT 0, isOffline INTEGER DEFAULT 0, ReportingId INTEGER, CreatedDate TEXT,
          \(validity)
        );
        """

    static let claims: String = """
        CREATE TABLE tblICDCodes (
          ICDID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("ICDUUID")),
          ICDCode TEXT NOT NULL, ICDName TEXT NOT NULL,
          \(validity)
        );
        CREATE TABLE tblClaim (
          ClaimID INTEGER PRIMARY KEY NOT NULL,
          \(uuid("ClaimUUID")),
          InsureeID INTEGER NOT NULL REFERENCES tblInsuree(InsureeID),
          ClaimCode TEXT NOT NULL, DateFrom TEXT NOT NULL, DateTo TEXT,
          ICDID INTEGER NOT NULL REFERENCES tblICDCodes(ICDID),
          ICDID1 INTEGER REFERENCES tblICDCodes(ICDID), ICDID2 INTEGER REFERENCES tblICDCodes(ICDID),
          ICDID3 INTEGER REFERENCES tblICDCodes(ICDID), ICDID4 INTEGER REFERENCES tblICDCodes(ICDID),
          ClaimStatus INTEGER NOT NULL DEFAULT 2 CHECK (ClaimStatus IN (1, 2, 4, 8, 16)),
          Claimed TEXT, Approved TEXT, Valuated TEXT, DateClaimed TEXT NOT NULL, DateProcessed TEXT,
          Feedback INTEGER DEFAULT 0, FeedbackStatus INTEGER DEFAULT 1, ReviewStatus INTEGER DEFAULT 1,
          Explanation TEXT, Adjustment TEXT, RejectionReason INTEGER,
          HFID INTEGER NOT NULL REFERENCES tblHF(HfID),
          ClaimAdminId INTEGER REFERENCES tblClaimAdmin(ClaimAdminId),
          GuaranteeId TEXT, VisitType TEXT CHECK (VisitType IN ('E', 'R', 'O')), ClaimCategory TEXT, JsonExt TEXT,
          \(validity)
        );
        """ + claimLines(table: "tblClaimItems", key: "ClaimItemID", medical: "ItemID", catalogue: "tblItems",
                         status: "ClaimItemStatus")
        + claimLines(table: "tblClaimServices", key: "ClaimServiceID", medical: "ServiceID",
                     catalogue: "tblServices", status: "ClaimServiceStatus")

    static func claimLines(table: String, key: String, medical: String, catalogue: String, status: String) -> String {
        """
        CREATE TABLE \(table) (
          \(key) INTEGER PRIMARY KEY NOT NULL,
          ClaimID INTEGER NOT NULL REFERENCES tblClaim(ClaimID),
          \(medical) INTEGER NOT NULL REFERENCES \(catalogue)(\(medical)),
          ProdID INTEGER REFERENCES tblProduct(ProdID),
          \(status) INTEGER NOT NULL DEFAULT 1, Availability INTEGER DEFAULT 1,
          QtyProvided TEXT NOT NULL, QtyApproved TEXT, PriceAsked TEXT NOT NULL, PriceAdjusted TEXT,
          PriceApproved TEXT, PriceValuated TEXT, Explanation TEXT, Justification TEXT, RejectionReason INTEGER,
          PolicyID INTEGER REFERENCES tblPolicy(PolicyID), PriceOrigin TEXT, Limitation TEXT, LimitationValue TEXT,
          \(validity)
        );

        """
    }

    static let coverage: String = ["Item", "Service"].map { (kind: String) -> String in
        let medical = kind == "Item" ? "ItemID INTEGER NOT NULL REFERENCES tblItems(ItemID)"
            : "ServiceID INTEGER NOT NULL REFERENCES tblServices(ServiceID)"
        let name = kind == "Item" ? "PLItemName" : "PLServName"
        return """
            CREATE TABLE tblProduct\(kind)s (
              Prod\(kind)ID INTEGER PRIMARY KEY NOT NULL,
              ProdID INTEGER NOT NULL REFERENCES tblProduct(ProdID),
              \(medical),
              LimitationType TEXT NOT NULL CHECK (LimitationType IN ('F', 'C')),
              PriceOrigin TEXT NOT NULL CHECK (PriceOrigin IN ('P', 'O', 'R')),
              LimitAdult TEXT, LimitChild TEXT, WaitingPeriodAdult INTEGER, WaitingPeriodChild INTEGER,
              LimitNoAdult INTEGER, LimitNoChild INTEGER,
              \(validity)
            );
            CREATE TABLE tblPL\(kind)s (
              PL\(kind)ID INTEGER PRIMARY KEY NOT NULL,
              \(uuid("PL\(kind)UUID")),
              \(name) TEXT NOT NULL, DatePL TEXT NOT NULL,
              LocationId INTEGER REFERENCES tblLocations(LocationId),
              \(validity)
            );
            CREATE TABLE tblPL\(kind)sDetail (
              PL\(kind)DetailID INTEGER PRIMARY KEY NOT NULL,
              PL\(kind)ID INTEGER NOT NULL REFERENCES tblPL\(kind)s(PL\(kind)ID),
              \(medical),
              PriceOverule TEXT,
              \(validity)
            );

            """
    }.joined()

    static let payments = """
        CREATE TABLE tblInvoice (
          UUID TEXT PRIMARY KEY NOT NULL COLLATE NOCASE CHECK (length(UUID) = 36),
          Code TEXT NOT NULL, SubjectType TEXT NOT NULL, SubjectId TEXT NOT NULL COLLATE NOCASE,
          ThirdpartyType TEXT, ThirdpartyId TEXT COLLATE NOCASE,
          DateInvoice TEXT NOT NULL, DateDue TEXT, DatePayed TEXT,
          AmountDiscount TEXT, AmountNet TEXT NOT NULL, TaxAnalysis TEXT, AmountTotal TEXT NOT NULL,
          Status INTEGER NOT NULL DEFAULT 0 CHECK (Status BETWEEN 0 AND 7),
          CurrencyCode TEXT NOT NULL, Note TEXT, Terms TEXT, PaymentReference TEXT,
          \(history)
        );
        CREATE TABLE tblInvoiceLineItem (
          UUID TEXT PRIMARY KEY NOT NULL COLLATE NOCASE CHECK (length(UUID) = 36),
          InvoiceId TEXT NOT NULL COLLATE NOCASE REFERENCES tblInvoice(UUID),
          Code TEXT NOT NULL, Description TEXT, LineType TEXT NOT NULL, LineId TEXT NOT NULL COLLATE NOCASE,
          Quantity TEXT NOT NULL, UnitPrice TEXT NOT NULL, Discount TEXT, Deduction TEXT,
          AmountNet TEXT NOT NULL, AmountTotal TEXT NOT NULL,
          \(history)
        );
        CREATE TABLE tblPaymentInvoice (
          UUID TEXT PRIMARY KEY NOT NULL COLLATE NOCASE CHECK (length(UUID) = 36),
          ReconciliationStatus INTEGER NOT NULL DEFAULT 0 CHECK (ReconciliationStatus BETWEEN 0 AND 3),
          CodeExt TEXT, CodeTp TEXT, CodeReceipt TEXT, Label TEXT, Fees TEXT,
          AmountReceived TEXT NOT NULL, CurrencyCode TEXT, DatePayment TEXT NOT NULL,
          PaymentOrigin TEXT, PayerRef TEXT, PayerName TEXT,
          \(history)
        );
        CREATE TABLE tblDetailPaymentInvoice (
          UUID TEXT PRIMARY KEY NOT NULL COLLATE NOCASE CHECK (length(UUID) = 36),
          PaymentId TEXT NOT NULL COLLATE NOCASE REFERENCES tblPaymentInvoice(UUID),
          SubjectType TEXT NOT NULL, SubjectId TEXT NOT NULL COLLATE NOCASE,
          Status INTEGER NOT NULL DEFAULT 1 CHECK (Status BETWEEN 0 AND 3),
          Fees TEXT, Amount TEXT NOT NULL, ReconcilationId TEXT, ReconcilationDate TEXT,
          \(history)
        );
        CREATE TABLE fhir_payment_notice_identifier (
          System TEXT NOT NULL DEFAULT '',
          Value TEXT NOT NULL,
          PaymentUUID TEXT NOT NULL COLLATE NOCASE REFERENCES tblPaymentInvoice(UUID),
          DateCreated TEXT NOT NULL
        );
        """
}

import Foundation
import GRDB

/// The openIMIS FHIR IG example world (reference §7.1), loaded under stable UUIDs.
///
/// UUIDs come from the IG instances where the IG gives them (Doe family, Rapta District Hospital, Rushila Dani,
/// Jeb Roberts, the locations, aspirin, General Consultation, My Trade). Where the IG has none (the Doe insurees,
/// product RX01, the extra families and villages) the UUIDs are invented here, fixed forever, and listed in
/// `DemoDataset.UUIDs`.
public enum DemoDataset {
    /// Stable UUIDs of the demo rows (lower-case).
    public enum UUIDs {
        /// Location `R1` Upper River Region (IG).
        public static let upperRiverRegion = "75250515-40d7-4c77-bafe-a2c65ffc5a72"
        /// Location `R1D1` Jimara district (IG).
        public static let jimaraDistrict = "5345ef14-12ab-4e98-a07c-1e08d7105df4"
        /// Location `R1D1M2` Jamu municipality (IG).
        public static let jamuMunicipality = "820e1a1f-4195-445b-a14c-4f762fad6780"
        /// Location `R1D1M2V1` Jamula village (IG).
        public static let jamulaVillage = "dace872d-7f56-4b79-b6ac-b62760063853"
        /// Location `R1D1M2V2` Kalamata village (invented).
        public static let kalamataVillage = "3c9a7e10-5b2d-4f1e-8a6c-000000000105"
        /// Location `R1D2` Tahida district (invented).
        public static let tahidaDistrict = "3c9a7e10-5b2d-4f1e-8a6c-000000000102"
        /// Location `R1D2M1` Holobo municipality (invented).
        public static let holoboMunicipality = "3c9a7e10-5b2d-4f1e-8a6c-000000000103"
        /// Location `R1D2M1V1` Rulu village (invented).
        public static let ruluVillage = "3c9a7e10-5b2d-4f1e-8a6c-000000000104"
        /// Health facility `RAHOS001` Rapta District Hospital (IG).
        public static let raptaDistrictHospital = "d8a25f21-f36a-4d4d-9e58-1db8ffbe7036"
        /// Claim administrator `JMDP0011` Rushila Dani (IG).
        public static let rushilaDani = "ebc45dfa-8e42-4a5f-8ab7-7ee4d797d842"
        /// Enrolment officer `E00001` Jeb Roberts (IG).
        public static let jebRoberts = "e5256c97-8b06-4c8e-96db-d8294b4619a8"
        /// Product `RX01` (invented).
        public static let productRX01 = "3c9a7e10-5b2d-4f1e-8a6c-000000000201"
        /// Item `0001` aspirin (IG).
        public static let aspirin = "71efb78b-64ee-4a68-be29-87daf566eb20"
        /// Service `A1` General Consultation (IG).
        public static let generalConsultation = "db2c3a6c-af07-49bd-8f6a-96aa1fc2bcf9"
        /// Policy holder `1234` My Trade (IG).
        public static let myTradePolicyHolder = "4c87928a-cf9c-4f4b-aeeb-61041c84547f"
        /// Family of Jane Doe, `doe-family` (IG).
        public static let doeFamily = "d30f70df-d10b-43d4-bf31-5137c118ad82"
        /// Insuree `123456788` Jane Doe, head of the Doe family (invented).
        public static let janeDoe = "3c9a7e10-5b2d-4f1e-8a6c-000000000301"
        /// Insuree `123456789` John Doe (invented).
        public static let johnDoe = "3c9a7e10-5b2d-4f1e-8a6c-000000000302"
    }

    /// Jane Doe's insurance number.
    public static let janeDoeCHFID = "123456788"
    /// John Doe's insurance number.
    public static let johnDoeCHFID = "123456789"

    /// Whether the demo world is already there (the Doe family exists).
    public static func isLoaded(in database: IMISDatabase) throws -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tblFamilies WHERE FamilyUUID = ?)",
                              arguments: [UUIDs.doeFamily]) ?? false
        }
    }

    /// Loads the demo world in one transaction, stamped with `clock`; the database must be migrated.
    public static func load(into database: IMISDatabase, clock: RegistryClock = .system) throws {
        let now = clock.now()
        try database.writeBlocking { db in try load(db, now: now) }
    }

    static func load(_ db: Database, now: Date) throws {
        func add<R: VersionedTableRecord>(_ record: R) throws -> Int64 {
            try RegistrySQL.insert(db, record, now: now).record.id!
        }
        func date(_ text: String) -> LocalDate { LocalDate(text)! }

        let region = try add(Location(uuid: UUIDs.upperRiverRegion, code: "R1", name: "Ultha", kind: .region))
        let jimara = try add(Location(uuid: UUIDs.jimaraDistrict, code: "R1D1", name: "Rapta", parentID: region, kind: .district))
        let jamu = try add(Location(uuid: UUIDs.jamuMunicipality, code: "R1D1M2", name: "Jamu", parentID: jimara, kind: .ward))
        let jamula = try add(Location(uuid: UUIDs.jamulaVillage, code: "R1D1M2V1", name: "Jamula", parentID: jamu, kind: .village))
        let kalamata = try add(Location(uuid: UUIDs.kalamataVillage, code: "R1D1M2V2", name: "Kalamata", parentID: jamu, kind: .village))
        let tahida = try add(Location(uuid: UUIDs.tahidaDistrict, code: "R1D2", name: "Tahida", parentID: region, kind: .district))
        let holobo = try add(Location(uuid: UUIDs.holoboMunicipality, code: "R1D2M1", name: "Holobo", parentID: tahida, kind: .ward))
        let rulu = try add(Location(uuid: UUIDs.ruluVillage, code: "R1D2M1V1", name: "Rulu", parentID: holobo, kind: .village))

        let hospital = try add(HealthFacility(
            uuid: UUIDs.raptaDistrictHospital, code: "RAHOS001", name: "Rapta District Hospital", legalForm: "D",
            level: "H", address: "Rapta", locationID: jimara, careType: "B"))
        _ = try add(ClaimAdministrator(
            uuid: UUIDs.rushilaDani, code: "JMDP0011", lastName: "Rushila", otherNames: "Dani",
            dob: date("1979-10-09"), hfID: hospital, email: "rushila.dani@openimis.org"))
        _ = try add(EnrolmentOfficer(
            uuid: UUIDs.jebRoberts, code: "E00001", lastName: "Roberts", otherNames: "Jeb", dob: date("1980-01-15"),
            locationID: jimara))
        _ = try add(Product(
            uuid: UUIDs.productRX01, code: "RX01", name: "Regional fixed enrolment", locationID: region,
            insurancePeriod: 12, dateFrom: date("2016-10-01"), dateTo: date("2030-01-01"), lumpSum: "10000.00",
            memberCount: 10, premiumAdult: "100.00", premiumChild: "50.00", registrationFee: "300.00",
            gracePeriod: 1, gracePeriodRenewal: 1, maxInstallments: 3, waitingPeriod: 0, threshold: 3,
            renewalDiscountPercent: 50, enrolmentDiscountPercent: 80, maxConsultations: 4, maxSurgeries: 1,
            maxDeliveries: 1, maxHospitalizations: 2, maxAmountConsultation: "15000.00",
            maxAmountSurgery: "70000.00", maxAmountDelivery: "15000.00", maxAmountHospitalization: "25000.00",
            startCycles: ["01-03", "01-07", "01-10"]))
        _ = try add(MedicalItem(
            uuid: UUIDs.aspirin, code: "0001", name: "ACETYLSALICYLIC ACID (ASPIRIN) TABS 300MG", type: "D",
            package: "1000 TABLETS", price: "10.00", careType: "B", frequency: 1, patientCategory: 15))
        _ = try add(MedicalService(
            uuid: UUIDs.generalConsultation, category: "C", code: "A1", name: "General Consultation", type: "P",
            level: "S", price: "40.00", careType: "O", frequency: 1, patientCategory: 15))
        _ = try HistorySQL.insert(db, PolicyHolder(
            uuid: UUIDs.myTradePolicyHolder, code: "1234", tradeName: "My Trade", locationID: jamula,
            address: #"{"address": "54 Pasay"}"#, phone: "0102030405", fax: "0102030450",
            email: "contact@mytrade.org", contactName: #"{"contactName": "John Doe"}"#, legalForm: 1,
            activityCode: 2, dateValidFrom: now), now: now)

        try loadFamilies(db, now: now, villages: (jamula, kalamata, rulu), hospital: hospital)
        try loadInsurance(db, now: now)
        try loadAccounts(db, now: now)
    }
}

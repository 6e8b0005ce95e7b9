import Foundation
import GRDB

extension DemoDataset.UUIDs {
    /// Policy of the Doe family on RX01, 2021-07-01...2022-06-30 (IG Coverage `JoeDoeCoverage`).
    public static let doePolicy = "d30f70df-d10b-43d4-bf31-5137c118ad84"
    /// Claim `Code001` of John Doe at Rapta District Hospital (IG Claim001 / ClaimResponse001).
    public static let claim001 = "d30f70df-d10b-43d4-bf31-5137c118ad83"
    /// The Doe policy's contribution, receipt `RE184` (invented).
    public static let doeContribution = "3c9a7e10-5b2d-4f1e-8a6c-000000000601"
    /// Invoice `IV-BCUL0001-13000001-2021-09` (invented).
    public static let doeContributionInvoice = "3c9a7e10-5b2d-4f1e-8a6c-000000000602"
    /// The invoice's one line (invented).
    public static let doeContributionInvoiceLine = "3c9a7e10-5b2d-4f1e-8a6c-000000000603"
    /// Diagnosis `G44` (invented; the other ICD codes follow as ...612, ...613, ...).
    public static let diagnosisG44 = "3c9a7e10-5b2d-4f1e-8a6c-000000000611"
    /// Items price list of Rapta District Hospital (invented).
    public static let raptaItemPriceList = "3c9a7e10-5b2d-4f1e-8a6c-000000000621"
    /// Services price list of Rapta District Hospital (invented).
    public static let raptaServicePriceList = "3c9a7e10-5b2d-4f1e-8a6c-000000000622"
}

extension DemoDataset {
    /// Claim001's code.
    public static let claim001Code = "Code001"
    /// The contribution invoice's code.
    public static let doeInvoiceCode = "IV-BCUL0001-13000001-2021-09"
    /// The ICD codes of the demo world (code, name).
    public static let diagnoses = [("G44", "Other headache syndromes"), ("A00", "Cholera"),
                                   ("B54", "Unspecified malaria"), ("J06", "Acute upper respiratory infection"),
                                   ("O80", "Single spontaneous delivery")]

    /// The IG's insurance world: the Doe policy (active, value 1000.00 as the IG Contract's `net`, paid by one
    /// 1000.00 contribution), ICD codes, Rapta's price lists and RX01's coverage of A1 and 0001, Claim001
    /// (checked) and the 10000.00 EUR contribution invoice (validated, i.e. FHIR `issued`). Dates are the IG's.
    static func loadInsurance(_ db: Database, now: Date) throws {
        func id<R: VersionedTableRecord>(_ type: R.Type, _ uuid: String) throws -> Int64 {
            guard let id = try RegistrySQL.byUUID(db, type, uuid)?.record.id else {
                throw RegistryError.notFound(table: R.sql.table, key: uuid)
            }
            return id
        }
        func date(_ text: String) -> LocalDate { LocalDate(text)! }
        let (family, jane, john) = (try id(Family.self, UUIDs.doeFamily), try id(Insuree.self, UUIDs.janeDoe),
                                    try id(Insuree.self, UUIDs.johnDoe))
        let hospital = try id(HealthFacility.self, UUIDs.raptaDistrictHospital)
        let product = try id(Product.self, UUIDs.productRX01)
        let (aspirin, consultation) = (try id(MedicalItem.self, UUIDs.aspirin),
                                       try id(MedicalService.self, UUIDs.generalConsultation))

        var icd: [String: Int64] = [:]
        for (index, (code, name)) in diagnoses.enumerated() {
            let uuid = String(format: "3c9a7e10-5b2d-4f1e-8a6c-%012ld", 611 + index)
            icd[code] = try RegistrySQL.insert(db, Diagnosis(uuid: uuid, code: code, name: name), now: now).record.id
        }

        // Rapta's price lists and RX01's coverage.
        for (kind, uuid, medical) in [(MedicalKind.item, UUIDs.raptaItemPriceList, aspirin),
                                      (MedicalKind.service, UUIDs.raptaServicePriceList, consultation)] {
            let list = try PriceList.table(kind).insert(db, PriceList(
                kind: kind, uuid: uuid, name: "Rapta \(kind.rawValue)s", date: date("2016-10-01"),
                validityFrom: now).databaseValues)
            _ = try PriceListEntry.table(kind).insert(db, PriceListEntry(
                kind: kind, priceListID: list, medicalID: medical, validityFrom: now).databaseValues)
            try db.execute(sql: "UPDATE tblHF SET PL\(kind.tableWord)ID = ? WHERE HfID = ?", arguments: [list, hospital])
            _ = try ProductCoverage.table(kind).insert(db, ProductCoverage(
                kind: kind, productID: product, medicalID: medical, limitNoAdult: kind == .service ? 4 : nil,
                validityFrom: now).databaseValues)
        }

        let policy = try RegistrySQL.insert(db, Policy(
            uuid: UUIDs.doePolicy, familyID: family, enrollDate: date("2021-07-28"), startDate: date("2021-07-01"),
            effectiveDate: date("2021-07-28"), expiryDate: date("2022-06-30"), status: PolicyStatus.active.rawValue,
            value: "1000.00", productID: product, officerID: try id(EnrolmentOfficer.self, UUIDs.jebRoberts),
            stage: "N"), now: now).record
        let policyID = policy.id!
        for member in [jane, john] {
            _ = try InsureePolicy.table.insert(db, InsureePolicy(
                insureeID: member, policyID: policyID, enrollmentDate: policy.enrollDate, startDate: policy.startDate,
                effectiveDate: policy.effectiveDate, expiryDate: policy.expiryDate, validityFrom: now).databaseValues)
        }
        _ = try RegistrySQL.insert(db, Premium(
            uuid: UUIDs.doeContribution, policyID: policyID, amount: "1000.00", receipt: "RE184",
            payDate: date("2021-07-28"), payType: "C", createdDate: now), now: now)

        try insertClaim(db, Claim(
            uuid: UUIDs.claim001, insureeID: john, code: claim001Code, dateFrom: date("2021-09-15"),
            icdID: icd["G44"]!, status: ClaimStatus.checked.rawValue, claimed: "60.00", approved: "60.00",
            dateClaimed: date("2021-09-16"), explanation: "Some explanation", rejectionReason: 0, hfID: hospital,
            claimAdminID: try id(ClaimAdministrator.self, UUIDs.rushilaDani), visitType: "O"),
            items: [ClaimLine(kind: .item, medicalID: aspirin, productID: product, quantityProvided: "2.00",
                              quantityApproved: "2.00", priceAsked: "10.00", priceApproved: "10.00",
                              policyID: policyID, priceOrigin: "P")],
            services: [ClaimLine(kind: .service, medicalID: consultation, productID: product, quantityProvided: "1.00",
                                 quantityApproved: "1.00", priceAsked: "40.00", priceApproved: "40.00",
                                 policyID: policyID, priceOrigin: "P")], now: now)

        try insertInvoice(db, Invoice(
            uuid: UUIDs.doeContributionInvoice, code: doeInvoiceCode, subjectType: "family", subjectID: UUIDs.doeFamily,
            thirdpartyType: "insuree", thirdpartyID: UUIDs.janeDoe, dateInvoice: date("2021-09-01"),
            amountNet: "10000.00", amountTotal: "10000.00", status: InvoiceStatus.validated.rawValue,
            currencyCode: "EUR"), lines: [InvoiceLineItem(
                uuid: UUIDs.doeContributionInvoiceLine, code: "RX01", description: "Contribution RX01 2021-07-01/2022-06-30",
                lineType: "policy", lineID: UUIDs.doePolicy, quantity: "1", unitPrice: "10000.00",
                amountNet: "10000.00", amountTotal: "10000.00")], now: now)
    }

    /// Inserts a claim and its lines as the claim submission writes them (the demo world is loaded without the
    /// async store).
    static func insertClaim(_ db: Database, _ claim: Claim, items: [ClaimLine], services: [ClaimLine], now: Date) throws {
        let (row, lines) = try InsuranceRules.claimSubmission(claim, items: items, services: services)
        let claimID = try RegistrySQL.insert(db, row, now: now).record.id
        for (line, kind) in lines {
            var child = line
            child.kind = kind
            child.claimID = claimID ?? 0
            child.validityFrom = now
            _ = try ClaimLine.table(kind).insert(db, child.databaseValues)
        }
    }

    /// Inserts an invoice and its lines (version 1).
    static func insertInvoice(_ db: Database, _ invoice: Invoice, lines: [InvoiceLineItem], now: Date) throws {
        let inserted = try HistorySQL.insert(db, invoice, now: now)
        for line in lines {
            var row = line
            row.invoiceUUID = inserted.record.uuid
            _ = try HistorySQL.insert(db, row, now: now)
        }
    }
}

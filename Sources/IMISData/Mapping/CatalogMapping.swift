import Foundation
import GRDB

extension Product: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblProduct",
        columns: ["ProdID", "ProdUUID", "ProductCode", "ProductName", "LocationId", "InsurancePeriod", "DateFrom",
                  "DateTo", "ConversionProdID", "LumpSum", "MemberCount", "PremiumAdult", "PremiumChild",
                  "RegistrationLumpSum", "RegistrationFee", "GeneralAssemblyLumpSum", "GeneralAssemblyFee",
                  "GracePeriod", "GracePeriodRenewal", "MaxInstallments", "WaitingPeriod", "Threshold",
                  "RenewalDiscountPerc", "EnrolmentDiscountPerc", "MaxNoConsultation", "MaxNoSurgery",
                  "MaxNoDelivery", "MaxNoHospitalizaion", "MaxNoVisits", "MaxNoAntenatal", "MaxAmountConsultation",
                  "MaxAmountSurgery", "MaxAmountDelivery", "MaxAmountHospitalization", "MaxAmountAntenatal",
                  "CeilingInterpretation", "StartCycle1", "StartCycle2", "StartCycle3", "StartCycle4",
                  "ValidityFrom", "ValidityTo", "LegacyID", "AuditUserID"],
        uuidColumn: "ProdUUID", codeColumn: "ProductCode")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), code: try c.next(), name: try c.next(), locationID: try c.next(),
            insurancePeriod: try c.next(), dateFrom: try c.date(), dateTo: try c.date(),
            conversionProductID: try c.next(), lumpSum: try c.next(), memberCount: try c.next(),
            premiumAdult: try c.next(), premiumChild: try c.next(), registrationLumpSum: try c.next(),
            registrationFee: try c.next(), generalAssemblyLumpSum: try c.next(), generalAssemblyFee: try c.next(),
            gracePeriod: try c.next(), gracePeriodRenewal: try c.next(), maxInstallments: try c.next(),
            waitingPeriod: try c.next(), threshold: try c.next(), renewalDiscountPercent: try c.next(),
            enrolmentDiscountPercent: try c.next(), maxConsultations: try c.next(), maxSurgeries: try c.next(),
            maxDeliveries: try c.next(), maxHospitalizations: try c.next(), maxVisits: try c.next(),
            maxAntenatal: try c.next(), maxAmountConsultation: try c.next(), maxAmountSurgery: try c.next(),
            maxAmountDelivery: try c.next(), maxAmountHospitalization: try c.next(),
            maxAmountAntenatal: try c.next(), ceilingInterpretation: try c.next(),
            startCycles: try c.nonEmptyTexts(4),
            validityFrom: try c.timestamp(),
            validityTo: try c.optionalTimestamp(), legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, name, locationID, insurancePeriod, dateFrom.databaseText, dateTo.databaseText,
         conversionProductID, lumpSum, memberCount, premiumAdult, premiumChild, registrationLumpSum, registrationFee,
         generalAssemblyLumpSum, generalAssemblyFee, gracePeriod, gracePeriodRenewal, maxInstallments, waitingPeriod,
         threshold, renewalDiscountPercent, enrolmentDiscountPercent, maxConsultations, maxSurgeries, maxDeliveries,
         maxHospitalizations, maxVisits, maxAntenatal, maxAmountConsultation, maxAmountSurgery, maxAmountDelivery,
         maxAmountHospitalization, maxAmountAntenatal, ceilingInterpretation, startCycle(0), startCycle(1),
         startCycle(2), startCycle(3), validityFrom.databaseText,
         validityTo.databaseText, legacyID, auditUserID]
    }
}

extension Product {
    /// The `index`th start cycle, for `StartCycle<index + 1>`.
    func startCycle(_ index: Int) -> String? { index < startCycles.count ? startCycles[index] : nil }
}

extension ColumnReader {
    /// The next `count` text columns, leaving out NULL and blank ones (`StartCycle1..4`).
    mutating func nonEmptyTexts(_ count: Int) throws -> [String] {
        var texts: [String] = []
        for _ in 0..<count {
            let text: String? = try next()
            if let text, !text.trimmingCharacters(in: .whitespaces).isEmpty { texts.append(text) }
        }
        return texts
    }
}

extension MedicalItem: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblItems",
        columns: ["ItemID", "ItemUUID", "ItemCode", "ItemName", "ItemType", "ItemPackage", "ItemPrice",
                  "ItemCareType", "ItemFrequency", "ItemPatCat", "ValidityFrom", "ValidityTo", "LegacyID",
                  "AuditUserID"],
        uuidColumn: "ItemUUID", codeColumn: "ItemCode")

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), code: try c.next(), name: try c.next(), type: try c.next(),
            package: try c.next(), price: try c.next(), careType: try c.next(), frequency: try c.next(),
            patientCategory: try c.next(), validityFrom: try c.timestamp(), validityTo: try c.optionalTimestamp(),
            legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), code, name, type, package, price, careType, frequency, patientCategory,
         validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension MedicalService: VersionedTableRecord {
    static let sql = TableSQL(
        table: "tblServices",
        columns: ["ServiceID", "ServiceUUID", "ServCategory", "ServiceCode", "ServiceName", "ServType", "ServLevel",
                  "ServPrice", "ServCareType", "ServFrequency", "ServPatCat", "ValidityFrom", "ValidityTo",
                  "LegacyID", "AuditUserID"],
        uuidColumn: "ServiceUUID", codeColumn: "ServiceCode",
        // openIMIS's own PostgreSQL schema names them `ServCode` and `ServName`.
        alternatives: ["ServiceCode": ["ServCode"], "ServiceName": ["ServName"]])

    init(columns c: inout ColumnReader) throws {
        self.init(
            id: try c.next(), uuid: try c.next(), category: try c.next(), code: try c.next(), name: try c.next(),
            type: try c.next(), level: try c.next(), price: try c.next(), careType: try c.next(),
            frequency: try c.next(), patientCategory: try c.next(), validityFrom: try c.timestamp(),
            validityTo: try c.optionalTimestamp(), legacyID: try c.next(), auditUserID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [id, uuid.lowercased(), category, code, name, type, level, price, careType, frequency, patientCategory,
         validityFrom.databaseText, validityTo.databaseText, legacyID, auditUserID]
    }
}

extension PolicyHolder: TableRecord {
    /// A history-model table: key `UUID`, version `Version`, live rows `isDeleted = 0`.
    static let sql = TableSQL(
        table: "tblPolicyHolder",
        columns: ["UUID", "PolicyHolderCode", "TradeName", "LocationsId", "Address", "Phone", "Fax", "Email",
                  "ContactName", "LegalForm", "ActivityCode", "AccountancyAccount", "bankAccount", "PaymentReference",
                  "Json_ext", "DateCreated", "DateUpdated", "UserCreatedUUID", "UserUpdatedUUID", "Version",
                  "isDeleted", "DateValidFrom", "DateValidTo", "ReplacementUUID"],
        uuidColumn: "UUID", codeColumn: "PolicyHolderCode", versioned: false, versionExpression: "t.Version",
        currentCondition: "t.isDeleted = 0")

    init(columns c: inout ColumnReader) throws {
        self.init(
            uuid: try c.next(), code: try c.next(), tradeName: try c.next(), locationID: try c.next(),
            address: try c.next(), phone: try c.next(), fax: try c.next(), email: try c.next(),
            contactName: try c.next(), legalForm: try c.next(), activityCode: try c.next(),
            accountancyAccount: try c.next(), bankAccount: try c.next(), paymentReference: try c.next(),
            jsonExt: try c.next(), dateCreated: try c.timestamp(), dateUpdated: try c.timestamp(),
            userCreatedUUID: try c.next(), userUpdatedUUID: try c.next(), version: try c.next(),
            isDeleted: try c.next(), dateValidFrom: try c.timestamp(), dateValidTo: try c.optionalTimestamp(),
            replacementUUID: try c.next())
    }

    var databaseValues: [(any DatabaseValueConvertible)?] {
        [uuid.lowercased(), code, tradeName, locationID, address, phone, fax, email, contactName, legalForm,
         activityCode, accountancyAccount, bankAccount, paymentReference, jsonExt, dateCreated.databaseText,
         dateUpdated.databaseText, userCreatedUUID?.lowercased(), userUpdatedUUID?.lowercased(), version, isDeleted,
         dateValidFrom.databaseText, dateValidTo.databaseText, replacementUUID?.lowercased()]
    }
}

extension Product {
    /// The columns of `tblProduct`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblProduct"

        case prodID = "ProdID"
        case prodUUID = "ProdUUID"
        case productCode = "ProductCode"
        case productName = "ProductName"
        case locationId = "LocationId"
        case insurancePeriod = "InsurancePeriod"
        case dateFrom = "DateFrom"
        case dateTo = "DateTo"
        case conversionProdID = "ConversionProdID"
        case lumpSum = "LumpSum"
        case memberCount = "MemberCount"
        case premiumAdult = "PremiumAdult"
        case premiumChild = "PremiumChild"
        case registrationLumpSum = "RegistrationLumpSum"
        case registrationFee = "RegistrationFee"
        case generalAssemblyLumpSum = "GeneralAssemblyLumpSum"
        case generalAssemblyFee = "GeneralAssemblyFee"
        case gracePeriod = "GracePeriod"
        case gracePeriodRenewal = "GracePeriodRenewal"
        case maxInstallments = "MaxInstallments"
        case waitingPeriod = "WaitingPeriod"
        case threshold = "Threshold"
        case renewalDiscountPerc = "RenewalDiscountPerc"
        case enrolmentDiscountPerc = "EnrolmentDiscountPerc"
        case maxNoConsultation = "MaxNoConsultation"
        case maxNoSurgery = "MaxNoSurgery"
        case maxNoDelivery = "MaxNoDelivery"
        case maxNoHospitalizaion = "MaxNoHospitalizaion"
        case maxNoVisits = "MaxNoVisits"
        case maxNoAntenatal = "MaxNoAntenatal"
        case maxAmountConsultation = "MaxAmountConsultation"
        case maxAmountSurgery = "MaxAmountSurgery"
        case maxAmountDelivery = "MaxAmountDelivery"
        case maxAmountHospitalization = "MaxAmountHospitalization"
        case maxAmountAntenatal = "MaxAmountAntenatal"
        case ceilingInterpretation = "CeilingInterpretation"
        case startCycle1 = "StartCycle1"
        case startCycle2 = "StartCycle2"
        case startCycle3 = "StartCycle3"
        case startCycle4 = "StartCycle4"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension MedicalItem {
    /// The columns of `tblItems`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblItems"

        case itemID = "ItemID"
        case itemUUID = "ItemUUID"
        case itemCode = "ItemCode"
        case itemName = "ItemName"
        case itemType = "ItemType"
        case itemPackage = "ItemPackage"
        case itemPrice = "ItemPrice"
        case itemCareType = "ItemCareType"
        case itemFrequency = "ItemFrequency"
        case itemPatCat = "ItemPatCat"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension MedicalService {
    /// The columns of `tblServices`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblServices"

        case serviceID = "ServiceID"
        case serviceUUID = "ServiceUUID"
        case servCategory = "ServCategory"
        case serviceCode = "ServiceCode"
        case serviceName = "ServiceName"
        case servType = "ServType"
        case servLevel = "ServLevel"
        case servPrice = "ServPrice"
        case servCareType = "ServCareType"
        case servFrequency = "ServFrequency"
        case servPatCat = "ServPatCat"
        case validityFrom = "ValidityFrom"
        case validityTo = "ValidityTo"
        case legacyID = "LegacyID"
        case auditUserID = "AuditUserID"
    }
}

extension PolicyHolder {
    /// The columns of `tblPolicyHolder`, as openIMIS names them.
    public enum Column: String, SchemaColumn, CaseIterable {
        public static let table = "tblPolicyHolder"

        case uuid = "UUID"
        case policyHolderCode = "PolicyHolderCode"
        case tradeName = "TradeName"
        case locationsId = "LocationsId"
        case address = "Address"
        case phone = "Phone"
        case fax = "Fax"
        case email = "Email"
        case contactName = "ContactName"
        case legalForm = "LegalForm"
        case activityCode = "ActivityCode"
        case accountancyAccount = "AccountancyAccount"
        case bankAccount = "bankAccount"
        case paymentReference = "PaymentReference"
        case jsonExt = "Json_ext"
        case dateCreated = "DateCreated"
        case dateUpdated = "DateUpdated"
        case userCreatedUUID = "UserCreatedUUID"
        case userUpdatedUUID = "UserUpdatedUUID"
        case version = "Version"
        case isDeleted = "isDeleted"
        case dateValidFrom = "DateValidFrom"
        case dateValidTo = "DateValidTo"
        case replacementUUID = "ReplacementUUID"
    }
}

import FHIRModels
import Foundation
import IMISData
import Testing

@testable import FHIRServer

/// Locations, organizations, practitioners, products and the medical catalogue, and R4
/// validity of every resource rendered from the demo world.
@Suite struct MappingTestsRegistry {
    typealias IDs = DemoDataset.UUIDs
    typealias X = OpenIMISIG.Ext

    @Test func everyRenderedResourceValidates() async throws {
        let fixture = try await MappingFixture.make()
        let store = fixture.store
        let context = fixture.context
        var count = 0
        func check(_ resource: Resource, _ label: String) {
            expectValidR4(resource, label)
            count += 1
        }
        for row in try await store.searchInsurees(InsureeQuery(page: MappingFixture.all)).items {
            check(.patient(PatientMapping.patient(row, try await fixture.patientRelations(row.record), context: context)), row.chfid)
        }
        for row in try await store.page(Family.self, MappingFixture.all).items {
            check(.group(GroupMapping.group(row, try await fixture.groupRelations(row.record), context: context)), row.uuid)
        }
        for row in try await store.page(IMISData.Location.self, MappingFixture.all).items {
            let parent = try await row.parentID.asyncMap { try await store.record(IMISData.Location.self, id: $0)?.record }
            check(.location(LocationMapping.location(row, parent: parent ?? nil, context: context)), row.code)
        }
        for row in try await store.page(HealthFacility.self, MappingFixture.all).items {
            let chain = try await fixture.chain(row.locationID)
            let admins = try await store.claimAdministrators(healthFacilityID: try #require(row.id)).map(\.record)
            check(.organization(OrganizationMapping.healthFacility(row, locations: chain, claimAdministrators: admins,
                                                                  codes: fixture.codes, context: context)), row.code)
            check(.location(LocationMapping.site(row, district: chain.district, context: context)), "site \(row.code)")
        }
        for row in try await store.page(ClaimAdministrator.self, MappingFixture.all).items {
            let hf = try await row.hfID.asyncMap { try await store.record(HealthFacility.self, id: $0)?.record }
            check(.practitioner(PractitionerMapping.practitioner(claimAdministrator: row, context: context)), row.code)
            check(.practitionerRole(PractitionerMapping.practitionerRole(
                claimAdministrator: row, healthFacility: hf ?? nil, context: context)), "role \(row.code)")
        }
        for row in try await store.page(EnrolmentOfficer.self, MappingFixture.all).items {
            let location = try await row.locationID.asyncMap { try await store.record(IMISData.Location.self, id: $0)?.record }
            check(.practitioner(PractitionerMapping.practitioner(enrolmentOfficer: row, context: context)), row.code)
            check(.practitionerRole(PractitionerMapping.practitionerRole(
                enrolmentOfficer: row, location: location ?? nil, substitute: nil, context: context)), "role \(row.code)")
        }
        for row in try await store.page(Product.self, MappingFixture.all).items {
            let area = try await row.locationID.asyncMap { try await store.record(IMISData.Location.self, id: $0)?.record }
            check(.insurancePlan(InsurancePlanMapping.insurancePlan(
                row, coverageArea: area ?? nil, conversionProduct: nil, asOf: LocalDate("2024-06-01")!, context: context)),
                  row.code)
        }
        for row in try await store.page(MedicalItem.self, MappingFixture.all).items {
            check(.medication(MedicalCatalogMapping.medication(row, context: context)), row.code)
        }
        for row in try await store.page(MedicalService.self, MappingFixture.all).items {
            check(.activityDefinition(MedicalCatalogMapping.activityDefinition(row, context: context)), row.code)
        }
        let holder = try #require(try await store.policyHolder(uuid: IDs.myTradePolicyHolder))
        let holderChain = try await fixture.chain(holder.record.locationID)
        check(.organization(OrganizationMapping.policyHolder(holder, locations: holderChain, context: context)), "policy holder")
        check(.organization(OrganizationMapping.insurer(context: context)), "insurer")
        #expect(count >= 30)
    }

    @Test func locationsFormTheHierarchy() async throws {
        let fixture = try await MappingFixture.make()
        let village = try #require(try await fixture.store.record(IMISData.Location.self, uuid: IDs.jamulaVillage, includeDeleted: false))
        let ward = try #require(try await fixture.store.record(IMISData.Location.self, uuid: IDs.jamuMunicipality, includeDeleted: false))
        let location = LocationMapping.location(village, parent: ward.record, context: fixture.context)
        #expect(mappedIdentifier(location.identifier, "Code") == "R1D1M2V1")
        #expect(location.name?.value?.string == "Jamula")
        #expect(location.status?.value == .active)
        #expect(location.mode?.value == .instance)
        #expect(firstCoding(location.physicalType).system == "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/location-type")
        #expect(firstCoding(location.physicalType).code == "V")
        #expect(location.partOf?.reference?.value?.string == "Location/\(IDs.jamuMunicipality)")
        let region = LocationMapping.location(
            try #require(try await fixture.store.record(IMISData.Location.self, uuid: IDs.upperRiverRegion, includeDeleted: false)),
            parent: nil, context: fixture.context)
        #expect(region.partOf == nil)
        #expect(firstCoding(region.physicalType).display == "Region")
    }

    @Test func raptaDistrictHospital() async throws {
        let fixture = try await MappingFixture.make()
        let hf = try #require(try await fixture.store.record(HealthFacility.self, uuid: IDs.raptaDistrictHospital, includeDeleted: false))
        let chain = try await fixture.chain(hf.record.locationID)
        let admins = try await fixture.store.claimAdministrators(healthFacilityID: try #require(hf.record.id)).map(\.record)
        let org = OrganizationMapping.healthFacility(hf, locations: chain, claimAdministrators: admins, codes: fixture.codes,
                                                     context: fixture.context)
        #expect(mappedIdentifier(org.identifier, "Code") == "RAHOS001")
        #expect(firstCoding(org.type?.first).code == "prov")
        #expect(org.name?.value?.string == "Rapta District Hospital")
        let address = try #require(org.address?.first)
        #expect(address.district?.value?.string == "Rapta")
        #expect(address.state?.value?.string == "Ultha")
        #expect(address.city == nil)
        guard case .reference(let district)? = igExt(address.extension, X.addressLocationReference)?.value,
            case .codeableConcept(let legalForm)? = igExt(org.extension, X.organizationHFLegalForm)?.value,
            case .codeableConcept(let careType)? = igExt(org.extension, X.organizationHFCareType)?.value
        else {
            Issue.record("missing HF extensions")
            return
        }
        #expect(district.reference?.value?.string == "Location/\(IDs.jimaraDistrict)")
        #expect(firstCoding(legalForm).code == "D")
        #expect(firstCoding(legalForm).display == "District organization")
        #expect(firstCoding(careType).code == "B")
        let contact = try #require(org.contact?.first)
        #expect(firstCoding(contact.purpose).code == "PAYOR")
        #expect(contact.name?.family?.value?.string == "Rushila")

        let site = LocationMapping.site(hf, district: chain.district, context: fixture.context)
        #expect(firstCoding(site.physicalType).code == "si")
        #expect(firstCoding(site.type?.first).code == "HOSP")
        #expect(site.partOf?.reference?.value?.string == "Location/\(IDs.jimaraDistrict)")
    }

    @Test func practitionersAndRoles() async throws {
        let fixture = try await MappingFixture.make()
        let admin = try #require(try await fixture.store.record(ClaimAdministrator.self, uuid: IDs.rushilaDani, includeDeleted: false))
        let ca = PractitionerMapping.practitioner(claimAdministrator: admin, context: fixture.context)
        #expect(mappedIdentifier(ca.identifier, "Code") == "JMDP0011")
        #expect(ca.birthDate?.value?.text == "1979-10-09")
        #expect(ca.name?.first?.use?.value == .official)
        #expect(firstCoding(ca.qualification?.first?.code).code == "CA")
        #expect(ca.telecom?.first?.value?.value?.string == "rushila.dani@openimis.org")
        let hf = try await fixture.store.record(HealthFacility.self, id: try #require(admin.record.hfID))?.record
        let caRole = PractitionerMapping.practitionerRole(claimAdministrator: admin, healthFacility: hf, context: fixture.context)
        #expect(caRole.id == ca.id)
        #expect(caRole.organization?.reference?.value?.string == "Organization/\(IDs.raptaDistrictHospital)")

        let officer = try #require(try await fixture.store.record(EnrolmentOfficer.self, uuid: IDs.jebRoberts, includeDeleted: false))
        var substitute = officer.record
        substitute.uuid = "0f0e0d0c-0b0a-4909-8807-060504030201"
        substitute.code = "E00002"
        let district = try await fixture.store.record(IMISData.Location.self, id: try #require(officer.record.locationID))?.record
        let eoRole = PractitionerMapping.practitionerRole(
            enrolmentOfficer: officer, location: district, substitute: substitute, context: fixture.context)
        #expect(firstCoding(eoRole.code?.first).code == "EO")
        #expect(eoRole.location?.first?.reference?.value?.string == "Location/\(IDs.jimaraDistrict)")
        guard case .reference(let sub)? = igExt(eoRole.extension, X.practitionerRoleSubstitution)?.value else {
            Issue.record("no substitution reference")
            return
        }
        #expect(sub.reference?.value?.string == "Practitioner/0f0e0d0c-0b0a-4909-8807-060504030201")
        expectValidR4(.practitionerRole(eoRole), "EO role with substitute")
    }

    @Test func productItemAndServiceAmountsAreExactDecimals() async throws {
        let fixture = try await MappingFixture.make()
        let product = try #require(try await fixture.store.record(Product.self, uuid: IDs.productRX01, includeDeleted: false))
        let plan = InsurancePlanMapping.insurancePlan(
            product, coverageArea: nil, conversionProduct: nil, asOf: LocalDate("2024-06-01")!, context: fixture.context)
        #expect(plan.status?.value == .active)
        #expect(plan.period?.start?.value?.text == "2016-10-01")
        let costs = plan.plan?.first?.generalCost ?? []
        #expect(costs.first?.cost?.value?.value?.text == "10000.00")
        #expect(costs.first?.cost?.currency?.value?.string == "EUR")
        #expect(costs.first?.groupSize?.value?.value == 3)
        #expect(costs.map { firstCoding($0.type).code } == ["lumpsum", "premiumAdult", "premiumChild", "registrationFee"])
        let limits = plan.coverage?.first?.benefit.first?.limit ?? []
        #expect(limits.map { $0.value?.value?.value?.text } == ["12", "10"])
        #expect(igExt(plan.extension, X.insurancePlanMaxInstallments)?.value == .unsignedInt(3))
        #expect(InsurancePlanMapping.status(product.record, asOf: LocalDate("2010-01-01")!) == .draft)
        #expect(InsurancePlanMapping.status(product.record, asOf: LocalDate("2031-01-01")!) == .retired)

        let item = try #require(try await fixture.store.record(MedicalItem.self, uuid: IDs.aspirin, includeDeleted: false))
        let medication = MedicalCatalogMapping.medication(item, context: fixture.context)
        guard case .money(let price)? = igExt(medication.extension, X.unitPrice)?.value else {
            Issue.record("no unit price")
            return
        }
        #expect(price.value?.value?.text == "10.00")
        #expect(medication.code?.text?.value?.string == "ACETYLSALICYLIC ACID (ASPIRIN) TABS 300MG")
        #expect(medication.amount?.numerator?.value?.value?.text == "1000")
        #expect(medication.amount?.numerator?.unit?.value?.string == "TABLETS")
        #expect(igExt(medication.extension, X.medicationUsageContext)?.extension?.map(\.url) == ["Gender", "Age", "CareType"])

        let service = try #require(try await fixture.store.record(MedicalService.self, uuid: IDs.generalConsultation, includeDeleted: false))
        let definition = MedicalCatalogMapping.activityDefinition(service, context: fixture.context)
        #expect(definition.name?.value?.string == "A1")
        #expect(definition.title?.value?.string == "General Consultation")
        #expect(firstCoding(definition.topic?.first).code == "P")
        #expect(definition.useContext?.map { $0.code.code?.value?.string } == ["gender", "age", "workflow", "venue"])
        guard case .money(let servicePrice)? = igExt(definition.extension, X.unitPrice)?.value else {
            Issue.record("no unit price")
            return
        }
        #expect(servicePrice.value?.value?.text == "40.00")
    }

    @Test func policyHolderAndInsurer() async throws {
        let fixture = try await MappingFixture.make()
        let holder = try #require(try await fixture.store.policyHolder(uuid: IDs.myTradePolicyHolder))
        let org = OrganizationMapping.policyHolder(holder, locations: try await fixture.chain(holder.record.locationID),
                                                   context: fixture.context)
        #expect(firstCoding(org.type?.first).code == "bus")
        #expect(org.address?.first?.line?.first?.value?.string == "54 Pasay")
        #expect(org.address?.first?.city?.value?.string == "Jamula")
        #expect(org.contact?.first?.name?.text?.value?.string == "John Doe")
        guard case .codeableConcept(let activity)? = igExt(org.extension, X.organizationPHActivity)?.value else {
            Issue.record("no activity")
            return
        }
        #expect(firstCoding(activity).display == "Industry")

        let insurer = OrganizationMapping.insurer(context: fixture.context)
        #expect(insurer.id == "openIMIS-Implementation")
        #expect(mappedIdentifier(insurer.identifier, "Code") == "openIMIS")
        #expect(firstCoding(insurer.type?.first).code == "ins")
        #expect(fixture.context.insurerReference.reference?.value?.string == "Organization/openIMIS-Implementation")
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}

import Foundation
import Testing
@testable import IMISData

@Suite struct DemoDataTests {
    @Test func doeFamilyReadsBackAsInTheIG() async throws {
        let store: any RegistryStore = try makeDemoStore()
        let family = try #require(try await store.family(uuid: DemoDataset.UUIDs.doeFamily))
        #expect(family.versionId == 1)
        #expect(family.familyAddress == "5 Tsoka")
        #expect(family.poverty == false)
        #expect(family.familyType == "H")
        #expect(family.confirmationNo == "Reg123456")
        #expect(family.confirmationType == "B")
        #expect(family.validityFrom == referenceDate)

        let members = try await store.familyMembers(familyID: try #require(family.id))
        #expect(members.map(\.chfid) == [DemoDataset.janeDoeCHFID, DemoDataset.johnDoeCHFID])
        let jane = members[0], john = members[1]
        #expect(family.headInsureeID == jane.id)
        #expect(jane.isHead && !john.isHead)
        #expect(jane.uuid == DemoDataset.UUIDs.janeDoe)
        #expect((jane.lastName, jane.otherNames, jane.gender) == ("Doe", "Jane", "F"))
        #expect(jane.dob == LocalDate("1964-05-15"))

        #expect((john.lastName, john.otherNames, john.gender, john.marital) == ("Doe", "John", "M", "M"))
        #expect(john.dob == LocalDate(year: 1962, month: 2, day: 5))
        #expect(john.education == 4 && john.profession == 2 && john.relationship == 8)
        #expect(john.typeOfId == "N" && john.passport == "NationaID1")
        #expect(john.cardIssued && john.vulnerability == true)
        #expect(john.familyID == family.id)

        let byCode = try #require(try await store.family(headCHFID: DemoDataset.janeDoeCHFID))
        #expect(byCode.uuid == DemoDataset.UUIDs.doeFamily)
        #expect(try await store.family(headCHFID: DemoDataset.johnDoeCHFID) == nil)
    }

    @Test func familyVillageResolvesToTheLocationChain() async throws {
        let store: any RegistryStore = try makeDemoStore()
        let family = try #require(try await store.family(uuid: DemoDataset.UUIDs.doeFamily))
        let chain = try await store.locationAncestors(id: try #require(family.locationID))
        #expect(chain.map(\.code) == ["R1D1M2V1", "R1D1M2", "R1D1", "R1"])
        #expect(chain.map(\.name) == ["Jamula", "Jamu", "Rapta", "Ultha"])
        #expect(chain.map(\.kind) == [.village, .ward, .district, .region])
        #expect(chain.last?.uuid == DemoDataset.UUIDs.upperRiverRegion)
        let regions = try await store.childLocations(parentID: nil)
        #expect(regions.map(\.code) == ["R1"])
    }

    @Test func facilityStaffProductAndCatalogAreThere() async throws {
        let store: any RegistryStore = try makeDemoStore()
        let hospital = try #require(try await store.healthFacility(code: "RAHOS001"))
        #expect(hospital.uuid == DemoDataset.UUIDs.raptaDistrictHospital)
        #expect((hospital.name, hospital.legalForm, hospital.level, hospital.careType)
                == ("Rapta District Hospital", "D", "H", "B"))
        let district = try #require(try await store.location(code: "R1D1"))
        #expect(hospital.locationID == district.id)

        let admins = try await store.claimAdministrators(healthFacilityID: try #require(hospital.id))
        #expect(admins.map(\.code) == ["JMDP0011"])
        #expect(admins.first?.uuid == DemoDataset.UUIDs.rushilaDani)

        let officer = try #require(try await store.record(EnrolmentOfficer.self, code: "E00001"))
        #expect((officer.lastName, officer.otherNames) == ("Roberts", "Jeb"))

        let product = try #require(try await store.record(Product.self, code: "RX01"))
        #expect(product.name == "Regional fixed enrolment")
        #expect(product.lumpSum == "10000.00" && product.premiumAdult == "100.00")
        #expect(product.maxAmountSurgery == "70000.00")

        let aspirin = try #require(try await store.record(MedicalItem.self, code: "0001"))
        #expect(aspirin.uuid == DemoDataset.UUIDs.aspirin && aspirin.price == "10.00")
        let consultation = try #require(try await store.record(MedicalService.self, code: "A1"))
        #expect(consultation.name == "General Consultation" && consultation.price == "40.00")

        let holder = try #require(try await store.policyHolder(code: "1234"))
        #expect(holder.uuid == DemoDataset.UUIDs.myTradePolicyHolder && holder.tradeName == "My Trade")
        #expect(holder.versionId == 1 && holder.legalForm == 1 && holder.activityCode == 2)
    }

    @Test func oneReadServesEveryLookupOfAPatient() async throws {
        let store = try makeDemoStore()
        let john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)).record
        let found = try store.insureeSurroundings(john) { _, family in family?.locationID }
        let village = found.addressLocations.first
        let hospital = found.healthFacility
        #expect(john.uuid == DemoDataset.UUIDs.johnDoe)
        #expect(village?.uuid == DemoDataset.UUIDs.jamulaVillage)
        #expect(hospital?.code == "RAHOS001")
    }

    @Test func loadingTwiceIsRefusedByUniqueness() async throws {
        let store = try makeDemoStore()
        #expect(throws: (any Error).self) { try DemoDataset.load(into: store.database) }
        #expect(try await store.page(Insuree.self, PageQuery()).total == 8)
    }
}

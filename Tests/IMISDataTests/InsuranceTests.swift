import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite struct InsuranceTests {
    @Test func migrationsCreateTheInsuranceAndPaymentTables() async throws {
        let database = try makeDatabase()
        let mappings: [TableSQL] = [Policy.sql, Premium.sql, Payer.sql, Diagnosis.sql, Claim.sql, Invoice.sql,
                                    InvoiceLineItem.sql, PaymentInvoice.sql, PaymentInvoiceDetail.sql]
        let children: [ChildTable] = [InsureePolicy.table] + MedicalKind.allCases.flatMap {
            [ClaimLine.table($0), ProductCoverage.table($0), PriceList.table($0), PriceListEntry.table($0)]
        }
        try database.read { db in
            for mapping in mappings {
                #expect(Set(try db.columns(in: mapping.table).map(\.name)) == Set(mapping.columns), "\(mapping.table)")
            }
            for child in children {
                #expect(Set(try db.columns(in: child.table).map(\.name)) == Set(child.columns), "\(child.table)")
            }
            #expect(try db.tableExists("fhir_payment_notice_identifier"))
            let plan = try queryPlan(db, "SELECT * FROM tblPolicy t WHERE t.FamilyID = ? AND t.ValidityTo IS NULL", [1])
            #expect(plan.contains("tblPolicy_FamilyID"))
            let claims = try queryPlan(db, "SELECT * FROM tblClaim t WHERE t.InsureeID = ? AND t.ValidityTo IS NULL", [1])
            #expect(claims.contains("USING INDEX tblClaim_InsureeID"))
        }
    }

    @Test func demoPolicyContributionAndMembersReadBack() async throws {
        let store = try makeDemoStore()
        let policy = try #require(try await store.record(Policy.self, uuid: DemoDataset.UUIDs.doePolicy))
        #expect(policy.policyStatus == .active && policy.value == "1000.00" && policy.stage == "N")
        #expect(policy.startDate == LocalDate("2021-07-01") && policy.expiryDate == LocalDate("2022-06-30"))
        #expect(policy.effectiveDate == LocalDate("2021-07-28"))
        let family = try #require(try await store.record(Family.self, uuid: DemoDataset.UUIDs.doeFamily))
        #expect(try await store.policies(familyID: family.id!).map(\.uuid) == [DemoDataset.UUIDs.doePolicy])
        let members = try await store.policyMembers(policyID: policy.id!)
        #expect(members.count == 2 && members.allSatisfy { $0.effectiveDate == LocalDate("2021-07-28") })
        let contributions = try await store.contributions(policyID: policy.id!)
        #expect(contributions.map(\.amount) == ["1000.00"] && contributions.first?.receipt == "RE184")
        #expect(contributions.first?.payType == "C")
        #expect(try await store.contributionTotal(policyID: policy.id!) == Decimal(1000))

        let john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID))
        #expect(try await store.activePolicies(insureeID: john.id!, on: LocalDate("2021-09-15")!).map(\.uuid)
                == [DemoDataset.UUIDs.doePolicy])
        #expect(try await store.activePolicies(insureeID: john.id!, on: LocalDate("2022-07-01")!).isEmpty)
        #expect(try await store.activePolicies(insureeID: john.id!, on: LocalDate("2021-07-10")!).isEmpty)
    }

    @Test func claim001ReadsBackWithItemsAndServices() async throws {
        let store = try makeDemoStore()
        let byCode = try #require(try await store.claim(code: DemoDataset.claim001Code))
        let claim = try #require(try await store.claim(uuid: DemoDataset.UUIDs.claim001.uppercased()))
        #expect(byCode == claim)
        #expect(claim.claim.claimStatus == .checked && claim.claim.claimed == "60.00" && claim.claim.visitType == "O")
        #expect(claim.claim.dateFrom == LocalDate("2021-09-15") && claim.claim.dateClaimed == LocalDate("2021-09-16"))
        let g44 = try #require(try await store.record(Diagnosis.self, code: "G44"))
        #expect(claim.claim.icdID == g44.id)
        let john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID))
        #expect(claim.claim.insureeID == john.id)
        let admin = try #require(try await store.record(ClaimAdministrator.self, uuid: DemoDataset.UUIDs.rushilaDani))
        #expect(claim.claim.claimAdminID == admin.id)
        #expect(claim.items.map(\.quantityProvided) == ["2.00"] && claim.items.map(\.priceAsked) == ["10.00"])
        #expect(claim.services.map(\.quantityProvided) == ["1.00"] && claim.services.map(\.priceAsked) == ["40.00"])
        let aspirin = try #require(try await store.record(MedicalItem.self, code: "0001"))
        #expect(claim.items.first?.medicalID == aspirin.id && claim.items.first?.kind == .item)

        // Search through the generic keyset search.
        let page = try await store.search(Claim.self, RowQuery(predicates: [.compare("InsureeID", .equal, .integer(john.id!))]))
        #expect(page.items.map(\.uuid) == [DemoDataset.UUIDs.claim001])
    }

    @Test func coverageAndUsageServeEligibility() async throws {
        let store = try makeDemoStore()
        let product = try #require(try await store.record(Product.self, code: "RX01"))
        let hospital = try #require(try await store.record(HealthFacility.self, code: "RAHOS001"))
        let consultation = try #require(try await store.record(MedicalService.self, code: "A1"))
        let aspirin = try #require(try await store.record(MedicalItem.self, code: "0001"))
        let a1 = try #require(try await store.coverage(.service, medicalID: consultation.id!, productID: product.id!,
                                                 healthFacilityID: hospital.id))
        #expect(a1.price == "40.00" && a1.coverage.limitNoAdult == 4)
        #expect(try await store.coverage(.item, medicalID: aspirin.id!, productID: product.id!, healthFacilityID: hospital.id)?
                .price == "10.00")
        #expect(try await store.coverage(.item, medicalID: 9999, productID: product.id!, healthFacilityID: nil) == nil)

        let john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID))
        let policy = try #require(try await store.record(Policy.self, uuid: DemoDataset.UUIDs.doePolicy))
        let usage = try await store.usage(insureeID: john.id!, policyID: policy.id!)
        #expect(usage.services[consultation.id!]?.quantity == 1 && usage.items[aspirin.id!]?.quantity == 2)
        #expect(usage.claimsByCategory == ["C": 1])
        #expect(usage.services[consultation.id!]?.lastDate == LocalDate("2021-09-15"))
    }

    @Test func overlappingEnrolmentIsRefused() async throws {
        let store = try makeDemoStore()
        let family = try #require(try await store.record(Family.self, uuid: DemoDataset.UUIDs.doeFamily))
        let product = try #require(try await store.record(Product.self, code: "RX01"))
        let overlapping = Policy(familyID: family.id!, enrollDate: LocalDate("2022-01-10")!,
                                 startDate: LocalDate("2022-02-01")!, expiryDate: LocalDate("2023-01-31")!,
                                 productID: product.id!)
        await #expect(throws: RegistryError.self) { try await store.enrolFamily(policy: overlapping, members: [], contributions: []) }
        #expect(try await store.policies(familyID: family.id!).count == 1)

        // The next period is fine; no contribution leaves it idle, with the product's computed value.
        var next = overlapping
        next.startDate = LocalDate("2022-07-01")!
        next.expiryDate = LocalDate("2023-06-30")!
        let enrolment = try await store.enrolFamily(policy: next, members: [], contributions: [])
        #expect(enrolment.policy.policyStatus == .idle && enrolment.policy.effectiveDate == nil)
        #expect(enrolment.policy.value == "10600.00")  // lump sum 10000 (threshold 3) + registration fee 2 × 300
        #expect(enrolment.members.count == 2)
    }

    @Test func enrolmentWithFullContributionIsActive() async throws {
        let store = try makeDemoStore()
        let family = try #require(try await store.record(Family.self, uuid: "3c9a7e10-5b2d-4f1e-8a6c-000000000401"))
        let product = try #require(try await store.record(Product.self, code: "RX01"))
        let members = try await store.familyMembers(familyID: family.id!)
        let enrolment = try await store.enrolFamily(
            policy: Policy(familyID: family.id!, enrollDate: LocalDate("2024-01-05")!,
                           startDate: LocalDate("2024-01-01")!, expiryDate: LocalDate("2024-12-31")!,
                           value: "500.50", productID: product.id!),
            members: [members[0].id!, members[1].id!],
            contributions: [Premium(amount: "200.25", receipt: "R1", payDate: LocalDate("2024-01-05")!),
                            Premium(amount: "300.25", receipt: "R2", payDate: LocalDate("2024-01-20")!)])
        #expect(enrolment.policy.policyStatus == .active)
        #expect(enrolment.policy.effectiveDate == LocalDate("2024-01-20"))
        #expect(enrolment.policy.versionId == 2)  // idle, then activated
        #expect(enrolment.members.count == 2)
        #expect(try await store.contributionTotal(policyID: enrolment.policy.id!) == Decimal(string: "500.50"))
        await #expect(throws: RegistryError.self) {
            try await store.enrolFamily(policy: Policy(familyID: family.id!, enrollDate: LocalDate("2024-01-05")!,
                                                 startDate: LocalDate("2024-01-01")!, expiryDate: LocalDate("2024-12-31")!,
                                                 productID: product.id!), members: [999_999], contributions: [])
        }
    }
}

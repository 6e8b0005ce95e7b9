import Foundation
import GRDB
import Testing
@testable import IMISData

@Suite struct VersioningTests {
    @Test func updateWritesAHistoryRowAndKeepsIdAndUUID() async throws {
        let store = try makeDemoStore()
        var john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)).record
        john.phone = "+255 700 000 001"
        let updated = try await store.update(john, ifVersion: 1)
        #expect(updated.versionId == 2)
        #expect(updated.id == john.id && updated.uuid == john.uuid)
        #expect(updated.validityFrom > referenceDate)

        let current = try #require(try await store.record(Insuree.self, uuid: john.uuid))
        #expect(current.versionId == 2 && current.phone == "+255 700 000 001")
        #expect(current.record == updated.record)

        let history = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tblInsuree WHERE LegacyID = ?", arguments: [john.id])
        }
        #expect(history.count == 1)
        let old = try #require(history.first)
        #expect((old["InsureeID"] as Int64) != john.id!)
        #expect((old["InsureeUUID"] as String) != john.uuid)
        #expect((old["Phone"] as String?) == nil)
        #expect((old["ValidityTo"] as String?) == Timestamp.string(from: updated.validityFrom))
        #expect((old["ValidityFrom"] as String) == Timestamp.string(from: referenceDate))
    }

    @Test func versionsAreNumberedOldestFirst() async throws {
        let store = try makeDemoStore()
        var jane = try #require(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)).record
        for phone in ["1", "2", "3"] {
            jane.phone = phone
            jane = try await store.update(jane).record
        }
        let versions = try await store.versions(Insuree.self, id: try #require(jane.id))
        #expect(versions.map(\.versionId) == [1, 2, 3, 4])
        #expect(versions.map(\.phone) == [nil, "1", "2", "3"])
        #expect(versions.map(\.isCurrent) == [false, false, false, true])
        #expect(versions.last?.uuid == DemoDataset.UUIDs.janeDoe)
        let froms = versions.map(\.validityFrom)
        #expect(froms == froms.sorted())
        #expect(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)?.versionId == 4)
    }

    @Test func deleteClosesTheRowAfterAHistoryCopy() async throws {
        let store = try makeDemoStore()
        let john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID))
        let deleted = try await store.delete(Insuree.self, id: try #require(john.id), auditUserID: 7)
        #expect(deleted.versionId == 2)
        #expect(deleted.isDeleted)
        #expect(deleted.validityFrom == deleted.validityTo)

        #expect(try await store.insuree(chfid: DemoDataset.johnDoeCHFID) == nil)
        #expect(try await store.record(Insuree.self, uuid: john.uuid) == nil)
        let gone = try #require(try await store.record(Insuree.self, uuid: john.uuid, includeDeleted: true))
        #expect(gone.isDeleted && gone.versionId == 2 && gone.auditUserID == 7)
        let versions = try await store.versions(Insuree.self, id: john.id!)
        #expect(versions.count == 2 && versions[0].phone == john.phone && versions[1].isDeleted)
        await #expect(throws: RegistryError.notFound(table: "tblInsuree", key: String(john.id!))) {
            try await store.delete(Insuree.self, id: john.id!)
        }
        #expect(try await store.familyMembers(familyID: john.familyID!).map(\.chfid) == [DemoDataset.janeDoeCHFID])
    }

    @Test func chfidLookupIgnoresHistoryRows() async throws {
        let store = try makeDemoStore()
        var john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)).record
        john.chfid = "555000111"
        _ = try await store.update(john)
        #expect(try await store.insuree(chfid: DemoDataset.johnDoeCHFID) == nil)  // only the history row has it
        #expect(try await store.insuree(chfid: "555000111")?.uuid == DemoDataset.UUIDs.johnDoe)
        // The old number is free again for a new insuree.
        let newcomer = Insuree(chfid: DemoDataset.johnDoeCHFID, lastName: "New", otherNames: "Comer",
                               dob: LocalDate("2000-01-01")!)
        #expect(try await store.insert(newcomer).versionId == 1)
        #expect(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)?.lastName == "New")
    }

    @Test func uuidLookupIsCaseInsensitive() async throws {
        let store = try makeDemoStore()
        let upper = DemoDataset.UUIDs.doeFamily.uppercased()
        #expect(try await store.record(Family.self, uuid: upper)?.uuid == DemoDataset.UUIDs.doeFamily)
        #expect(try await store.record(Insuree.self, uuid: DemoDataset.UUIDs.janeDoe.uppercased())?.chfid
                == DemoDataset.janeDoeCHFID)
        #expect(try await store.policyHolder(uuid: DemoDataset.UUIDs.myTradePolicyHolder.uppercased()) != nil)
        // Inserted upper-case, stored lower-case.
        let inserted = try await store.insert(Insuree(uuid: "ABCDEF01-2345-4678-89AB-CDEF01234567", chfid: "777",
                                                lastName: "Case", otherNames: "Upper", dob: LocalDate("1999-09-09")!))
        #expect(inserted.uuid == "abcdef01-2345-4678-89ab-cdef01234567")
        let stored = try store.database.read { db in
            try String.fetchOne(db, sql: "SELECT InsureeUUID FROM tblInsuree WHERE CHFID = '777'")
        }
        #expect(stored == "abcdef01-2345-4678-89ab-cdef01234567")
    }

    @Test func writesReportConflictsAndBadReferences() async throws {
        let store = try makeDemoStore()
        let duplicate = Insuree(chfid: DemoDataset.janeDoeCHFID, lastName: "X", otherNames: "Y",
                                dob: LocalDate("2001-01-01")!)
        await #expect(throws: RegistryError.self) { try await store.insert(duplicate) }
        do {
            _ = try await store.insert(duplicate)
        } catch let RegistryError.conflict(message) {
            #expect(message.contains("CHFID"))
        }
        var badGender = duplicate
        badGender.chfid = "900"
        badGender.gender = "X"
        await #expect(throws: RegistryError.invalidReference("FOREIGN KEY constraint failed")) { try await store.insert(badGender) }
        var jane = try #require(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)).record
        jane.phone = "1"
        await #expect(throws: RegistryError.versionMismatch(expected: 5, actual: 1)) { try await store.update(jane, ifVersion: 5) }
        #expect(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)?.versionId == 1)  // rolled back
    }

    @Test func createFamilyLinksHeadAndFamilyInOneTransaction() async throws {
        let store: any RegistryStore = try makeDemoStore()
        let village = try #require(try await store.location(code: "R1D2M1V1"))
        let created = try await store.createFamily(
            Family(locationID: village.id, familyAddress: "1 New Road"),
            head: Insuree(chfid: "300000001", lastName: "Banda", otherNames: "Grace", dob: LocalDate("1980-02-29")!,
                          gender: "F"))
        #expect(created.head.isHead && created.head.familyID == created.family.id)
        #expect(created.family.headInsureeID == created.head.id)
        let members = try await store.familyMembers(familyID: try #require(created.family.id))
        #expect(members.map(\.record) == [created.head.record])
        // A failing head rolls the family back too.
        await #expect(throws: RegistryError.self) {
            _ = try await store.createFamily(Family(), head: Insuree(chfid: "300000001", lastName: "Dup",
                                                                      otherNames: "Head", dob: LocalDate("1990-01-01")!))
        }
        #expect(try await store.page(Family.self, PageQuery()).total == 5)
    }

    @Test func policyHolderUsesTheHistoryModel() async throws {
        let store = try makeDemoStore()
        var holder = try #require(try await store.policyHolder(code: "1234")).record
        holder.phone = "0999"
        let updated = try await store.updatePolicyHolder(holder, ifVersion: 1)
        #expect(updated.versionId == 2 && updated.dateUpdated > updated.dateCreated)
        #expect(try await store.policyHolder(code: "1234")?.phone == "0999")
        let deleted = try await store.deletePolicyHolder(uuid: holder.uuid)
        #expect(deleted.versionId == 3 && deleted.isDeleted)
        #expect(try await store.policyHolder(uuid: holder.uuid) == nil)
    }
}

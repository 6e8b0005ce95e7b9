import Foundation
import Testing

@testable import IMISData

/// Runs `body` on the demo world of each engine: SQLite, then PostgreSQL when `IMIS_TEST_POSTGRES` is set.
func onEachEngine(_ body: (any RegistryStore) async throws -> Void) async throws {
    try await body(try makeDemoStore())
    try await withPostgresDatabase { database in
        try await loadDemo(into: database)
        try await body(PostgresRegistryStore(database: database, clock: SteppingClock().clock))
    }
}

/// The registry workflows (`Workflows/Registry/`) behave the same on both engines.
struct RegistryWorkflowTests {
    /// The Müller family of the demo world (two members).
    static let mullerFamily = "3c9a7e10-5b2d-4f1e-8a6c-000000000401"

    @Test func saveFamilyMovesMembersWithVersionedUpdatesAndChangesTheHead() async throws {
        try await onEachEngine { store in
            let john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID))
            let muller = try #require(try await store.family(uuid: Self.mullerFamily))
            let mullerID = try #require(muller.id)
            let moved = try #require(try await store.familyMembers(familyID: mullerID).last)
            let johnID = try #require(john.id), movedID = try #require(moved.id)
            let doeID = try #require(john.familyID)

            // A new family of John (its head) and one member of the Müller family.
            let created = try await store.saveFamily(Family(uuid: RowUUID.make(), familyType: "H"),
                                                     members: [johnID, movedID], headID: johnID, ifVersion: nil)
            let familyID = try #require(created.id)
            #expect(created.versionId == 1 && created.headInsureeID == johnID)
            let members = try await store.familyMembers(familyID: familyID)
            #expect(members.map(\.id) == [johnID, movedID])  // head first
            #expect(members.map(\.isHead) == [true, false])
            #expect(members.map(\.versionId) == [john.versionId + 1, moved.versionId + 1])
            #expect(try await store.familyMembers(familyID: doeID).map(\.chfid) == [DemoDataset.janeDoeCHFID])
            #expect(try await store.family(headCHFID: DemoDataset.johnDoeCHFID)?.uuid == created.uuid)

            // The head changes under If-Match; a member already in place is not rewritten.
            let changed = try await store.saveFamily(created.record, members: [johnID, movedID], headID: movedID,
                                                     ifVersion: 1)
            #expect(changed.versionId == 2 && changed.headInsureeID == movedID)
            let after = try await store.familyMembers(familyID: familyID)
            #expect(after.map(\.id) == [movedID, johnID])
            #expect(after.map(\.versionId) == [moved.versionId + 2, john.versionId + 2])
            let johnVersions = try await store.versions(Insuree.self, id: johnID)
            #expect(johnVersions.map(\.isHead) == [false, true, false])
            #expect(johnVersions.map(\.familyID) == [john.familyID, familyID, familyID])

            // A stale version changes nothing.
            await #expect(throws: RegistryError.versionMismatch(expected: 1, actual: 2)) {
                _ = try await store.saveFamily(changed.record, members: [johnID], headID: johnID, ifVersion: 1)
            }
            #expect(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)?.isHead == false)
            #expect(try await store.record(Family.self, id: familyID)?.versionId == 2)
        }
    }

    @Test func saveFamilyWithAMemberThatIsNotCurrentWritesNothing() async throws {
        try await onEachEngine { store in
            let before = try await store.page(Family.self, PageQuery(includeTotal: true)).total
            let jane = try #require(try await store.insuree(chfid: DemoDataset.janeDoeCHFID))
            let janeID = try #require(jane.id)
            await #expect(throws: RegistryError.invalidReference("insuree 999999 is not current")) {
                _ = try await store.saveFamily(Family(uuid: RowUUID.make()), members: [janeID, 999_999],
                                               headID: janeID, ifVersion: nil)
            }
            #expect(try await store.page(Family.self, PageQuery(includeTotal: true)).total == before)
            #expect(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)?.versionId == jane.versionId)
        }
    }

    @Test func createFamilyWritesTheHeadOnceAndRefusesATakenNumber() async throws {
        try await onEachEngine { store in
            let created = try await store.createFamily(
                Family(uuid: RowUUID.make()), head: Insuree(uuid: RowUUID.make(), chfid: "700000001", lastName: "Head", otherNames: "Ann",
                              dob: LocalDate("1990-01-01")!))
            let headID = try #require(created.head.id)
            #expect(created.family.headInsureeID == headID && created.head.familyID == created.family.id)
            let stored = try #require(try await store.insuree(chfid: "700000001"))
            #expect(stored.versionId == 1 && stored.isHead && stored.familyID == created.family.id)
            #expect(try await store.versions(Insuree.self, id: headID).count == 1)
            await #expect(throws: RegistryError.self) {
                _ = try await store.createFamily(Family(uuid: RowUUID.make()),
                                                 head: Insuree(uuid: RowUUID.make(), chfid: "700000001", lastName: "Again",
                                                               otherNames: "Bo", dob: LocalDate("1991-01-01")!))
            }
            #expect(try await store.page(Insuree.self, PageQuery(includeTotal: true)).total == 9)
        }
    }

    @Test func updatesAndDeleteKeepEveryVersion() async throws {
        try await onEachEngine { store in
            var jane = try #require(try await store.insuree(chfid: DemoDataset.janeDoeCHFID)).record
            let id = try #require(jane.id)
            jane.phone = "0700 000 001"
            _ = try await store.update(jane, ifVersion: 1)
            jane.phone = "0700 000 002"
            let second = try await store.update(jane, ifVersion: nil)
            #expect(second.versionId == 3 && second.uuid == DemoDataset.UUIDs.janeDoe)
            await #expect(throws: RegistryError.versionMismatch(expected: 2, actual: 3)) {
                _ = try await store.update(jane, ifVersion: 2)
            }
            let deleted = try await store.delete(Insuree.self, id: id, auditUserID: 7)
            #expect(deleted.versionId == 4 && deleted.validityTo != nil && deleted.auditUserID == 7)
            #expect(try await store.record(Insuree.self, uuid: DemoDataset.UUIDs.janeDoe, includeDeleted: false) == nil)
            #expect(try await store.record(Insuree.self, id: id) == nil)
            let gone = try #require(try await store.record(Insuree.self, uuid: DemoDataset.UUIDs.janeDoe, includeDeleted: true))
            #expect(gone.versionId == 4 && gone.validityTo != nil)
            let versions = try await store.versions(Insuree.self, id: id)
            #expect(versions.map(\.versionId) == [1, 2, 3, 4])
            #expect(versions.map(\.phone) == [nil, "0700 000 001", "0700 000 002", "0700 000 002"])
            #expect(versions.map(\.uuid).last == DemoDataset.UUIDs.janeDoe)
            await #expect(throws: RegistryError.notFound(table: "tblInsuree", key: String(id))) {
                _ = try await store.delete(Insuree.self, id: id, auditUserID: 7)
            }
        }
    }

    @Test func photosPlacesAndReferenceCodesReadAlike() async throws {
        try await onEachEngine { store in
            let jane = try #require(try await store.insuree(chfid: DemoDataset.janeDoeCHFID))
            let id = try #require(jane.id)
            let first = try await store.insertPhoto(InsureePhoto(
                uuid: RowUUID.make().uppercased(), insureeID: id, photoFileName: "a.jpg", photoDate: LocalDate("2024-01-01")))
            let second = try await store.insertPhoto(InsureePhoto(
                uuid: RowUUID.make(), insureeID: id, photoFileName: "b.jpg", photoDate: LocalDate("2024-02-01")))
            #expect(first.id != nil && first.uuid == first.uuid.lowercased())
            #expect(try await store.photos(insureeID: id).map(\.id) == [second.id, first.id])
            await #expect(throws: RegistryError.invalidValue("PhotoUUID")) {
                _ = try await store.insertPhoto(InsureePhoto(uuid: "not a uuid", insureeID: id))
            }
            let family = try #require(try await store.family(uuid: DemoDataset.UUIDs.doeFamily))
            let villageID = try #require(family.locationID)
            let chain = try await store.locationAncestors(id: villageID)
            #expect(chain.map(\.uuid).first == DemoDataset.UUIDs.jamulaVillage && chain.count == 4)
            #expect(try await store.childLocations(parentID: nil).map(\.id) == [chain.last?.id])
            #expect(try await store.referenceCodes(.gender).map(\.code) == ["M", "F", "O"])
            #expect(try await store.referenceCodes(.relation).last?.code == "8")
        }
    }
}

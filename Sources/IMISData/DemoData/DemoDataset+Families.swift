import Foundation
import GRDB

extension DemoDataset {
    /// The Doe family (IG) and three more families with accented names, for searches.
    static func loadFamilies(_ db: Database, now: Date, villages: (jamula: Int64, kalamata: Int64, rulu: Int64),
                             hospital: Int64) throws {
        func date(_ text: String) -> LocalDate { LocalDate(text)! }

        let doe = try createFamily(db, Family(
            uuid: UUIDs.doeFamily, locationID: villages.jamula, poverty: false, familyType: "H",
            familyAddress: "5 Tsoka", confirmationNo: "Reg123456", confirmationType: "B"),
            head: Insuree(
                uuid: UUIDs.janeDoe, chfid: janeDoeCHFID, lastName: "Doe", otherNames: "Jane",
                dob: date("1964-05-15"), gender: "F", marital: "M", passport: "NationaID2", typeOfId: "N",
                cardIssued: false, profession: 3, education: 3, hfID: hospital), now: now)
        _ = try RegistrySQL.insert(db, Insuree(
            uuid: UUIDs.johnDoe, familyID: doe.family.record.id, chfid: johnDoeCHFID, lastName: "Doe",
            otherNames: "John", dob: date("1962-02-05"), gender: "M", marital: "M", passport: "NationaID1",
            typeOfId: "N", cardIssued: true, relationship: 8, profession: 2, education: 4, hfID: hospital,
            vulnerability: true), now: now)

        // Extra families (UUIDs 3c9a7e10-5b2d-4f1e-8a6c-0000000004NN for families, ...5NN for insurees).
        struct Member {
            let chfid: String, last: String, given: String, dob: String, gender: String, marital: String?
            let relationship: Int?
        }
        let families: [(village: Int64, address: String, members: [Member])] = [
            (villages.kalamata, "12 Kalamata Road", [
                Member(chfid: "100000001", last: "Müller", given: "Zoë", dob: "1985-03-12", gender: "F", marital: "M", relationship: nil),
                Member(chfid: "100000002", last: "Müller", given: "Lukas", dob: "1983-07-01", gender: "M", marital: "M", relationship: 8),
                Member(chfid: "100000003", last: "Müller", given: "Léa", dob: "2012-09-30", gender: "F", marital: "S", relationship: 4),
            ]),
            (villages.rulu, "3 Market Square", [
                Member(chfid: "100000004", last: "Peña", given: "José", dob: "1970-11-23", gender: "M", marital: "M", relationship: nil),
                Member(chfid: "100000005", last: "Peña", given: "Ana María", dob: "1972-04-02", gender: "F", marital: "M", relationship: 8),
            ]),
            (villages.rulu, "8 Hill Street", [
                Member(chfid: "100000006", last: "Lefèvre", given: "François", dob: "1990-01-08", gender: "M", marital: "S", relationship: nil),
            ]),
        ]
        var serial = 0
        for (index, family) in families.enumerated() {
            var familyID: Int64?
            for member in family.members {
                serial += 1
                let insuree = Insuree(
                    uuid: String(format: "3c9a7e10-5b2d-4f1e-8a6c-%012ld", 500 + serial), chfid: member.chfid,
                    lastName: member.last, otherNames: member.given, dob: date(member.dob), gender: member.gender,
                    marital: member.marital, relationship: member.relationship, hfID: hospital)
                if let familyID {
                    var row = insuree
                    row.familyID = familyID
                    _ = try RegistrySQL.insert(db, row, now: now)
                } else {
                    let created = try createFamily(db, Family(
                        uuid: String(format: "3c9a7e10-5b2d-4f1e-8a6c-%012ld", 401 + index),
                        locationID: family.village, poverty: index == 1, familyType: "H",
                        familyAddress: family.address), head: insuree, now: now)
                    familyID = created.family.record.id
                }
            }
        }
    }

    /// A family and its head, as ``RegistryStore/createFamily(_:head:)`` writes them, inside the loading
    /// transaction (the dataset loads synchronously).
    static func createFamily(_ db: Database, _ family: Family, head: Insuree, now: Date) throws -> CreatedFamily {
        var head = head
        head.isHead = true
        head.familyID = nil
        var insertedHead = try RegistrySQL.insert(db, head, now: now)
        guard let headID = insertedHead.record.id else { throw RegistryError.invalidValue("InsureeID") }
        var family = family
        family.headInsureeID = headID
        let insertedFamily = try RegistrySQL.insert(db, family, now: now)
        try db.execute(sql: "UPDATE tblInsuree SET FamilyID = ? WHERE InsureeID = ?",
                       arguments: [insertedFamily.record.id, headID])
        insertedHead.record.familyID = insertedFamily.record.id
        return CreatedFamily(family: insertedFamily, head: insertedHead)
    }
}

import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Logging
import NIOCore
import PostgresNIO
import Testing

@testable import FHIRServer

/// Creates on openIMIS's own tables of the real openIMIS 24.10 database (see ``RealOpenIMIS``), served as it is and
/// migrated: every create answers 201 and leaves rows openIMIS reads (its NOT NULL columns filled, `ValidityFrom`
/// and the acting user's `AuditUserID` set), and paying a contribution invoice activates the policy. The bodies
/// are built from the database's own rows, looked up at the start.
@Suite(.enabled(if: TestPostgres.url != nil, RealOpenIMIS.skipReason))
struct RealOpenIMISWriteTests {
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"
    static let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]

    @Test(arguments: [false, true])
    func aNewInsureeJoinsADemoFamilyAndANewHeadFoundsOne(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, database in
            let family = try await Self.row(database, """
                SELECT f."FamilyUUID" AS family, l."LocationUUID" AS village, f."FamilyID" AS id FROM "tblFamilies" f
                JOIN "tblLocations" l ON l."LocationId" = f."LocationId" WHERE f."ValidityTo" IS NULL ORDER BY f."FamilyID" LIMIT 1
                """)
            let familyUUID = try #require(family["family"]?.string), village = try #require(family["village"]?.string)
            let (memberStatus, member) = try await Self.post(client, "Patient", Self.patient(
                chfid: "990000001", family: "Member", head: false, village: village, group: familyUUID))
            #expect(memberStatus == .created, "\(member)")
            let row = try await Self.row(database, """
                SELECT i."FamilyID" AS family, i."AuditUserID" AS audit, i."ValidityFrom" IS NOT NULL AS validity,
                       i."IsHead" AS head, i."InsureeUUID" AS uuid FROM "tblInsuree" i
                WHERE i."CHFID" = '990000001' AND i."ValidityTo" IS NULL
                """)
            #expect(row["family"]?.number == family["id"]?.number)
            #expect(row["audit"]?.number == "1")
            #expect(row["validity"] == .bool(true))
            #expect(row["head"] == .bool(false))
            #expect(row["uuid"]?.string == member["id"]?.string)
            #expect(try await client.getJSON("/fhir/Patient/990000001")["id"] == member["id"])

            let (headStatus, head) = try await Self.post(client, "Patient", Self.patient(
                chfid: "990000002", family: "Head", head: true, village: village, group: nil))
            #expect(headStatus == .created, "\(head)")
            let founded = try await Self.row(database, """
                SELECT f."AuditUserID" AS audit, f."ValidityFrom" IS NOT NULL AS validity, i."FamilyID" = f."FamilyID" AS member
                FROM "tblInsuree" i JOIN "tblFamilies" f ON f."InsureeID" = i."InsureeID" AND f."ValidityTo" IS NULL
                WHERE i."CHFID" = '990000002' AND i."ValidityTo" IS NULL
                """)
            #expect(founded["audit"]?.number == "1")
            #expect(founded["validity"] == .bool(true))
            #expect(founded["member"] == .bool(true))
        }
    }

    @Test(arguments: [false, true])
    func aClaimOfADemoFacilityIsWrittenWithItsItemAndService(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, database in
            let insuree = try await Self.row(database, """
                SELECT i."CHFID" AS chfid, p."PolicyUUID" AS policy FROM "tblInsuree" i
                JOIN "tblPolicy" p ON p."FamilyID" = i."FamilyID" AND p."ValidityTo" IS NULL AND p."PolicyStatus" = 2
                WHERE i."ValidityTo" IS NULL AND i."CHFID" IS NOT NULL ORDER BY i."InsureeID" LIMIT 1
                """)
            let facility = try await Self.row(database, """
                SELECT h."HFCode" AS hf, a."ClaimAdminCode" AS admin FROM "tblClaimAdmin" a JOIN "tblHF" h ON h."HfID" = a."HFId"
                WHERE a."ValidityTo" IS NULL AND h."ValidityTo" IS NULL ORDER BY a."ClaimAdminId" LIMIT 1
                """)
            let codes = try await Self.row(database, """
                SELECT (SELECT "ItemCode" FROM "tblItems" WHERE "ValidityTo" IS NULL ORDER BY "ItemID" LIMIT 1) AS item,
                       (SELECT "ServCode" FROM "tblServices" WHERE "ValidityTo" IS NULL ORDER BY "ServiceID" LIMIT 1) AS service,
                       (SELECT "ICDCode" FROM "tblICDCodes" WHERE "ValidityTo" IS NULL ORDER BY "ICDID" LIMIT 1) AS icd
                """)
            var text = String(decoding: try Data(contentsOf: IGExampleWorldTests.fixturesURL.appendingPathComponent("Claim-Claim001.json")), as: UTF8.self)
            let replacements = [
                "Patient/john-doe": "Patient/\(try #require(insuree["chfid"]?.string))",
                "Organization/RaptaDistrictHospital": "Organization/\(try #require(facility["hf"]?.string))",
                "Practitioner/Rushila-Dani-CA": "Practitioner/\(try #require(facility["admin"]?.string))",
                "Coverage/JoeDoeCoverage": "Coverage/\(try #require(insuree["policy"]?.string))",
                "ActivityDefinition/GeneralConsultationService": "ActivityDefinition/\(try #require(codes["service"]?.string))",
                "Medication/AspirinMedication": "Medication/\(try #require(codes["item"]?.string))",
                "\"G44\"": "\"\(try #require(codes["icd"]?.string))\"",
                "\"Code001\"": "\"RW-CLAIM-1\"",
            ]
            for (from, to) in replacements { text = text.replacingOccurrences(of: from, with: to) }
            let (status, response) = try await Self.post(client, "Claim", text)
            #expect(status == .created, "\(response)")
            let claim = try await Self.row(database, """
                SELECT c."AuditUserID" AS audit, c."ValidityFrom" IS NOT NULL AS validity, c."ClaimUUID" AS uuid,
                       (SELECT count(*) FROM "tblClaimItems" x WHERE x."ClaimID" = c."ClaimID" AND x."ValidityTo" IS NULL) AS items,
                       (SELECT count(*) FROM "tblClaimServices" x WHERE x."ClaimID" = c."ClaimID" AND x."ValidityTo" IS NULL) AS services,
                       (SELECT min(x."AuditUserID") FROM "tblClaimItems" x WHERE x."ClaimID" = c."ClaimID") AS itemAudit,
                       d."ICDCode" AS icd
                FROM "tblClaim" c JOIN "tblICDCodes" d ON d."ICDID" = c."ICDID" WHERE c."ClaimCode" = 'RW-CLAIM-1' AND c."ValidityTo" IS NULL
                """)
            #expect(claim["audit"]?.number == "1")
            #expect(claim["validity"] == .bool(true))
            #expect(claim["items"]?.number == "1")
            #expect(claim["services"]?.number == "1")
            #expect(claim["itemaudit"]?.number == "1")
            #expect(claim["icd"] == codes["icd"])
        }
    }

    @Test(arguments: [false, true])
    func aContractInvoicedAndPaidActivatesTheDemoFamilysPolicy(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, database in
            let demo = try await Self.row(database, """
                SELECT f."FamilyUUID" AS family, f."FamilyID" AS id,
                       (SELECT p."ProdUUID" FROM "tblProduct" p WHERE p."ValidityTo" IS NULL ORDER BY p."ProdID" LIMIT 1) AS product
                FROM "tblFamilies" f WHERE f."ValidityTo" IS NULL ORDER BY f."FamilyID" LIMIT 1
                """)
            let familyUUID = try #require(demo["family"]?.string), product = try #require(demo["product"]?.string)
            let (contractStatus, contract) = try await Self.post(client, "Contract", """
                {"resourceType": "Contract", "status": "offered", "issued": "2026-06-28",
                 "subject": [{"reference": "Group/\(familyUUID)"}],
                 "term": [{"offer": {"text": "Enrolment"}, "asset": [{"period": [{"start": "2026-07-01", "end": "2027-06-30"}],
                   "valuedItem": [{"entityReference": {"reference": "InsurancePlan/\(product)"}}]}]}]}
                """)
            #expect(contractStatus == .created, "\(contract)")
            let policyUUID = try #require(contract["id"]?.string)
            let policy = try await Self.row(database, """
                SELECT "PolicyValue"::text AS value, "PolicyStatus" AS status, "AuditUserID" AS audit, "FamilyID" AS family
                FROM "tblPolicy" WHERE lower("PolicyUUID") = lower('\(policyUUID)') AND "ValidityTo" IS NULL
                """)
            #expect(policy["status"]?.number == "1")
            #expect(policy["audit"]?.number == "1")
            #expect(policy["family"]?.number == demo["id"]?.number)
            let value = try #require(policy["value"]?.string)

            let (invoiceStatus, invoice) = try await Self.post(client, "Invoice", """
                {"resourceType": "Invoice",
                 "identifier": [{"type": {"coding": [{"system": "\(Self.ig)/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "RW-IV-1"}],
                 "status": "issued", "type": {"coding": [{"system": "\(Self.ig)/CodeSystem/invoice-type", "code": "contribution"}]},
                 "subject": {"reference": "Group/\(familyUUID)"}, "date": "2026-06-28",
                 "lineItem": [{"sequence": 1,
                   "chargeItemCodeableConcept": {"coding": [{"system": "\(Self.ig)/CodeSystem/invoice-charge-item", "code": "policy"}]},
                   "priceComponent": [{"type": "base", "factor": 1, "amount": {"value": \(value), "currency": "EUR"},
                     "extension": [{"url": "\(Self.ig)/StructureDefinition/unit-price", "valueMoney": {"value": \(value), "currency": "EUR"}}]}]}],
                 "totalNet": {"value": \(value), "currency": "EUR"}, "totalGross": {"value": \(value), "currency": "EUR"}}
                """)
            #expect(invoiceStatus == .created, "\(invoice)")
            let invoiceID = try #require(invoice["id"]?.string)
            let noticeBody = """
                {"resourceType": "PaymentNotice", "identifier": [{"system": "urn:test:mobile-money", "value": "RW-PAY-1"}],
                 "status": "active", "request": {"reference": "Invoice/\(invoiceID)", "type": "Invoice"},
                 "created": "2026-06-29T10:00:00+02:00", "payment": {"reference": "PaymentReconciliation/pending"},
                 "paymentDate": "2026-06-29", "recipient": {"reference": "Organization/openIMIS-Implementation"},
                 "amount": {"value": \(value), "currency": "EUR"},
                 "paymentStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "paid"}]}}
                """
            let (noticeStatus, notice) = try await Self.post(client, "PaymentNotice", noticeBody)
            #expect(noticeStatus == .created, "\(notice)")
            // Posted again, the notice is the payment already recorded (served as it is: found by its CodeExt).
            let (againStatus, again) = try await Self.post(client, "PaymentNotice", noticeBody)
            #expect(againStatus == .ok, "\(again)")
            #expect(again["id"] != nil && again["id"] == notice["id"])
            let paid = try await Self.row(database, """
                SELECT p."PolicyStatus" AS status, p."EffectiveDate" IS NOT NULL AS effective,
                       (SELECT count(*) FROM "tblPremium" r WHERE r."PolicyID" = p."PolicyID" AND r."ValidityTo" IS NULL) AS premiums,
                       (SELECT min(r."AuditUserID") FROM "tblPremium" r WHERE r."PolicyID" = p."PolicyID") AS premiumAudit,
                       (SELECT count(*) FROM "tblInsureePolicy" ip WHERE ip."PolicyId" = p."PolicyID" AND ip."ValidityTo" IS NULL) AS members,
                       (SELECT i."Status" FROM "tblInvoice" i WHERE i."UUID"::text = lower('\(invoiceID)')) AS invoice
                FROM "tblPolicy" p WHERE lower(p."PolicyUUID") = lower('\(policyUUID)') AND p."ValidityTo" IS NULL
                """)
            #expect(paid["status"]?.number == "2")
            #expect(paid["effective"] == .bool(true))
            #expect(paid["premiums"]?.number == "1")
            #expect(paid["premiumaudit"]?.number == "1")
            #expect(paid["members"]?.number != "0")
            #expect(paid["invoice"]?.number == "2")
            #expect(try await client.getJSON("/fhir/Coverage/\(policyUUID)")["status"]?.string == "active")
            #expect(try await client.getJSON("/fhir/Contract/\(policyUUID)")["status"]?.string == "executed")
        }
    }

    /// POST a resource; the status and the parsed body.
    static func post(_ client: some TestClientProtocol, _ type: String, _ body: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.fhir(uri: "/fhir/\(type)", method: .post, headers: fhirJSON, body: ByteBuffer(string: body)) { response in
            (response.status, (try? JSONParser.parse(Array(buffer: response.body))) ?? .null)
        }
    }

    /// A Patient: head of a new family living in `village`, or a member of `group` (living at the family's address).
    static func patient(chfid: String, family: String, head: Bool, village: String, group: String?) -> String {
        let address = group != nil ? "" : """
            , "address": [{"use": "home", "type": "physical", "line": ["7 Market Street"],
              "extension": [{"url": "\(ig)/StructureDefinition/address-location-reference", "valueReference": {"reference": "Location/\(village)"}}]}]
            """
        let groupExtension = group.map {
            #", {"url": "\#(ig)/StructureDefinition/patient-group-reference", "valueReference": {"reference": "Group/\#($0)"}}"#
        } ?? ""
        return """
            {"resourceType": "Patient",
             "extension": [{"url": "\(ig)/StructureDefinition/patient-is-head", "valueBoolean": \(head)}\(groupExtension)],
             "identifier": [{"type": {"coding": [{"system": "\(ig)/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "\(chfid)"}],
             "name": [{"use": "official", "family": "\(family)", "given": ["Grace"]}],
             "gender": "female", "birthDate": "1990-03-04"\(address)}
            """
    }

    /// The one row `sql` selects, as a JSON object (keys lower-cased as PostgreSQL folds unquoted aliases).
    static func row(_ database: IMISPostgres, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: JSON] {
        let rows = try await database.client.query(PostgresQuery(unsafeSQL: "SELECT row_to_json(q)::text FROM (\(sql)) q"),
                                                   logger: Logger(label: "test")).collect()
        let text = try #require(try rows.first?.decode(String.self), "no row: \(sql)", sourceLocation: sourceLocation)
        guard case .object(let object) = try JSONParser.parse(Array(text.utf8)) else { return [:] }
        return Dictionary(object.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

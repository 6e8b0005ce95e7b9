import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// POST Claim: the IG's Claim001, with its references pointed at the demo data, answers the
/// ClaimResponse the IG shows (reference §3.6: create answers 201 with the ClaimResponse).
@Suite struct ClaimSubmissionTests {
    /// The IG example as JSON text with the references and the claim code replaced.
    func claim001(code: String = "Code002", serviceCode: String = "A1") throws -> String {
        var text = String(decoding: try Data(contentsOf: IGExampleWorldTests.fixturesURL.appendingPathComponent("Claim-Claim001.json")), as: UTF8.self)
        let replacements = [
            "Patient/john-doe": "Patient/\(DemoDataset.johnDoeCHFID)",
            "Organization/RaptaDistrictHospital": "Organization/RAHOS001",
            "Practitioner/Rushila-Dani-CA": "Practitioner/JMDP0011",
            "Coverage/JoeDoeCoverage": "Coverage/\(DemoDataset.UUIDs.doePolicy)",
            "ActivityDefinition/GeneralConsultationService": "ActivityDefinition/\(serviceCode)",
            "Medication/AspirinMedication": "Medication/0001",
            "\"Code001\"": "\"\(code)\"",
        ]
        for (from, to) in replacements { text = text.replacingOccurrences(of: from, with: to) }
        return text
    }

    func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, HTTPFields, JSON) {
        try await client.fhir(uri: "/fhir/Claim", method: .post, headers: [.contentType: "application/fhir+json"], body: ByteBuffer(string: body)) { response in
            (response.status, response.headers, fhirBody(response))
        }
    }

    func number(_ json: JSON?) -> Decimal? { json?.number.flatMap { Decimal(string: $0) } }

    @Test func postingTheIGClaimAnswersTheIGClaimResponse() async throws {
        let ig = try JSONParser.parse(Array(try Data(contentsOf: IGExampleWorldTests.fixturesURL.appendingPathComponent("ClaimResponse-Claim001.json"))))
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (status, headers, response) = try await post(client, try claim001())
            #expect(status == .created)
            #expect(response["resourceType"]?.string == "ClaimResponse")
            let id = response["id"]?.string ?? ""
            #expect(headers[.location]?.contains("/fhir/Claim/\(id)/_history/1") == true)
            #expect(response["outcome"] == ig["outcome"])
            for (mine, theirs) in zip(response["item"]?.array ?? [], ig["item"]?.array ?? []) {
                let a = mine["adjudication"]?.array?.first
                let b = theirs["adjudication"]?.array?.first
                #expect(a?["category"]?["coding"]?.array?.first?["code"] == b?["category"]?["coding"]?.array?.first?["code"])
                #expect(a?["reason"]?["coding"]?.array?.first?["code"] == b?["reason"]?["coding"]?.array?.first?["code"])
                #expect(number(a?["amount"]?["value"]) == number(b?["amount"]?["value"]))
            }
            #expect(number(response["total"]?.array?.first?["amount"]?["value"]) == number(ig["total"]?.array?.first?["amount"]?["value"]))
            try await client.fhir(uri: "/fhir/Claim/Code002", method: .get) { read in
                #expect(fhirBody(read)["id"]?.string == id)
            }
            let (again, _, _) = try await post(client, try claim001())
            #expect(again == .conflict)
        }
    }

    @Test func anUnknownServiceCodeIs422NamingIt() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (status, _, outcome) = try await post(client, try claim001(code: "Code003", serviceCode: "ZZ99"))
            #expect(status == .unprocessableContent)
            #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "Claim.item[0].productOrService")
            #expect(outcome["issue"]?.array?.first?["diagnostics"]?.string?.contains("ZZ99") == true)
        }
    }

    @Test func aClaimForAnInsureeWithoutPolicyIsRejected() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let body = try claim001(code: "Code004").replacingOccurrences(of: "Patient/\(DemoDataset.johnDoeCHFID)", with: "Patient/100000001")
            let (status, _, response) = try await post(client, body)
            #expect(status == .created)
            #expect(response["outcome"]?.string == "complete")
            let reasons = (response["item"]?.array ?? []).compactMap { $0["adjudication"]?.array?.first?["reason"]?["coding"]?.array?.first?["code"]?.string }
            #expect(reasons == ["3", "3"])
        }
    }
}

/// A submitted claim is adjudicated at once (checked or rejected); the devices of the insuree's family hear of it,
/// with the claim's id and outcome only, and no other family's device does.
@Suite struct ClaimAdjudicationPushTests {
    @Test func theFamilysDevicesHearThatTheirClaimWasCheckedOrRejected() async throws {
        let world = try await AuthTestWorld.make()
        // Jane Doe's device (John's family) and Zoë Müller's (a family without a policy).
        let jane = try await world.user("janedoe", roles: ["insuree"], insureeCHFID: DemoDataset.janeDoeCHFID)
        _ = try await world.auth.pushTokens.savePushToken("device-doe", userID: jane.id, now: Date())
        let zoe = try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        _ = try await world.auth.pushTokens.savePushToken("device-muller", userID: zoe.id, now: Date())
        let claims = ClaimSubmissionTests()
        try await world.run { client in
            let (_, _, accepted) = try await claims.post(client, try claims.claim001(code: "PUSH001"))
            #expect(accepted["outcome"]?.string == "partial")
            let told = try await world.messages(to: "device-doe")
            #expect(told.count == 1)
            let message = try #require(told.first)
            #expect(message.channel == .push && message.subject == "Claim checked")
            #expect(message.data == ["event": "claim-adjudicated", "claim": accepted["id"]?.string ?? "", "outcome": "checked"])
            // Nothing of the care: no diagnosis, service, facility or amount.
            #expect(!"\(message.text) \(message.data)".contains("A1") && !"\(message.text)".contains("RAHOS001"))

            let rejectedBody = try claims.claim001(code: "PUSH002")
                .replacingOccurrences(of: "Patient/\(DemoDataset.johnDoeCHFID)", with: "Patient/100000001")
            let (_, _, rejected) = try await claims.post(client, rejectedBody)
            #expect(rejected["outcome"]?.string == "complete")
            let heard = try await world.messages(to: "device-muller")
            #expect(heard.count == 1 && heard.first?.subject == "Claim rejected")
            #expect(heard.first?.data["claim"] == rejected["id"]?.string && heard.first?.data["outcome"] == "rejected")
            // Each recipient may read the claim it was told of, and not the other family's.
            let janeToken = try await client.signIn("janedoe"), zoeToken = try await client.signIn("zoe")
            let acceptedID = accepted["id"]?.string ?? "", rejectedID = rejected["id"]?.string ?? ""
            #expect(try await client.status("/fhir/Claim/\(acceptedID)", token: janeToken) == .ok)
            #expect(try await client.status("/fhir/Claim/\(rejectedID)", token: zoeToken) == .ok)
            #expect(try await client.status("/fhir/Claim/\(rejectedID)", token: janeToken) != .ok)
            #expect(try await client.status("/fhir/Claim/\(acceptedID)", token: zoeToken) != .ok)
            // Each family heard of its own claim only; a refused claim (its code taken) tells no one.
            let (again, _, _) = try await claims.post(client, try claims.claim001(code: "PUSH001"))
            #expect(again == .conflict)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await world.messages(to: "device-doe", attempts: 1).count == 1)
            #expect(try await world.messages(to: "device-muller", attempts: 1).count == 1)
        }
    }
}

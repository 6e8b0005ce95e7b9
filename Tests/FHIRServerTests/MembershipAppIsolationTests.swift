import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// Two families on the insuree app: every call it makes, aimed at the other family with the identifiers the app
/// sends (CHF ID, UUID, the claim's integer id), reaches nothing of it.
@Suite("The insuree app: one family never reaches another")
struct MembershipAppIsolationTests {
    static let api = "/api/membership/"

    @Test func anInsureeOfAnotherFamilyReachesNothingOfTheDoes() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        let claimID = try #require(try await world.auth.insurance.claim(uuid: DemoDataset.UUIDs.claim001)?.claim.record.id)
        try await world.run { client in
            var john = AppClient(client: client)
            john.token = try #require(try await john.post(Self.api + "login", #"{"username":"jdoe","password":"JohnDoe-123"}"#)
                .1["access"]?.string)
            var zoe = AppClient(client: client)
            zoe.token = try #require(try await zoe.post(Self.api + "login", #"{"username":"zoe","password":"Secret-pass-1"}"#)
                .1["access"]?.string)

            // John sees his claim's lines by its integer id; Zoë, asking for the same id and UUID, sees none.
            let (_, johnLines) = try await john.get(Self.api + "claimed-item-services/?claim_id=\(claimID)")
            #expect(!(johnLines["claimed_items"]?.array ?? []).isEmpty || !(johnLines["claimed_services"]?.array ?? []).isEmpty)
            #expect(johnLines["claim_id"] == .number(String(claimID)))
            for id in [String(claimID), DemoDataset.UUIDs.claim001, "999999"] {
                let (status, lines) = try await zoe.get(Self.api + "claimed-item-services/?claim_id=\(id)")
                #expect(status == .ok)
                #expect(lines == .object([JSONMember("claimed_items", .array([])), JSONMember("claimed_services", .array([]))]),
                        "claim \(id)")
            }
            // Zoë's own claims list holds none of John's.
            let (_, claims) = try await zoe.get(Self.api + "claims/?insuree_id=\(DemoDataset.johnDoeCHFID)")
            #expect(claims == .array([]))
            // Lookups by John's CHF ID or UUID: the answer of an unknown insuree, in the app's `message` shape.
            for path in ["insuree-information/?insuree=\(DemoDataset.johnDoeCHFID)",
                         "fhir-patient/?identifier=\(DemoDataset.johnDoeCHFID)",
                         "membership/card/\(DemoDataset.UUIDs.johnDoe)", "card/\(DemoDataset.UUIDs.johnDoe)"] {
                let (status, body) = try await zoe.get(Self.api + path)
                #expect(status == .notFound, "\(path)")
                expectType(body, "message", .string, path)
            }
            // Her own home screen lists her family only.
            let (_, home) = try await zoe.get(Self.api + "insuree-information/")
            let chfids = Set(home["data"]?["families"]?.array?.first?["members"]?.array?.compactMap { $0["chf_id"]?.string } ?? [])
            #expect(chfids == ["100000001", "100000002", "100000003"])
            #expect(home["data"]?["policy"]?.array?.contains { $0["uuid"] == .string(DemoDataset.UUIDs.doePolicy) } == false)
        }
    }

    @Test func signedOutTheAppGetsNoInsureeData() async throws {
        let world = try await AuthTestWorld.make()
        let claimID = try #require(try await world.auth.insurance.claim(uuid: DemoDataset.UUIDs.claim001)?.claim.record.id)
        try await world.run { client in
            let app = AppClient(client: client)
            for path in ["insuree-information/?insuree=\(DemoDataset.johnDoeCHFID)", "claims/",
                         "claimed-item-services/?claim_id=\(claimID)", "fhir-patient/?identifier=\(DemoDataset.johnDoeCHFID)",
                         "membership/card/\(DemoDataset.UUIDs.johnDoe)"] {
                let (status, body) = try await app.get(Self.api + path)
                #expect(status == .unauthorized, "\(path)")
                expectType(body, "message", .string, path)
            }
        }
    }

    @Test func registrationWithTheAppsOwnBodyGetsAnswersItCanShow() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let app = AppClient(client: client)
            // The app hard-codes `dob`; the date of birth is checked, so no code goes out, and the answer is the same.
            let (registered, registeredBody) = try await app.post(Self.api + "register/",
                #"{"chfid":"100000002","head_chfid":"100000001","dob":"2024-03-24","phone":"+255700000778","email":""}"#)
            #expect(registered == .ok)
            expectType(registeredBody, "message", .string, "register")
            expectType(registeredBody, "otp_id", .string, "register")
            // Keyed by phone number, as the app sends it, validation is refused in the app's `message` shape.
            let (validated, validatedBody) = try await app.post(Self.api + "validate-otp/",
                #"{"phone":"+255700000778","otp":"123456","username":"lukas","password":"Lukas-pass-1","email":""}"#)
            #expect(validated == .badRequest)
            expectType(validatedBody, "message", .string, "validate-otp")
            let (resent, resentBody) = try await app.post(Self.api + "resend-otp/", #"{"phone":"+255700000778"}"#)
            #expect(resent == .badRequest)
            expectType(resentBody, "message", .string, "resend-otp")
        }
    }
}

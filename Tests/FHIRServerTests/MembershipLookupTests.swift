import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// The compatibility routes that look an insuree up by CHF ID or UUID answer every caller that may not see it the
/// same way, whether or not the insuree exists: no way to learn which CHF IDs are in use.
@Suite("/api/membership lookups reveal no CHF ID")
struct MembershipLookupTests {
    static let unknownCHFID = "999999990"
    static let unknownUUID = "3c9a7e10-5b2d-4f1e-8a6c-0000000009ff"

    /// Each lookup route with the demo John Doe and with an insuree that does not exist.
    static let lookups: [(known: String, unknown: String)] = [
        ("/api/membership/insuree-information/?insuree=\(DemoDataset.johnDoeCHFID)", "/api/membership/insuree-information/?insuree=\(unknownCHFID)"),
        ("/api/membership/fhir-patient/?identifier=\(DemoDataset.johnDoeCHFID)", "/api/membership/fhir-patient/?identifier=\(unknownCHFID)"),
        ("/api/membership/card/\(DemoDataset.UUIDs.johnDoe)", "/api/membership/card/\(unknownUUID)"),
    ]

    func get(_ client: any TestClientProtocol, _ uri: String, token: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) {
            ($0.status, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null)
        }
    }

    @Test func whoeverMayNotSeeAnInsureeGetsOneAnswerForAKnownAndAnUnknownOne() async throws {
        var settings = testTokenSettings
        settings.rowSecurity = true
        let world = try await AuthTestWorld.make(settings: settings)
        let tahida = try #require(try await world.auth.registry.record(Location.self, code: "R1D2")?.record.id)
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.user("nobody", roles: [])
        try await world.user("tahida-clerk", districts: [tahida])
        let secret = try await world.client("payments", scope: "system/Invoice.cru")
        try await world.run { client in
            func signIn(_ name: String) async throws -> String {
                let (_, _, body) = try await client.token([("grant_type", "password"), ("username", name), ("password", "Secret-pass-1")])
                return try #require(body["access_token"]?.string, "sign-in of \(name)")
            }
            let (_, _, system) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                         ("client_secret", secret)])
            // (who, token, the one status it gets for John Doe and for an unknown insuree alike)
            let callers: [(String, String, HTTPResponse.Status)] = [
                ("an insuree of another family", try await signIn("zoe"), .notFound),
                ("a user without rights", try await signIn("nobody"), .forbidden),
                ("a clerk limited to another district", try await signIn("tahida-clerk"), .notFound),
                ("a system client", try #require(system["access_token"]?.string), .forbidden),
            ]
            for (who, token, status) in callers {
                for (known, unknown) in Self.lookups {
                    let (knownStatus, knownBody) = try await get(client, known, token: token)
                    let (unknownStatus, unknownBody) = try await get(client, unknown, token: token)
                    #expect(knownStatus == status, "\(who): \(known)")
                    #expect(unknownStatus == status, "\(who): \(unknown)")
                    #expect(knownBody == unknownBody, "\(who): \(known)")
                    #expect(knownBody["message"]?.string != nil, "\(who): \(known)")
                }
            }
        }
    }

    @Test func whoeverMaySeeTheInsureeStillGetsItAndAnUnknownOneIs404() async throws {
        var settings = testTokenSettings
        settings.rowSecurity = true
        let world = try await AuthTestWorld.make(settings: settings)
        let rapta = try #require(try await world.auth.registry.record(Location.self, code: "R1D1")?.record.id)
        try await world.user("rapta-clerk", districts: [rapta])
        try await world.run { client in
            let (_, _, body) = try await client.token([("grant_type", "password"), ("username", "rapta-clerk"), ("password", "Secret-pass-1")])
            let (_, _, jdoe) = try await client.token([("grant_type", "password"), ("username", DemoDataset.Accounts.johnDoe.username),
                                                       ("password", DemoDataset.Accounts.johnDoe.password)])
            for token in [try #require(body["access_token"]?.string), try #require(jdoe["access_token"]?.string), adminToken] {
                for (known, unknown) in Self.lookups {
                    #expect(try await get(client, known, token: token).0 == .ok, "\(known)")
                    #expect(try await get(client, unknown, token: token).0 == .notFound, "\(unknown)")
                }
            }
        }
    }
}

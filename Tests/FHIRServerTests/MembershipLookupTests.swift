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

    @Test func whoeverMayNotSeeAnInsureeGetsOneAnswerForAKnownAndAnUnknownOne() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let tahida = try await world.locationID("R1D2")
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.user("nobody", roles: [])
        try await world.user("tahida-clerk", districts: [tahida])
        let secret = try await world.client("payments", scope: "system/Invoice.cru")
        try await world.run { client in
            let (_, _, system) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                         ("client_secret", secret)])
            // (who, token, the one status it gets for John Doe and for an unknown insuree alike)
            let callers: [(String, String, HTTPResponse.Status)] = [
                ("an insuree of another family", try await client.signIn("zoe"), .notFound),
                ("a user without rights", try await client.signIn("nobody"), .forbidden),
                ("a clerk limited to another district", try await client.signIn("tahida-clerk"), .notFound),
                ("a system client", try #require(system["access_token"]?.string), .forbidden),
            ]
            for (who, token, status) in callers {
                for (known, unknown) in Self.lookups {
                    let (knownStatus, knownBody) = try await client.getAnyJSON(known, token: token)
                    let (unknownStatus, unknownBody) = try await client.getAnyJSON(unknown, token: token)
                    #expect(knownStatus == status, "\(who): \(known)")
                    #expect(unknownStatus == status, "\(who): \(unknown)")
                    #expect(knownBody == unknownBody, "\(who): \(known)")
                    #expect(knownBody["message"]?.string != nil, "\(who): \(known)")
                }
            }
        }
    }

    @Test func whoeverMaySeeTheInsureeStillGetsItAndAnUnknownOneIs404() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let rapta = try await world.locationID("R1D1")
        try await world.user("rapta-clerk", districts: [rapta])
        try await world.run { client in
            let clerk = try await client.signIn("rapta-clerk")
            let john = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            for token in [clerk, john, adminToken] {
                for (known, unknown) in Self.lookups {
                    #expect(try await client.getAnyJSON(known, token: token).0 == .ok, "\(known)")
                    #expect(try await client.getAnyJSON(unknown, token: token).0 == .notFound, "\(unknown)")
                }
            }
        }
    }
}

import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

@Suite("Membership API: profile and card of the signed-in insuree")
struct MembershipRouteTests {
    @Test func meShowsTheInsureeItsFamilyPoliciesAndPayments() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let token = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let me = try await client.execute(uri: "/membership/me", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .ok)
                return try JSONParser.parse(Array(buffer: $0.body))
            }
            #expect(me["insuree"]?["chfid"]?.string == DemoDataset.johnDoeCHFID)
            #expect(me["family"]?["uuid"]?.string == DemoDataset.UUIDs.doeFamily)
            #expect(Set(me["family"]?["members"]?.array?.compactMap { $0["chfid"]?.string } ?? []) == [DemoDataset.johnDoeCHFID, DemoDataset.janeDoeCHFID])
            let policy = try #require(me["policies"]?.array?.first)
            #expect(policy["uuid"]?.string == DemoDataset.UUIDs.doePolicy)
            #expect(policy["product_code"]?.string == "RX01")
            #expect(policy["expiry_date"]?.string != nil)
            #expect(me["payments"]?.array?.first?["uuid"]?.string == DemoDataset.UUIDs.doeContribution)
        }
    }

    @Test func meNeedsAnInsureeToken() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let anonymous = try await client.execute(uri: "/membership/me", method: .get) { $0 }
            #expect(anonymous.status == .unauthorized)
            #expect(try JSONParser.parse(Array(buffer: anonymous.body))["error"]?.string == "invalid_token")
            let staff = try await client.execute(uri: "/membership/me", method: .get, headers: [.authorization: "Bearer \(adminToken)"]) { $0.status }
            #expect(staff == .forbidden)
        }
    }

    @Test func theCardIsAPDFOfTheFamilyOrItsBase64InJSON() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let token = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let pdf = try await client.execute(uri: "/membership/card", method: .get, headers: [.authorization: "Bearer \(token)"]) { $0 }
            #expect(pdf.status == .ok)
            #expect(pdf.headers[.contentType] == "application/pdf")
            let bytes = Array(buffer: pdf.body)
            #expect(bytes.starts(with: Array("%PDF-".utf8)))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains(DemoDataset.johnDoeCHFID) && text.contains(DemoDataset.janeDoeCHFID))
            #expect(text.contains("RX01"))
            let json = try await client.execute(uri: "/membership/card", method: .get,
                                                headers: [.authorization: "Bearer \(token)", .accept: "application/json"]) {
                try JSONParser.parse(Array(buffer: $0.body))
            }
            #expect(json["content_type"]?.string == "application/pdf")
            let decoded = try #require(Data(base64Encoded: json["pdf_base64"]?.string ?? ""))
            #expect(Array(decoded) == bytes)
        }
    }
}

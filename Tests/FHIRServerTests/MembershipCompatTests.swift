import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// The openIMIS membership module's routes, as its mobile app calls them — made secure.
@Suite("/api/membership compatibility routes")
struct MembershipCompatTests {
    static let zoe = "3c9a7e10-5b2d-4f1e-8a6c-000000000501"

    func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil,
              json: String? = nil) async throws -> (HTTPResponse.Status, JSON, [UInt8]) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) {
            let bytes = Array(buffer: $0.body)
            return ($0.status, (try? JSONParser.parse(bytes)) ?? .null, bytes)
        }
    }

    func johnLogin(_ client: any TestClientProtocol) async throws -> JSON {
        let (status, body, _) = try await call(client, .post, "/api/membership/login", json: #"{"username":"jdoe","password":"JohnDoe-123"}"#)
        #expect(status == .ok)
        return body
    }

    @Test func loginAnswersTheOriginalFieldsWithTwoDistinctTokens() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let body = try await johnLogin(client)
            #expect(body["access"]?.string != nil)
            #expect(body["refresh"]?.string != nil && body["refresh"] != body["access"])
            #expect(body["is_insuree"] == .bool(true))
            #expect(body["insuree_info"]?["chfid"]?.string == DemoDataset.johnDoeCHFID)
            #expect(body["insuree_info"]?["uuid"]?.string == DemoDataset.UUIDs.johnDoe)
            let (wrong, wrongBody, _) = try await call(client, .post, "/api/membership/login", json: #"{"username":"jdoe","password":"nope"}"#)
            let (unknown, unknownBody, _) = try await call(client, .post, "/api/membership/login", json: #"{"username":"ghost","password":"nope"}"#)
            #expect(wrong == .unauthorized && unknown == .unauthorized)
            #expect(wrongBody == unknownBody)
            let (missing, missingBody, _) = try await call(client, .post, "/api/membership/login", json: #"{"username":"jdoe"}"#)
            #expect(missing == .badRequest)
            #expect(missingBody["message"]?.string == "Missing username or password")
        }
    }

    @Test func registerThenValidateOTPCreatesTheAccount() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let (status, start, _) = try await call(client, .post, "/api/membership/register/",
                json: #"{"chfid":"100000002","head_chfid":"100000001","dob":"1983-07-01","phone":"+255700000777"}"#)
            #expect(status == .ok)
            #expect(start["message"]?.string == "OTP sent successfully.")
            let otpID = try #require(start["otp_id"]?.string)
            let code = try #require(OTPRouteTests.code(in: try await world.messages(to: "+255700000777")))
            let (created, createdBody, _) = try await call(client, .post, "/api/membership/validate-otp/",
                json: #"{"otp_id":"\#(otpID)","otp":"\#(code)","username":"lukas","password":"Lukas-pass-1"}"#)
            #expect(created == .created)
            #expect(createdBody["message"]?.string == "User with 'insuree' role created successfully.")
            let (replay, replayBody, _) = try await call(client, .post, "/api/membership/validate-otp/",
                json: #"{"otp_id":"\#(otpID)","otp":"\#(code)","username":"lukas2","password":"Lukas-pass-1"}"#)
            #expect(replay == .badRequest)
            #expect(replayBody["message"]?.string != nil)
            let (resend, _, _) = try await call(client, .post, "/api/membership/resend-otp/", json: #"{"phone":"+255700000777"}"#)
            #expect(resend == .badRequest)
        }
    }

    @Test func everyDataRouteNeedsATokenAndStaysInsideTheFamily() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            for uri in ["/api/membership/insuree-information/?insuree=\(DemoDataset.johnDoeCHFID)", "/api/membership/claims/",
                        "/api/membership/card/\(DemoDataset.UUIDs.johnDoe)", "/api/membership/fhir-patient/?identifier=\(DemoDataset.johnDoeCHFID)"] {
                let (status, _, _) = try await call(client, .get, uri)
                #expect(status == .unauthorized, "\(uri)")
            }
            let (saveAnonymous, _, _) = try await call(client, .post, "/api/membership/save_fcm_token/", json: #"{"user_id":1,"fcm_token":"t"}"#)
            #expect(saveAnonymous == .unauthorized)

            let token = try #require(try await johnLogin(client)["access"]?.string)
            let (info, infoBody, _) = try await call(client, .get, "/api/membership/insuree-information/?insuree=\(DemoDataset.johnDoeCHFID)", token: token)
            #expect(info == .ok)
            #expect(infoBody["success"] == .bool(true))
            #expect(infoBody["data"]?["families"]?.array?.first?["members"]?.array?.count == 2)
            #expect(infoBody["data"]?["policy"]?.array?.first?["product_code"]?.string == "RX01")
            let (other, _, _) = try await call(client, .get, "/api/membership/insuree-information/?insuree=100000001", token: token)
            #expect(other == .notFound)

            let (claims, claimsBody, _) = try await call(client, .get, "/api/membership/claims/", token: token)
            #expect(claims == .ok)
            #expect(claimsBody.array?.first?["code"]?.string == DemoDataset.claim001Code)
            let (lines, linesBody, _) = try await call(client, .get, "/api/membership/claimed-item-services/?claim_id=\(DemoDataset.UUIDs.claim001)", token: token)
            #expect(lines == .ok)
            #expect((linesBody["claimed_items"]?.array?.count ?? 0) + (linesBody["claimed_services"]?.array?.count ?? 0) > 0)

            let (card, cardBody, _) = try await call(client, .get, "/api/membership/card/\(DemoDataset.UUIDs.johnDoe)", token: token)
            #expect(card == .ok)
            #expect(cardBody["content_type"]?.string == "application/pdf")
            let (otherCard, _, _) = try await call(client, .get, "/api/membership/card/\(Self.zoe)", token: token)
            #expect(otherCard == .notFound)

            let (patient, _, patientBytes) = try await call(client, .get, "/api/membership/fhir-patient/?identifier=\(DemoDataset.johnDoeCHFID)", token: token)
            #expect(patient == .ok)
            #expect(try Resource.decode(patientBytes).id == DemoDataset.UUIDs.johnDoe)
            let (otherPatient, _, _) = try await call(client, .get, "/api/membership/fhir-patient/?identifier=100000001", token: token)
            #expect(otherPatient == .notFound)

            let (saved, savedBody, _) = try await call(client, .post, "/api/membership/save_fcm_token/", token: token,
                                                       json: #"{"user_id":"ignored","fcm_token":"device-9"}"#)
            #expect(saved == .created)
            #expect(savedBody["message"]?.string == "Firebase token saved successfully.")
        }
    }
}

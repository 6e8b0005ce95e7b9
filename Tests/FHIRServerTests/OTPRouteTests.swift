import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// OTP self-registration and sign-in by code through HTTP (the rules themselves are tested in MembershipTests).
@Suite("OTP routes")
struct OTPRouteTests {
    static let lukas = (chfid: "100000002", head: "100000001", dob: "1983-07-01")

    func post(_ client: any TestClientProtocol, _ uri: String, _ pairs: [(String, String)]) async throws -> (HTTPResponse.Status, JSON) {
        try await client.execute(uri: uri, method: .post, headers: formHeaders, body: form(pairs)) {
            ($0.status, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null)
        }
    }

    static func code(in messages: [OutgoingMessage]) -> String? {
        guard let text = messages.last?.text else { return nil }
        return text.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }.map(String.init)
    }

    @Test func registrationByCodeCreatesAnInsureeAccountThatSignsIn() async throws {
        let world = try await AuthTestWorld.make()
        let accounts = world.auth.accounts
        try await world.run { client in
            let (status, start) = try await post(client, "/auth/otp", [
                ("purpose", "register"), ("chfid", Self.lukas.chfid), ("head_chfid", Self.lukas.head), ("dob", Self.lukas.dob),
                ("phone", "+255700000123")])
            #expect(status == .accepted)
            #expect(start["expires_in"]?.number == "300")
            #expect(start["channel"]?.string == "sms")
            #expect(start["resend_after"]?.number == "60")
            let otpID = try #require(start["otp_id"]?.string)
            let code = try #require(Self.code(in: try await world.messages(to: "+255700000123")))
            // The code never appears in an answer.
            #expect(!String(describing: start).contains(code))

            let (granted, tokens) = try await post(client, "/auth/token", [
                ("grant_type", TokenEndpoint.otpGrant), ("otp_id", otpID), ("otp", code), ("username", "lukas"),
                ("password", "Lukas-pass-1")])
            #expect(granted == .ok)
            #expect(tokens["is_insuree"] == .bool(true))
            #expect(tokens["insuree_info"]?["chfid"]?.string == Self.lukas.chfid)
            #expect(tokens["refresh_token"]?.string != nil)
            let access = try #require(tokens["access_token"]?.string)
            #expect(try await client.status("/membership/me", token: access) == .ok)
            #expect(try await client.status("/fhir/Patient?identifier=\(Self.lukas.chfid)", token: access) == .ok)

            // The code works once.
            let (again, againBody) = try await post(client, "/auth/token", [
                ("grant_type", TokenEndpoint.otpGrant), ("otp_id", otpID), ("otp", code), ("username", "lukas2"),
                ("password", "Lukas-pass-1")])
            #expect(again == .badRequest)
            #expect(againBody["error"]?.string == "invalid_grant")
            // The password was written in openIMIS's form (openIMIS signs the user in too) and in the own PBKDF2 form.
            let user = try #require(try await accounts.user(loginName: "lukas"))
            #expect(user.privateKey?.count == 256)
            #expect(RealOpenIMISSignInTests.openIMISAccepts("Lukas-pass-1", stored: user.storedPassword, salt: user.privateKey))
            let own = try #require(try await accounts.ownPassword(userID: user.id))
            #expect(own.fingerprint == PasswordHasher.fingerprint(storedPassword: user.storedPassword, privateKey: user.privateKey))
            // And the new account signs in with its password.
            let (signIn, _, _) = try await client.token([("grant_type", "password"), ("username", "lukas"), ("password", "Lukas-pass-1")])
            #expect(signIn == .ok)
        }
    }

    @Test func unknownInsureesWrongDetailsAndExistingAccountsGetTheSameAnswerAndNoCode() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let cases: [[(String, String)]] = [
                [("chfid", "999999999"), ("head_chfid", Self.lukas.head), ("dob", Self.lukas.dob)],
                [("chfid", Self.lukas.chfid), ("head_chfid", Self.lukas.head), ("dob", "1990-01-01")],
                // John Doe already has an account (jdoe).
                [("chfid", DemoDataset.johnDoeCHFID), ("head_chfid", DemoDataset.janeDoeCHFID), ("dob", "1962-02-05")],
            ]
            for (index, details) in cases.enumerated() {
                let phone = "+25570000090\(index)"
                let (status, start) = try await post(client, "/auth/otp", [("purpose", "register")] + details + [("phone", phone)])
                #expect(status == .accepted)
                #expect(start["channel"]?.string == "sms")
                #expect(start["expires_in"]?.number == "300")
                #expect(start["otp_id"]?.string != nil)
                #expect(try await world.messages(to: phone, attempts: 15).isEmpty, "\(details)")
            }
        }
    }

    @Test func resendGivesAFreshCodeAndMalformedRequestsAreRFC6749Errors() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let (missing, body) = try await post(client, "/auth/otp", [("purpose", "register")])
            #expect(missing == .badRequest)
            #expect(body["error"]?.string == "invalid_request")
            let (badPurpose, _) = try await post(client, "/auth/otp", [("purpose", "reset")])
            #expect(badPurpose == .badRequest)
            let (_, start) = try await post(client, "/auth/otp", [
                ("purpose", "register"), ("chfid", Self.lukas.chfid), ("head_chfid", Self.lukas.head), ("dob", Self.lukas.dob),
                ("phone", "+255700000124")])
            let otpID = try #require(start["otp_id"]?.string)
            let (tooSoon, tooSoonBody) = try await post(client, "/auth/otp/resend", [("otp_id", otpID)])
            #expect(tooSoon == .tooManyRequests)
            #expect(tooSoonBody["error"]?.string == "slow_down")
            let (wrong, wrongBody) = try await post(client, "/auth/token", [
                ("grant_type", TokenEndpoint.otpGrant), ("otp_id", otpID), ("otp", "000000"), ("username", "lukas"),
                ("password", "Lukas-pass-1")])
            #expect(wrong == .badRequest)
            #expect(wrongBody["error"]?.string == "invalid_grant")
            let (weak, weakBody) = try await post(client, "/auth/token", [
                ("grant_type", TokenEndpoint.otpGrant), ("otp_id", otpID), ("otp", "123456"), ("username", "lukas"), ("password", "short")])
            #expect(weak == .badRequest)
            #expect(weakBody["error"]?.string == "invalid_request")
        }
    }

    @Test func pushTokensAreStoredAndDroppedForTheSignedInUser() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let access = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let headers: HTTPFields = [.authorization: "Bearer \(access)", .contentType: "application/json"]
            let saved = try await client.execute(uri: "/membership/push-tokens", method: .post, headers: headers,
                                                 body: ByteBuffer(string: #"{"token":"device-token-1"}"#)) { $0.status }
            #expect(saved == .created)
            let user = try #require(try await world.auth.accounts.user(loginName: DemoDataset.Accounts.johnDoe.username))
            #expect(try await world.auth.pushTokens.pushTokens(userID: user.id).map(\.token) == ["device-token-1"])
            let anonymous = try await client.execute(uri: "/membership/push-tokens", method: .post, headers: [.contentType: "application/json"],
                                                     body: ByteBuffer(string: #"{"token":"x"}"#)) { $0.status }
            #expect(anonymous == .unauthorized)
            let deleted = try await client.execute(uri: "/membership/push-tokens/device-token-1", method: .delete, headers: headers) { $0.status }
            #expect(deleted == .noContent)
            let again = try await client.execute(uri: "/membership/push-tokens/device-token-1", method: .delete, headers: headers) { $0.status }
            #expect(again == .notFound)
        }
    }
}

import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import Testing

@testable import FHIRServer

/// `Authorization: Basic` header of `name:secret` (RFC 7617).
func basicHeader(_ name: String, _ secret: String) -> String {
    "Basic " + Data("\(name):\(secret)".utf8).base64EncodedString()
}

extension TestClientProtocol {
    /// GET with an `Authorization` header; status, headers and body.
    func get(_ uri: String, authorization: String?) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: JSON) {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        return try await execute(uri: uri, method: .get, headers: headers) {
            ($0.status, $0.headers, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null)
        }
    }
}

/// HTTP Basic on the authenticated routes (RFC 7617): users as the password grant checks them, system clients as
/// client authentication does, the RFC 6750 §3 and RFC 7617 challenges, the `BASIC_AUTH` switch and the budget.
@Suite("HTTP Basic authentication")
struct BasicAuthTests {
    static let plainChallenge = #"Bearer realm="imis-fhir", Basic realm="imis-fhir", charset="UTF-8""#
    static let invalidTokenChallenge =
        #"Bearer realm="imis-fhir", error="invalid_token", Basic realm="imis-fhir", charset="UTF-8""#
    static let john = "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)"

    @Test func aUserWithBasicReadsPatientWithTheRightsOfItsRoles() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let read = try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1"))
            #expect(read.status == .ok)
            #expect(read.body["resourceType"]?.string == "Patient")
            #expect(read.body["id"]?.string == DemoDataset.UUIDs.johnDoe)
            // The clerk role has no claim-administration rights, whatever the scheme.
            let refused = try await client.get("/fhir/PaymentReconciliation", authorization: basicHeader("carla", "Secret-pass-1"))
            #expect(refused.status == .forbidden)
            #expect(issueCode(refused.body) == "forbidden")
            let admin = DemoDataset.Accounts.admin
            #expect(try await client.get("/fhir/Patient", authorization: basicHeader(admin.username, admin.password)).status == .ok)
        }
    }

    @Test func wrongBasicPasswordsCountTowardTheLockoutOfThePasswordGrant() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            // A verification kept from before is dropped by the first failure of the name.
            #expect(try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1")).status == .ok)
            for attempt in 1...5 {
                let wrong = try await client.get(Self.john, authorization: basicHeader("carla", "bad\(attempt)"))
                #expect(wrong.status == .unauthorized, "attempt \(attempt)")
                #expect(wrong.headers[.wwwAuthenticate] == Self.plainChallenge)
            }
            let locked = try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1"))
            #expect(locked.status == .unauthorized)
            #expect(issueCode(locked.body) == "login")
            let (status, _, body) = try await client.token([("grant_type", "password"), ("username", "carla"),
                                                            ("password", "Secret-pass-1")])
            #expect(status == .tooManyRequests)
            #expect(body["access_token"] == nil)
        }
    }

    @Test func failedPasswordGrantsLockBasicToo() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            for attempt in 1...5 {
                _ = try await client.token([("grant_type", "password"), ("username", "carla"), ("password", "bad\(attempt)")])
            }
            #expect(try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1")).status == .unauthorized)
        }
    }

    @Test func aSystemClientWithBasicGetsItsRegisteredScopes() async throws {
        let world = try await AuthTestWorld.make()
        let secret = try await world.client("payments", scope: "system/Invoice.r")
        try await world.run { client in
            let invoices = try await client.get("/fhir/Invoice", authorization: basicHeader("payments", secret))
            #expect(invoices.status == .ok)
            #expect(invoices.body["resourceType"]?.string == "Bundle")
            let patients = try await client.get("/fhir/Patient", authorization: basicHeader("payments", secret))
            #expect(patients.status == .forbidden)
            let wrong = try await client.get("/fhir/Invoice", authorization: basicHeader("payments", "wrong"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.wwwAuthenticate] == Self.plainChallenge)
        }
    }

    @Test func aKnownClientIdIsNeverCheckedAsAUser() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("payments", roles: ["IMIS Administrator"])
        _ = try await world.client("payments", scope: "system/Invoice.r")
        try await world.run { client in
            // The user's password does not open the client's name.
            let answer = try await client.get("/fhir/Patient", authorization: basicHeader("payments", "Secret-pass-1"))
            #expect(answer.status == .unauthorized)
        }
    }

    @Test func theChallengesFollowRFC6750AndRFC7617() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let none = try await client.get(Self.john, authorization: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == Self.plainChallenge)
            #expect(issueCode(none.body) == "login")
            let expired = try await client.get(Self.john, authorization: "Bearer not-a-token")
            #expect(expired.status == .unauthorized)
            #expect(expired.headers[.wwwAuthenticate] == Self.invalidTokenChallenge)
            let wrong = try await client.get(Self.john, authorization: basicHeader("carla", "wrong"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.wwwAuthenticate] == Self.plainChallenge)
            #expect(wrong.body["resourceType"]?.string == "OperationOutcome")
            let unknownScheme = try await client.get(Self.john, authorization: "Digest username=\"carla\"")
            #expect(unknownScheme.headers[.wwwAuthenticate] == Self.plainChallenge)
        }
    }

    @Test func malformedBasicHeadersAre401() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        let encoded = { (bytes: [UInt8]) in "Basic " + Data(bytes).base64EncodedString() }
        let headers = [
            "Basic", "Basic ", "Basic !!!not-base64", "Basic ====", encoded(Array("nocolon".utf8)),
            encoded(Array(":Secret-pass-1".utf8)), encoded(Array("car\u{1}la:Secret-pass-1".utf8)),
            encoded([0xFF, 0x3A, 0xFE]), "Basic " + String(repeating: "A", count: 100_000),
            basicHeader(String(repeating: "c", count: 5_000), "x"), basicHeader("carla", String(repeating: "p", count: 2_000)),
        ]
        try await world.run { client in
            for header in headers {
                let answer = try await client.get(Self.john, authorization: header)
                #expect(answer.status == .unauthorized, "\(header.prefix(40))")
                #expect(answer.headers[.wwwAuthenticate] == Self.plainChallenge, "\(header.prefix(40))")
                #expect(issueCode(answer.body) == "login", "\(header.prefix(40))")
            }
            // None of them counted as a failed sign-in of carla.
            #expect(try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1")).status == .ok)
        }
    }

    @Test func theOpenIMISAliasAcceptsBasic() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("carla")
        try await world.run { client in
            let read = try await client.get("/api/api_fhir_r4/Patient/\(DemoDataset.UUIDs.johnDoe)",
                                            authorization: basicHeader("carla", "Secret-pass-1"))
            #expect(read.status == .ok)
            #expect(read.body["id"]?.string == DemoDataset.UUIDs.johnDoe)
            let search = try await client.get("/api/api_fhir_r4/Patient/", authorization: basicHeader("carla", "Secret-pass-1"))
            #expect(search.status == .ok)
            #expect(search.body["resourceType"]?.string == "Bundle")
            let none = try await client.get("/api/api_fhir_r4/Patient/", authorization: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == Self.plainChallenge)
        }
    }

    /// The codes of `rest.security.service` in `/fhir/metadata`.
    static func securityServices(_ client: any TestClientProtocol) async throws -> [String] {
        let statement = try await client.execute(uri: "/fhir/metadata", method: .get) { fhirBody($0) }
        let services = statement["rest"]?.array?.first?["security"]?["service"]?.array ?? []
        return services.compactMap { $0["coding"]?.array?.first?["code"]?.string }
    }

    @Test func theCapabilityStatementNamesBasicWhenItIsOn() async throws {
        let on = try await AuthTestWorld.make()
        try await on.run { client in
            let services = try await Self.securityServices(client)
            #expect(services == ["SMART-on-FHIR", "Basic"])
        }
        var configuration = ServerConfiguration()
        configuration.basicAuth = false
        let off = try await AuthTestWorld.make(configuration: configuration)
        try await off.run { client in
            let services = try await Self.securityServices(client)
            #expect(services == ["SMART-on-FHIR"])
        }
    }

    @Test func withBasicOffBasicIsRefusedAndNotOffered() async throws {
        var configuration = ServerConfiguration()
        configuration.basicAuth = false
        let world = try await AuthTestWorld.make(configuration: configuration)
        try await world.user("carla")
        try await world.run { client in
            let answer = try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1"))
            #expect(answer.status == .unauthorized)
            #expect(answer.headers[.wwwAuthenticate] == #"Bearer realm="imis-fhir""#)
            let none = try await client.get(Self.john, authorization: nil)
            #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="imis-fhir""#)
            let token = try await client.signIn("carla")
            #expect(try await client.status(Self.john, token: token) == .ok)
        }
    }

    @Test func onlyPasswordChecksSpendTheSignInBudgetOfTheAddress() async throws {
        var configuration = ServerConfiguration()
        // An hour per request regained: nothing comes back while the test runs, however slowly.
        configuration.rateLimit = try RateLimitRate(parsing: "3/h")
        let world = try await AuthTestWorld.make(configuration: configuration)
        try await world.user("carla")
        try await world.run { client in
            // The first request checks the password; the next reuse that verification.
            for _ in 1...10 {
                #expect(try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1")).status == .ok)
            }
            for name in ["nobody1", "nobody2"] {
                #expect(try await client.get(Self.john, authorization: basicHeader(name, "x")).status == .unauthorized)
            }
            let limited = try await client.get(Self.john, authorization: basicHeader("nobody3", "x"))
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(limited.body["resourceType"]?.string == "OperationOutcome")
            #expect(try await client.get(Self.john, authorization: basicHeader("carla", "Secret-pass-1")).status == .ok)
        }
    }

    @Test func aVerificationIsReusedForAMinuteOnlyAndForgottenOnAFailure() throws {
        let cache = BasicVerifications()
        let credentials = try #require(BasicCredentials(header: basicHeader("carla", "pass:word")))
        #expect(credentials.name == "carla")
        #expect(credentials.secret == "pass:word")
        let signIn = BasicSignIn(principal: .system(clientID: "c", scopes: []), subject: "client:c")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        cache.store(credentials, signIn: signIn, now: start)
        #expect(cache.cached(credentials, now: start.addingTimeInterval(59)) == signIn)
        let other = try #require(BasicCredentials(header: basicHeader("carla", "pass:words")))
        #expect(cache.cached(other, now: start) == nil)
        #expect(cache.cached(credentials, now: start.addingTimeInterval(60)) == nil)
        cache.store(credentials, signIn: signIn, now: start)
        cache.forget(name: "carla")
        #expect(cache.cached(credentials, now: start) == nil)
    }
}

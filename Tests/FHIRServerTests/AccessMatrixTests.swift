import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// Who may do what, through the real sign-in of each role: IMIS administrator, a clerk with some rights, two insurees
/// of different families, a system client with `system/Invoice.cru`, and a user with no rights at all.
@Suite("Access matrix")
struct AccessMatrixTests {
    enum Role: String, CaseIterable { case admin, clerk, insureeA, insureeB, system, noRights }

    static let zoe = "3c9a7e10-5b2d-4f1e-8a6c-000000000501"
    static let john = DemoDataset.UUIDs.johnDoe
    static let claim = DemoDataset.UUIDs.claim001
    static let invoice = DemoDataset.UUIDs.doeContributionInvoice
    /// An export job id no one has.
    static let job = "0123456789abcdef0123456789abcdef"

    /// (method, uri, expected status for admin, clerk, insuree A (Doe family), insuree B (Müller family), system client,
    /// a user without rights; a role left out of a row is not tried on it).
    /// Writes send an empty body: a caller that may write gets 400 for it, one that may not gets 403 first.
    static let matrix: [(HTTPRequest.Method, String, [Role: Int])] = [
        (.get, "/fhir/metadata", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 200, .system: 200]),
        (.get, "/fhir/Patient/\(john)", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/fhir/Patient/\(zoe)", [.admin: 200, .clerk: 200, .insureeA: 404, .insureeB: 200, .system: 403]),
        (.get, "/fhir/Patient/\(john)/_history", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/fhir/Patient/\(john)/_history/1", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/api/api_fhir_r4/Patient/\(DemoDataset.johnDoeCHFID)/", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/fhir/Patient", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 200, .system: 403]),
        (.post, "/fhir/Patient", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403]),
        (.put, "/fhir/Patient/\(john)", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403]),
        (.delete, "/fhir/Patient/\(zoe)", [.clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403]),
        (.get, "/fhir/Group/\(DemoDataset.UUIDs.doeFamily)", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/fhir/Coverage/\(DemoDataset.UUIDs.doePolicy)", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/fhir/Claim/\(claim)", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.get, "/fhir/ClaimResponse/\(claim)", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403]),
        (.post, "/fhir/Claim", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403]),
        (.get, "/fhir/Invoice/\(invoice)", [.admin: 200, .clerk: 403, .insureeA: 200, .insureeB: 404, .system: 200]),
        (.get, "/fhir/Invoice", [.admin: 200, .clerk: 403, .insureeA: 200, .insureeB: 200, .system: 200]),
        (.post, "/fhir/Invoice", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 400]),
        (.put, "/fhir/Invoice/\(invoice)", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 400]),
        (.get, "/fhir/PaymentNotice", [.admin: 200, .clerk: 403, .insureeA: 200, .insureeB: 200, .system: 403]),
        (.post, "/fhir/PaymentNotice", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403]),
        (.get, "/fhir/PaymentReconciliation", [.admin: 200, .clerk: 403, .insureeA: 404, .insureeB: 404, .system: 403]),
        (.get, "/fhir/Organization/\(DemoDataset.UUIDs.raptaDistrictHospital)", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 200, .system: 403]),
        (.get, "/fhir/InsurancePlan", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 200, .system: 403]),
        // Subscriptions: openIMIS's rights 158001-158004 or a system/Subscription scope; an insuree never.
        (.get, "/fhir/Subscription", [.admin: 200, .clerk: 403, .insureeA: 404, .insureeB: 404, .system: 403, .noRights: 403]),
        (.post, "/fhir/Subscription", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403, .noRights: 403]),
        (.get, "/fhir/Location", [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 200, .system: 403]),
        // Bulk export: a kick-off without `Prefer: respond-async` is 400 for whoever may read a type it holds (the
        // public master data, for a system export), else 403; a family's Group only for who may read it; jobs and
        // files only for their owner (none here: 404).
        (.get, "/fhir/$export", [.admin: 400, .clerk: 400, .insureeA: 400, .insureeB: 400, .system: 400, .noRights: 400]),
        (.post, "/fhir/$export", [.admin: 400, .clerk: 400, .insureeA: 400, .insureeB: 400, .system: 400, .noRights: 400]),
        (.get, "/fhir/Patient/$export", [.admin: 400, .clerk: 400, .insureeA: 400, .insureeB: 400, .system: 400, .noRights: 403]),
        (.get, "/fhir/Group/\(DemoDataset.UUIDs.doeFamily)/$export",
         [.admin: 400, .clerk: 400, .insureeA: 400, .insureeB: 404, .system: 404, .noRights: 403]),
        (.get, "/fhir/$export-poll-status/\(Self.job)",
         [.admin: 404, .clerk: 404, .insureeA: 404, .insureeB: 404, .system: 404, .noRights: 404]),
        (.delete, "/fhir/$export-poll-status/\(Self.job)",
         [.admin: 404, .clerk: 404, .insureeA: 404, .insureeB: 404, .system: 404, .noRights: 404]),
        (.get, "/fhir/$export-file/\(Self.job)/Patient-1.ndjson",
         [.admin: 404, .clerk: 404, .insureeA: 404, .insureeB: 404, .system: 404, .noRights: 404]),
        // Policies and eligibility: openIMIS's policy rights (101201 search and eligibility, 101202 add), never
        // "signed in is enough".
        (.get, "/fhir/Patient/\(john)", [.noRights: 403]),
        (.get, "/fhir/Coverage/\(DemoDataset.UUIDs.doePolicy)", [.noRights: 403]),
        (.get, "/fhir/Contract/\(DemoDataset.UUIDs.doePolicy)",
         [.admin: 200, .clerk: 200, .insureeA: 200, .insureeB: 404, .system: 403, .noRights: 403]),
        (.post, "/fhir/Contract", [.admin: 400, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403, .noRights: 403]),
        (.post, "/fhir/CoverageEligibilityRequest",
         [.admin: 400, .clerk: 400, .insureeA: 403, .insureeB: 403, .system: 403, .noRights: 403]),
        // Self-enrolment: open to everyone (the app enrols signed out); an enrolment is reached by its random id only,
        // so no caller reaches one it was not given, and none is the demo families'.
        (.post, "/membership/enrollment", [.admin: 400, .clerk: 400, .insureeA: 400, .insureeB: 400, .system: 400, .noRights: 400]),
        (.post, "/api/membership/enrollment/", [.admin: 400, .insureeA: 400, .system: 400]),
        (.get, "/membership/enrollment/\(DemoDataset.UUIDs.doeFamily)", [.admin: 404, .clerk: 404, .insureeA: 404, .insureeB: 404, .system: 404]),
        (.post, "/membership/enrollment/\(DemoDataset.UUIDs.doePolicy)/paypal/capture", [.admin: 404, .insureeA: 404, .insureeB: 404, .system: 404]),
    ]

    /// The users and the system client of the roles; the client's secret.
    func accounts(_ world: AuthTestWorld) async throws -> String {
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.user("carla")
        try await world.user("nemo", roles: [])
        return try await world.client("payments", scope: "system/Invoice.cru")
    }

    /// The `Authorization` of each role as HTTP Basic credentials (RFC 7617), checked like the password grant.
    func basicCredentials(_ world: AuthTestWorld) async throws -> [Role: String] {
        let secret = try await accounts(world)
        let pairs: [Role: (String, String)] = [
            .admin: (DemoDataset.Accounts.admin.username, DemoDataset.Accounts.admin.password), .clerk: ("carla", "Secret-pass-1"),
            .insureeA: (DemoDataset.Accounts.johnDoe.username, DemoDataset.Accounts.johnDoe.password),
            .insureeB: ("zoe", "Secret-pass-1"), .system: ("payments", secret), .noRights: ("nemo", "Secret-pass-1"),
        ]
        return pairs.mapValues { "Basic " + Data("\($0.0):\($0.1)".utf8).base64EncodedString() }
    }

    /// A token per role, each obtained from the token endpoint.
    func tokens(_ world: AuthTestWorld, _ client: any TestClientProtocol) async throws -> [Role: String] {
        let secret = try await accounts(world)
        let (_, _, system) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payments"), ("client_secret", secret)])
        return [
            .admin: try await client.signIn(DemoDataset.Accounts.admin.username, password: DemoDataset.Accounts.admin.password),
            .clerk: try await client.signIn("carla"),
            .insureeA: try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password),
            .insureeB: try await client.signIn("zoe"),
            .system: try #require(system["access_token"]?.string),
            .noRights: try await client.signIn("nemo"),
        ]
    }

    /// The same decisions whether the caller presents a token or, as openIMIS's clients may, HTTP Basic credentials.
    @Test(arguments: [false, true])
    func everyRoleGetsTheExpectedStatusOnEveryRoute(basic: Bool) async throws {
        let world = try await AuthTestWorld.make(configuration: exportConfiguration())
        try await world.run { client in
            let authorization = basic
                ? try await basicCredentials(world) : try await tokens(world, client).mapValues { "Bearer \($0)" }
            for (method, uri, expected) in Self.matrix {
                for role in Role.allCases {
                    guard let status = expected[role] else { continue }
                    let headers: HTTPFields = [.authorization: authorization[role]!, .contentType: "application/fhir+json"]
                    let body = method == .post || method == .put ? ByteBuffer(string: "{}") : nil
                    let response = try await client.execute(uri: uri, method: method, headers: headers, body: body) { $0 }
                    #expect(Int(response.status.code) == status, "\(role) \(method) \(uri) basic: \(basic)")
                    // The FHIR rows answer FHIR; the membership rows their own JSON.
                    if !uri.contains("/membership/") { _ = fhirBody(response) }
                }
            }
        }
    }

    @Test func anInsureeSearchesOnlyItsOwnFamily() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let tokens = try await tokens(world, client)
            func ids(_ uri: String, _ role: Role) async throws -> Set<String> {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(tokens[role]!)"]) {
                    Set(entryIDs(fhirBody($0)))
                }
            }
            #expect(try await ids("/fhir/Patient", .insureeA) == [DemoDataset.UUIDs.johnDoe, DemoDataset.UUIDs.janeDoe])
            #expect(try await ids("/fhir/Patient?name=Müller", .insureeA) == [])
            #expect(try await ids("/fhir/Patient?identifier=100000001", .insureeA) == [])
            #expect(try await ids("/fhir/Patient", .insureeB).count == 3)
            #expect(try await ids("/fhir/Patient?_id=\(DemoDataset.UUIDs.johnDoe)", .insureeB) == [])
            #expect(try await ids("/fhir/Claim", .insureeA) == [DemoDataset.UUIDs.claim001])
            #expect(try await ids("/fhir/Claim", .insureeB) == [])
            #expect(try await ids("/fhir/Invoice", .insureeA) == [DemoDataset.UUIDs.doeContributionInvoice])
            #expect(try await ids("/fhir/Invoice", .insureeB) == [])
            #expect(try await ids("/fhir/Group", .insureeB).contains(DemoDataset.UUIDs.doeFamily) == false)
            #expect(try await ids("/fhir/Patient", .admin).count > 5)
            // Included resources stay inside the family too.
            let included = try await ids("/fhir/Patient?_revinclude=Claim:patient", .insureeB)
            #expect(!included.contains(DemoDataset.UUIDs.claim001))
        }
    }

    @Test func bundleEntriesAreCheckedAsTheirCaller() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let tokens = try await tokens(world, client)
            func post(_ type: String) async throws -> (Int, JSON) {
                let bundle = """
                    {"resourceType":"Bundle","type":"\(type)","entry":[
                      {"request":{"method":"GET","url":"Invoice/\(Self.invoice)"}},
                      {"request":{"method":"GET","url":"Patient/\(Self.john)"}}]}
                    """
                return try await client.execute(uri: "/fhir", method: .post,
                                                headers: [.authorization: "Bearer \(tokens[.system]!)", .contentType: "application/fhir+json"],
                                                body: ByteBuffer(string: bundle)) { (Int($0.status.code), fhirBody($0)) }
            }
            let (batchStatus, batch) = try await post("batch")
            #expect(batchStatus == 200)
            #expect(batch["entry"]?.array?.map { $0["response"]?["status"]?.string ?? "" } == ["200 OK", "403 Forbidden"])
            let (transactionStatus, _) = try await post("transaction")
            #expect(transactionStatus == 403)
            let anonymous = try await client.execute(uri: "/fhir", method: .post, headers: [.contentType: "application/fhir+json"],
                                                     body: ByteBuffer(string: #"{"resourceType":"Bundle","type":"batch"}"#)) { $0.status }
            #expect(anonymous == .unauthorized)
        }
    }

    /// A conditional create that matches answers with the match, which is a read of it: a caller who may create
    /// Patients but not read them learns only that the condition matched, alone and as a batch entry.
    @Test func aConditionalCreateShowsTheMatchOnlyToWhoMayReadIt() async throws {
        let world = try await AuthTestWorld.make()
        let secret = try await world.client("enrolment-app", scope: "system/Patient.c")
        try await world.run { client in
            let (_, _, grant) = try await client.token(
                [("grant_type", "client_credentials"), ("client_id", "enrolment-app"), ("client_secret", secret)])
            let writer = try #require(grant["access_token"]?.string)
            let body = ByteBuffer(string: WriteTests().newPatient(chfid: DemoDataset.johnDoeCHFID))
            func post(_ token: String) async throws -> (HTTPResponse.Status, HTTPFields, JSON) {
                try await client.execute(
                    uri: "/fhir/Patient", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/fhir+json",
                              HTTPField.Name("If-None-Exist")!: "identifier=\(DemoDataset.johnDoeCHFID)"],
                    body: body) { ($0.status, $0.headers, fhirBody($0)) }
            }
            let (status, headers, answer) = try await post(writer)
            #expect(status == .ok)
            #expect(answer["resourceType"]?.string == "OperationOutcome")
            #expect(headers[.location] == nil)
            #expect(answer["issue"]?.array?.first?["severity"]?.string == "information")
            // The administrator may read it, and gets it.
            let (adminStatus, _, match) = try await post(adminToken)
            #expect(adminStatus == .ok)
            #expect(match["id"]?.string == Self.john)
            // As a batch entry: no resource, no fullUrl.
            let batch = #"{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=\#(DemoDataset.johnDoeCHFID)"},"resource":\#(WriteTests().newPatient(chfid: DemoDataset.johnDoeCHFID))}]}"#
            let entry = try await client.execute(
                uri: "/fhir", method: .post,
                headers: [.authorization: "Bearer \(writer)", .contentType: "application/fhir+json"],
                body: ByteBuffer(string: batch)) { fhirBody($0)["entry"]?.array?.first }
            #expect(entry?["response"]?["status"]?.string == "200 OK")
            #expect(entry?["resource"] == nil)
            #expect(entry?["fullUrl"] == nil)
            #expect(entry?["response"]?["outcome"]?["resourceType"]?.string == "OperationOutcome")
        }
    }

    /// A subscription leaves the server only to who may read subscriptions: by id, by search, through the alias
    /// and as a batch entry.
    @Test func aSubscriptionIsReadOnlyByWhoMayReadSubscriptions() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let tokens = try await tokens(world, client)
            let (created, subscription) = try await SubscriptionTests.create(client, SubscriptionTests.body(), token: tokens[.admin]!)
            #expect(created == .created)
            let id = try #require(subscription["id"]?.string)
            let expected: [Role: Int] = [.admin: 200, .clerk: 403, .insureeA: 404, .insureeB: 404, .system: 403, .noRights: 403]
            for uri in ["/fhir/Subscription/\(id)", "/api/api_fhir_r4/Subscription/\(id)/", "/fhir/Subscription?_id=\(id)"] {
                for (role, status) in expected {
                    let answer = try await client.execute(uri: uri, method: .get,
                                                          headers: [.authorization: "Bearer \(tokens[role]!)"]) { $0 }
                    #expect(Int(answer.status.code) == status, "\(role) \(uri)")
                    #expect(fhirBody(answer)["resourceType"]?.string != "Subscription" || status == 200)
                }
            }
            let bundle = #"{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Subscription/\#(id)"}}]}"#
            for (role, status) in expected {
                let entry = try await client.execute(
                    uri: "/fhir", method: .post,
                    headers: [.authorization: "Bearer \(tokens[role]!)", .contentType: "application/fhir+json"],
                    body: ByteBuffer(string: bundle)) { fhirBody($0)["entry"]?.array?.first }
                #expect(entry?["response"]?["status"]?.string?.hasPrefix("\(status)") == true, "\(role) batch")
                #expect((entry?["resource"] != nil) == (status == 200), "\(role) batch")
            }
            // Its events need the rights of reading it; a resend those of updating it.
            for uri in ["/fhir/Subscription/\(id)/$events", "/api/api_fhir_r4/Subscription/\(id)/$events"] {
                for (role, status) in expected {
                    let answer = try await client.execute(uri: uri, method: .get,
                                                          headers: [.authorization: "Bearer \(tokens[role]!)"]) { $0 }
                    #expect(Int(answer.status.code) == status, "\(role) \(uri)")
                    #expect(fhirBody(answer)["resourceType"]?.string == (status == 200 ? "Parameters" : "OperationOutcome"))
                }
            }
            let resend: [Role: Int] = [.admin: 200, .clerk: 403, .insureeA: 403, .insureeB: 403, .system: 403, .noRights: 403]
            for uri in ["/fhir/Subscription/\(id)/$resend", "/api/api_fhir_r4/Subscription/\(id)/$resend"] {
                for (role, status) in resend {
                    let answer = try await client.execute(uri: uri, method: .post,
                                                          headers: [.authorization: "Bearer \(tokens[role]!)"]) { $0 }
                    #expect(Int(answer.status.code) == status, "\(role) POST \(uri)")
                }
            }
        }
    }
}

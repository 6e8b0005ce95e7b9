import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Subscription through HTTP: create, read, update, delete and search; criteria checked by the search layer;
/// openIMIS's module form on the alias; safe endpoints; the secret answered once; who may use it.
@Suite struct SubscriptionTests {
    static let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]
    static let secretURL = "urn:imis-fhir:StructureDefinition/subscription-secret"

    /// A Subscription body; `extra` members are added at the top level, `payload` to the channel.
    static func body(criteria: String = "Invoice?status=balanced", endpoint: String = "https://payments.example.org/hook",
                     status: String = "requested", headers: [String]? = ["Authorization: Bearer abc"],
                     channelType: String = "rest-hook", payload: String? = nil, extra: String = "") -> ByteBuffer {
        let headerJSON = headers.map { list in
            ", \"header\": [" + list.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\r", with: "\\r")
                .replacingOccurrences(of: "\n", with: "\\n") + "\"" }.joined(separator: ", ") + "]"
        } ?? ""
        let payloadJSON = payload.map { ", \"payload\": \"\($0)\"" } ?? ""
        return ByteBuffer(string: """
            {"resourceType": "Subscription", "status": "\(status)", "reason": "payments", "criteria": "\(criteria)",
             "channel": {"type": "\(channelType)", "endpoint": "\(endpoint)"\(headerJSON)\(payloadJSON)}\(extra)}
            """)
    }

    /// POSTs `body` to `base`/Subscription; the status and the body (checked valid FHIR).
    static func create(_ client: some TestClientProtocol, _ body: ByteBuffer, base: String = "/fhir",
                       token: String = adminToken) async throws -> (HTTPResponse.Status, JSON) {
        try await client.fhir(uri: "\(base)/Subscription", method: .post,
                              headers: [.contentType: "application/fhir+json", .authorization: "Bearer \(token)"],
                              body: body) { ($0.status, fhirBody($0)) }
    }

    /// The secret extension's value in a served Subscription, if any.
    static func secret(_ resource: JSON) -> String? {
        resource["extension"]?.array?.first { $0["url"]?.string == secretURL }?["valueString"]?.string
    }

    /// The diagnostics of an OperationOutcome's first issue.
    static func diagnostics(_ outcome: JSON) -> String { outcome["issue"]?.array?.first?["diagnostics"]?.string ?? "" }

    /// The stored record of `id` in the served database (the delivery mode is not part of the resource).
    static func record(_ backend: TestBackend, _ id: String) async throws -> SubscriptionRecord? {
        let storage: Storage = backend.postgres.map { Storage.postgres($0) } ?? Storage.sqlite(backend.sqlite)
        return try await storage.subscriptions?.subscription(id: id)
    }

    @Test func createAnswersActiveWithTheSecretOnceThenReadUpdateAndDelete() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (status, created) = try await Self.create(client, Self.body())
            #expect(status == .created)
            #expect(created["status"]?.string == "active")
            #expect(created["meta"]?["versionId"]?.string == "1")
            let secret = try #require(Self.secret(created))
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            #expect(created["channel"]?["header"]?.array?.first?.string == "Authorization: Bearer abc")
            let id = try #require(created["id"]?.string)

            let read = try await client.getJSON("/fhir/Subscription/\(id)")
            #expect(read["status"]?.string == "active")
            #expect(Self.secret(read) == nil)
            #expect(read["extension"] == nil)

            let off = Self.body(status: "off", extra: ", \"id\": \"\(id)\"")
            let updated = try await client.fhir(uri: "/fhir/Subscription/\(id)", method: .put, headers: Self.fhirJSON, body: off) {
                #expect($0.status == .ok)
                return fhirBody($0)
            }
            #expect(updated["status"]?.string == "off")
            #expect(updated["meta"]?["versionId"]?.string == "2")
            #expect(Self.secret(updated) == nil)
            let search = try await client.getJSON("/fhir/Subscription?_id=\(id)")
            #expect(entryIDs(search) == [id])
            #expect(search["entry"]?.array?.first.map { Self.secret($0["resource"] ?? .null) } == .some(nil))

            let deleted = try await client.fhir(uri: "/fhir/Subscription/\(id)", method: .delete) { $0.status }
            #expect(deleted == .noContent)
            _ = try await client.getJSON("/fhir/Subscription/\(id)", status: .gone)
            #expect(try await client.entryIDs("/fhir/Subscription") == [])
        }
    }

    @Test func searchByStatusURLCriteriaAndType() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (_, a) = try await Self.create(client, Self.body(criteria: "Invoice?status=balanced", endpoint: "https://a.example.org/h"))
            let (_, b) = try await Self.create(client, Self.body(criteria: "Coverage?status=active", endpoint: "https://b.example.org/h",
                                                                  status: "off"))
            let idA = try #require(a["id"]?.string)
            let idB = try #require(b["id"]?.string)
            #expect(try await client.entryIDs("/fhir/Subscription?status=active") == [idA])
            #expect(try await client.entryIDs("/fhir/Subscription?status=off") == [idB])
            #expect(try await client.entryIDs("/fhir/Subscription?url=https://b.example.org/h") == [idB])
            #expect(try await client.entryIDs("/fhir/Subscription?url=https://b.example.org") == [])
            #expect(try await client.entryIDs("/fhir/Subscription?criteria=Coverage") == [idB])
            #expect(try await client.entryIDs("/fhir/Subscription?type=rest-hook&_sort=_lastUpdated") == [idA, idB])
            #expect(try await client.entryIDs("/fhir/Subscription?type=websocket") == [])
            let paged = try await client.getJSON("/fhir/Subscription?_count=1")
            #expect(entryIDs(paged) == [idA])
            let next = try #require(paged["link"]?.array?.first { $0["relation"]?.string == "next" }?["url"]?.string)
            let path = try #require(URLComponents(string: next)).percentEncodedPath + "?" + (URLComponents(string: next)?.percentEncodedQuery ?? "")
            #expect(try await client.entryIDs(path) == [idB])
        }
    }

    @Test func criteriaInSearchFormOfEveryFollowedTypeAreAccepted() async throws {
        let (app, _) = try await makeTestApplication()
        let accepted = [
            "Invoice?type=contribution", "Invoice?status=balanced", "Invoice?date=ge2024-01-01&status=issued", "PaymentNotice?payment-status=paid",
            "Coverage?status=active", "Contract", "Claim?_lastUpdated=gt2024-01-01", "ClaimResponse",
            "Patient?identifier=100000001", "Group", "Organization", "Invoice?",
        ]
        try await app.test(.router) { client in
            for criteria in accepted {
                let (status, answer) = try await Self.create(client, Self.body(criteria: criteria))
                #expect(status == .created, "\(criteria): \(Self.diagnostics(answer))")
            }
        }
    }

    @Test func criteriaOutsideTheSearchLayerAreRefusedNamingTheParameter() async throws {
        let (app, _) = try await makeTestApplication()
        let refused: [(String, String)] = [
            ("Location?name=x", "Location"), ("Observation", "Observation"), ("Patient?shoe-size=42", "shoe-size"),
            ("Invoice?status:bogus=balanced", "bogus"), ("Invoice?date=yesterday", "date"), ("Coverage?status=", "status"),
            ("Invoice?_count=5", "_count"), ("Invoice?_lastUpdated=soon", "_lastUpdated"), ("Invoice?_format=json", "_format"),
            ("Invoice?page-offset=2", "page-offset"), ("resourceType=Location", "Location"),
            ("Invoice?status=balanced&_lastUpdated=gt2024-01-01&_lastUpdated=never", "_lastUpdated"),
        ]
        try await app.test(.router) { client in
            for (criteria, named) in refused {
                let (status, outcome) = try await Self.create(client, Self.body(criteria: criteria))
                #expect(status == .unprocessableContent, "\(criteria)")
                #expect(outcome["resourceType"]?.string == "OperationOutcome")
                #expect(Self.diagnostics(outcome).contains(named), "\(criteria): \(Self.diagnostics(outcome))")
            }
        }
    }

    @Test func openIMISModuleFormIsAcceptedAsWrittenAndSelectsOpenIMISMode() async throws {
        let (app, backend) = try await makeTestApplication()
        try await app.test(.router) { client in
            let jsonHeader = #"{\"Authorization\": \"Bearer abc\", \"X-Channel\": \"invoices\"}"#
            let onAlias = ByteBuffer(string: """
                {"resourceType": "Subscription", "status": "active", "reason": "Invoice", "criteria": "resourceType=Invoice",
                 "end": "2999-01-01T00:00:00+00:00",
                 "channel": {"type": "rest-hook", "endpoint": "https://openhim.example.org/invoices", "header": ["\(jsonHeader)"]}}
                """)
            let (status, created) = try await Self.create(client, onAlias, base: "/api/api_fhir_r4")
            #expect(status == .created)
            #expect(created["criteria"]?.string == "resourceType=Invoice")
            #expect(created["channel"]?["header"]?.array?.first?.string == #"{"Authorization": "Bearer abc", "X-Channel": "invoices"}"#)
            let aliasID = try #require(created["id"]?.string)
            #expect(try await Self.record(backend, aliasID)?.mode == "openimis")

            // Bare type on /fhir: openIMIS form, hence openIMIS mode; the same subscription in R4 form is R4 mode.
            let (_, bare) = try await Self.create(client, Self.body(criteria: "Invoice"))
            #expect(try await Self.record(backend, try #require(bare["id"]?.string))?.mode == "openimis")
            let (_, r4) = try await Self.create(client, Self.body(criteria: "Invoice?status=balanced"))
            #expect(try await Self.record(backend, try #require(r4["id"]?.string))?.mode == "r4")
            let profiled = Self.body(extra: #", "meta": {"profile": ["https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/openimis-subscription"]}"#)
            let (_, viaProfile) = try await Self.create(client, profiled)
            #expect(try await Self.record(backend, try #require(viaProfile["id"]?.string))?.mode == "openimis")
            // Created through the alias, it stays in openIMIS mode when updated on /fhir in R4 form.
            let update = Self.body(criteria: "Invoice?status=balanced", extra: ", \"id\": \"\(aliasID)\"")
            let updated = try await client.fhir(uri: "/fhir/Subscription/\(aliasID)", method: .put, headers: Self.fhirJSON, body: update) { $0.status }
            #expect(updated == .ok)
            #expect(try await Self.record(backend, aliasID)?.mode == "openimis")
        }
    }

    @Test func anEndedSubscriptionReadsOff() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let (status, created) = try await Self.create(client, Self.body(extra: #", "end": "2020-01-01T00:00:00Z""#))
            #expect(status == .created)
            #expect(created["status"]?.string == "off")
            #expect(created["end"]?.string == "2020-01-01T00:00:00Z")
            #expect(try await client.entryIDs("/fhir/Subscription?status=off") == [try #require(created["id"]?.string)])
        }
    }

    @Test func channelStatusAndErrorRulesAreEnforced() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let refused: [(ByteBuffer, String)] = [
                (Self.body(channelType: "websocket"), "rest-hook"),
                (Self.body(status: "error"), "status"),
                (Self.body(extra: #", "error": "it broke""#), "error"),
                (Self.body(payload: "application/xml"), "payload"),
            ]
            for (body, named) in refused {
                let (status, outcome) = try await Self.create(client, body)
                #expect(status == .unprocessableContent, "\(named)")
                #expect(Self.diagnostics(outcome).contains(named), "\(Self.diagnostics(outcome))")
            }
            let noEndpoint = ByteBuffer(string: """
                {"resourceType": "Subscription", "status": "active", "reason": "r", "criteria": "Invoice", "channel": {"type": "rest-hook"}}
                """)
            let (status, outcome) = try await Self.create(client, noEndpoint)
            #expect(status == .unprocessableContent)
            #expect(Self.diagnostics(outcome).contains("endpoint"))
        }
    }

    @Test func headerLinesAreKeptAndUnsafeOnesRefused() async throws {
        let (app, _) = try await makeTestApplication()
        let refused: [[String]] = [
            ["Host: evil.example.org"], ["Content-Length: 5"], ["X-A: b\r\nX-B: c"], ["X-A: b\nX-B: c"], ["NoColon"],
            ["Bad Name: x"], [#"{"Host": "evil.example.org"}"#], [#"{"X-A": "b\r\nX-B: c"}"#], [#"{"X-A": 5}"#], ["{not json"],
            ["webhook-signature: v1,forged"],
        ]
        try await app.test(.router) { client in
            for headers in refused {
                let (status, outcome) = try await Self.create(client, Self.body(headers: headers))
                #expect(status == .unprocessableContent, "\(headers)")
                #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "Subscription.channel.header"
                        || Self.diagnostics(outcome).contains("header"), "\(headers): \(Self.diagnostics(outcome))")
            }
            let kept = ["Authorization: Bearer abc", "X-Tenant:  north "]
            let (status, created) = try await Self.create(client, Self.body(headers: kept))
            #expect(status == .created)
            #expect(created["channel"]?["header"]?.array?.compactMap(\.string) == kept)
        }
    }

    @Test func aSuppliedSecretIsAnsweredOnceAndCannotBeChangedByUpdate() async throws {
        let (app, backend) = try await makeTestApplication()
        let supplied = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let withSecret = #", "extension": [{"url": "\#(Self.secretURL)", "valueString": "\#(supplied)"}]"#
        try await app.test(.router) { client in
            let (status, created) = try await Self.create(client, Self.body(extra: withSecret))
            #expect(status == .created)
            #expect(Self.secret(created) == supplied)
            let id = try #require(created["id"]?.string)
            #expect(try await Self.record(backend, id)?.secret == supplied)
            #expect(Self.secret(try await client.getJSON("/fhir/Subscription/\(id)")) == nil)
            let rotate = Self.body(extra: withSecret + ", \"id\": \"\(id)\"")
            let answer = try await client.fhir(uri: "/fhir/Subscription/\(id)", method: .put, headers: Self.fhirJSON, body: rotate) {
                ($0.status, fhirBody($0))
            }
            #expect(answer.0 == .unprocessableContent)
            #expect(Self.diagnostics(answer.1).contains("secret"))
            for bad in ["not-a-secret", "whsec_short", "whsec_" + Data(count: 8).base64EncodedString()] {
                let extra = #", "extension": [{"url": "\#(Self.secretURL)", "valueString": "\#(bad)"}]"#
                let (refused, outcome) = try await Self.create(client, Self.body(extra: extra))
                #expect(refused == .unprocessableContent, "\(bad)")
                #expect(Self.diagnostics(outcome).contains("secret"))
            }
        }
    }

    @Test func aTransactionThatFailsLeavesNoSubscriptionAndOneThatSucceedsKeepsIt() async throws {
        let (app, _) = try await makeTestApplication()
        @Sendable func entry(_ criteria: String) -> String {
            TransactionTests.entry("POST", "Subscription", resource: String(buffer: Self.body(criteria: criteria)))
        }
        try await app.test(.router) { client in
            let failing = TransactionTests.bundle("transaction", [entry("Invoice?status=balanced"), entry("Invoice?nope=1")])
            let refused = try await client.fhir(uri: "/fhir", method: .post, headers: Self.fhirJSON, body: failing) {
                ($0.status, fhirBody($0))
            }
            #expect(refused.0 == .unprocessableContent)
            #expect(Self.diagnostics(refused.1).contains("nope"))
            #expect(try await client.entryIDs("/fhir/Subscription") == [])
            let passing = TransactionTests.bundle("transaction", [entry("Invoice?status=balanced")])
            let answer = try await client.fhir(uri: "/fhir", method: .post, headers: Self.fhirJSON, body: passing) {
                ($0.status, fhirBody($0))
            }
            #expect(answer.0 == .ok)
            #expect(try await client.entryIDs("/fhir/Subscription").count == 1)
        }
    }
}

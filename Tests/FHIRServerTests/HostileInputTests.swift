import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// The requests that trapped the process or answered 5xx, each answered with a clear 4xx now (security.md, "Input
/// and transport"). The fuzz test (FuzzTests) found most of them; these keep each one in plain sight.
@Suite struct HostileInputTests {
    static let fhirHeaders: HTTPFields = [.contentType: "application/fhir+json"]

    /// The status and the parsed body of a request as `token`'s holder.
    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String = adminToken,
              headers: HTTPFields = fhirHeaders, body: String? = nil) async throws -> (Int, JSON) {
        var headers = headers
        headers[.authorization] = "Bearer \(token)"
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            (Int(response.status.code), (try? JSONParser.parse(Array(buffer: response.body))) ?? .null)
        }
    }

    /// A search parameter whose name is colons only (or an encoded colon) trapped `SearchQuery.parse` on `parts[0]`.
    @Test func searchParameterWithoutANameAnswers400() async throws {
        let (app, _) = try await makeTestApplication()
        let insuree = testToken(uid: 3, scope: "patient/*.rs")
        try await app.test(.router) { client in
            for uri in ["/fhir/Organization?:=1", "/fhir/Patient?::=x", "/fhir/Patient?%3A%3A=x", "/fhir/Location?:x=1",
                        "/api/api_fhir_r4/Organization?:=1"] {
                for token in [adminToken, insuree] {
                    let (status, outcome) = try await send(client, .get, uri, token: token)
                    #expect(status == 400, "\(uri)")
                    #expect(outcome["resourceType"]?.string == "OperationOutcome", "\(uri)")
                }
            }
            let (form, _) = try await send(client, .post, "/fhir/Patient/_search", headers: [.contentType: "application/x-www-form-urlencoded"],
                                           body: "%3A=1")
            #expect(form == 400)
            var conditional = Self.fhirHeaders
            conditional[.ifNoneExist] = ":=1"
            let (created, _) = try await send(client, .post, "/fhir/Patient", headers: conditional, body: #"{"resourceType":"Patient"}"#)
            #expect(created == 400)
            let batch = #"{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Organization?::=x"}}]}"#
            let (status, answer) = try await send(client, .post, "/fhir", body: batch)
            #expect(status == 200)
            #expect(answer["entry"]?.array?.first?["response"]?["status"]?.string?.hasPrefix("400") == true)
        }
    }

    /// `page-offset` times `_count` overflowed `Int` (a trap); past the limit it is refused, up to it it pages.
    @Test func pageOffsetPastItsLimitAnswers400() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for type in ["Patient", "Organization", "Invoice", "PaymentReconciliation"] {
                for offset in ["9223372036854775807", "4611686018427387904", "100001"] {
                    let (status, outcome) = try await send(client, .get, "/api/api_fhir_r4/\(type)?_count=1000&page-offset=\(offset)")
                    #expect(status == 400, "\(type) page \(offset)")
                    #expect(outcome["resourceType"]?.string == "OperationOutcome")
                }
                let (status, bundle) = try await send(client, .get, "/api/api_fhir_r4/\(type)?_count=1000&page-offset=100000")
                #expect(status == 200, "\(type) at the last page allowed")
                #expect(entryIDs(bundle).isEmpty)
            }
        }
    }

    /// A NUL (`%00`, `\u0000`) reached PostgreSQL, which refuses it in text (SQLSTATE 22021): 500 there. No id,
    /// code, search value or credential holds one; each surface refuses it in its own shape, on both engines.
    @Test func nulCharactersAreRefusedBeforeTheStore() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for uri in ["/fhir/Patient/x%00y", "/fhir/Invoice/%00/_history", "/fhir/Patient/x%00y/_history/1"] {
                let (status, outcome) = try await send(client, .get, uri)
                #expect(status == 404, "\(uri)")
                #expect(outcome["resourceType"]?.string == "OperationOutcome", "\(uri)")
            }
            let nulCursor = RowCursor(key: "\u{0}", id: 1).token
            let nestedNulCursor = RowCursor(key: nulCursor, id: 0).token
            for uri in ["/fhir/Patient?family=%00", "/fhir/PractitionerRole?practitioner=a%00b", "/fhir/Patient?a%00=1",
                        "/fhir/Patient?_cursor=\(nulCursor)", "/fhir/Invoice?_before=\(nulCursor)", "/fhir/Organization?_cursor=\(nestedNulCursor)"] {
                let (status, outcome) = try await send(client, .get, uri)
                #expect(status == 400, "\(uri)")
                #expect(outcome["resourceType"]?.string == "OperationOutcome", "\(uri)")
            }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            for (uri, body) in [("/auth/token", "grant_type=password&username=admin%00&password=x"), ("/auth/otp/resend", "otp_id=%00"),
                                ("/api/api_fhir_r4/login", "username=%00&password=x")] {
                let (status, answer) = try await send(client, .post, uri, headers: form, body: body)
                #expect(status == 400, "\(uri)")
                #expect(answer["error"]?.string == "invalid_request", "\(uri)")
            }
            let json: HTTPFields = [.contentType: "application/json"]
            let (login, message) = try await send(client, .post, "/api/membership/login", headers: json, body: #"{"username":"a\u0000","password":"x"}"#)
            #expect(login == 400)
            #expect(message["message"]?.string != nil)
            let (push, pushError) = try await send(client, .delete, "/membership/push-tokens/%00")
            #expect(push == 400)
            #expect(pushError["error"]?.string == "invalid_request")
            for uri in ["/api/membership/insuree-information?insuree=%00", "/api/membership/card/x%00y"] {
                let (status, answer) = try await send(client, .get, uri)
                #expect(status == 400, "\(uri)")
                #expect(answer["message"]?.string != nil, "\(uri)")
            }
            let basic = "Basic " + Data("fuzz%00:secret".utf8).base64EncodedString()
            let (client401, clientError) = try await client.execute(
                uri: "/auth/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .authorization: basic],
                body: ByteBuffer(string: "grant_type=client_credentials")
            ) { response in (Int(response.status.code), (try? JSONParser.parse(Array(buffer: response.body))) ?? .null) }
            #expect(client401 == 401)
            #expect(clientError["error"]?.string == "invalid_client")
        }
    }

    /// A NUL in a resource's string is not FHIR (datatypes.html#string): 400 at its path, and nothing stored
    /// (PostgreSQL refused it with a 500).
    @Test func nulCharactersInAResourceAnswer400() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for family in ["Do\\u0000e", "\\u0000", "Doe\\u0000"] {
                let body = #"{"resourceType":"Patient","name":[{"family":"\#(family)"}]}"#
                let (status, outcome) = try await send(client, .post, "/fhir/Patient", body: body)
                #expect(status == 400, "\(family)")
                #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == "Patient.name[0].family", "\(family)")
            }
        }
    }

    /// An error that quotes a client's control characters (an id, a `_format`) is still a valid OperationOutcome.
    @Test func errorsQuotingControlCharactersStayValidFHIR() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for (uri, expected) in [("/fhir/metadata?_format=%01", 406), ("/fhir/Patient%00", 404), ("/fhir/Patient/a%01b", 404),
                                    ("/fhir/Patient/x%00y/_history/1", 404)] {
                try await client.fhir(uri: uri, method: .get) { response in
                    #expect(Int(response.status.code) == expected, "\(uri)")
                    #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome", "\(uri)")
                }
            }
        }
    }

    /// The alias's sign-in refuses other methods as the token endpoint does: RFC 6749 JSON, with `Allow`.
    @Test func aliasLoginRefusesOtherMethodsAsTheTokenEndpointDoes() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for method in [HTTPRequest.Method.get, .put, .delete] {
                try await client.execute(uri: "/api/api_fhir_r4/login", method: method) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "POST")
                    let json = try JSONParser.parse(Array(buffer: response.body))
                    #expect(json["error"]?.string == "invalid_request")
                }
            }
        }
    }
}

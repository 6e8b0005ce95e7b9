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
}

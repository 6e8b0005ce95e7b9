import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Malformed batch and transaction Bundles, and malformed entries: 400, never 5xx.
extension TransactionTests {
    static let malformed: [(String, String)] = [
        ("not JSON", "{"),
        ("not a Bundle", #"{"resourceType": "Patient"}"#),
        ("a searchset", #"{"resourceType": "Bundle", "type": "searchset"}"#),
        ("no request", #"{"resourceType": "Bundle", "type": "TYPE", "entry": [{"fullUrl": "urn:uuid:1"}]}"#),
        (
            "a bad method",
            #"{"resourceType": "Bundle", "type": "TYPE", "entry": [{"request": {"method": "FETCH", "url": "Patient"}}]}"#
        ),
        (
            "an unknown element",
            #"{"resourceType": "Bundle", "type": "TYPE", "entry": [{"request": {"method": "GET", "url": "Patient", "verb": 1}}]}"#
        ),
        (
            "a nested transaction",
            #"{"resourceType": "Bundle", "type": "TYPE", "entry": [{"resource": {"resourceType": "Bundle", "type": "transaction"}, "request": {"method": "POST", "url": "Bundle"}}]}"#
        ),
        (
            "a repeated fullUrl",
            #"{"resourceType": "Bundle", "type": "TYPE", "entry": [{"fullUrl": "urn:uuid:1", "request": {"method": "GET", "url": "Patient"}}, {"fullUrl": "urn:uuid:1", "request": {"method": "GET", "url": "Group"}}]}"#
        ),
    ]

    @Test(arguments: ["batch", "transaction"])
    func malformedBundlesAre400(type: String) async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for (what, text) in Self.malformed {
                let (status, outcome) = try await post(
                    client, ByteBuffer(string: text.replacingOccurrences(of: "TYPE", with: type)))
                #expect(status == .badRequest, "\(what)")
                #expect(outcome["resourceType"]?.string == "OperationOutcome", "\(what)")
            }
        }
    }

    static let malformedEntries: [(String, String, String)] = [
        ("another server", Self.entry("GET", "http://elsewhere.example/fhir/Patient"), "Bundle.entry[0].request.url"),
        (
            "the base itself", Self.entry("POST", "/", resource: #"{"resourceType": "Patient"}"#),
            "Bundle.entry[0].request.url"
        ),
        (
            "a type mismatch",
            Self.entry("POST", "Invoice", resource: Self.notice(identifier: "M-1", request: "Invoice/x", amount: "1")),
            "Bundle.entry[0]"
        ),
        ("no resource to create", Self.entry("POST", "Invoice"), "Bundle.entry[0]"),
        ("a lowercase type", Self.entry("GET", "patient/1"), "Bundle.entry[0].request.url"),
    ]

    @Test func malformedEntriesAre400InATransactionAndInTheirEntryInABatch() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            for (what, entry, expression) in Self.malformedEntries {
                let (status, outcome) = try await post(client, Self.bundle("transaction", [entry]))
                #expect(status == .badRequest, "\(what)")
                #expect(outcome["issue"]?.array?.first?["expression"]?.array?.first?.string == expression, "\(what)")
                let (batchStatus, batch) = try await post(client, Self.bundle("batch", [entry]))
                #expect(batchStatus == .ok, "\(what)")
                #expect(statuses(batch) == ["400 Bad Request"], "\(what)")
            }
            // Two creates that refer to each other cannot be ordered.
            let circle = Self.bundle(
                "transaction",
                [
                    Self.entry(
                        "POST", "PaymentNotice", fullUrl: Self.noticeURN,
                        resource: Self.notice(identifier: "M-2", request: Self.invoiceURN, amount: "1")),
                    Self.entry(
                        "POST", "PaymentNotice", fullUrl: Self.invoiceURN,
                        resource: Self.notice(identifier: "M-3", request: Self.noticeURN, amount: "1")),
                ])
            let (status, outcome) = try await post(client, circle)
            #expect(status == .badRequest)
            #expect(
                outcome["issue"]?.array?.compactMap { $0["expression"]?.array?.first?.string } == [
                    "Bundle.entry[0]", "Bundle.entry[1]",
                ])
        }
    }
}

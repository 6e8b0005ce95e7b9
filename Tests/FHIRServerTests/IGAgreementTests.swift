import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Claim, ClaimResponse, Contract, Coverage and Invoice agree with the openIMIS IG profiles element by element:
/// no element the profile has `0..0`, every element it has `1..1`, codes inside its required value sets. Every
/// body is checked valid R4 by ``fhirBody(_:sourceLocation:)``.
@Suite struct IGAgreementTests {
    typealias IDs = DemoDataset.UUIDs
    static let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]

    func number(_ json: JSON?) -> Decimal? { json?.number.flatMap { Decimal(string: $0) } }

    func get(_ client: some TestClientProtocol, _ uri: String, _ status: HTTPResponse.Status = .ok,
             sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        try await client.fhir(uri: uri, method: .get) { response in
            #expect(response.status == status, "\(uri)", sourceLocation: sourceLocation)
            return fhirBody(response, sourceLocation: sourceLocation)
        }
    }

    func postClaim(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.fhir(uri: "/fhir/Claim", method: .post, headers: Self.fhirJSON, body: ByteBuffer(string: body)) { response in
            (response.status, fhirBody(response))
        }
    }

    /// IG `openimis-claim`: `item.serviced[x]` 0..0. A posted `item.servicedDate` (the IG's own example has one)
    /// is still accepted; only the output leaves it out.
    @Test func claimItemsCarryNoServicedElement() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let posted = try ClaimSubmissionTests().claim001(code: "Code010")
            #expect(posted.contains("servicedDate"))
            let (status, _) = try await postClaim(client, posted)
            #expect(status == .created)
            for uri in ["/fhir/Claim/\(IDs.claim001)", "/fhir/Claim/Code010"] {
                let items = try await get(client, uri)["item"]?.array ?? []
                #expect(items.count == 2)
                for item in items {
                    #expect(item["servicedDate"] == nil && item["servicedPeriod"] == nil, "\(uri)")
                    #expect(item["quantity"]?["value"] != nil && item["unitPrice"]?["value"] != nil)
                }
            }
        }
    }

    /// IG `openimis-claim-response`: every adjudication has `amount.value` and `value` (1..1), and `total` is
    /// 1..4. A rejected line shows what was asked (as openIMIS's converter does); a rejected claim's total
    /// is 0 under category Rejected.
    @Test func rejectedLinesKeepAmountAndValueAndTheClaimATotal() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let body = try ClaimSubmissionTests().claim001(code: "Code011")
                .replacingOccurrences(of: "Patient/\(DemoDataset.johnDoeCHFID)", with: "Patient/100000001")
            let (status, created) = try await postClaim(client, body)
            #expect(status == .created)
            let id = created["id"]?.string ?? ""
            let claimItems = try await get(client, "/fhir/Claim/\(id)")["item"]?.array ?? []
            for response in [created, try await get(client, "/fhir/ClaimResponse/\(id)")] {
                let items = response["item"]?.array ?? []
                #expect(items.count == 2 && claimItems.count == 2)
                for (line, asked) in zip(items, claimItems) {
                    let adjudication = line["adjudication"]?.array?.first
                    #expect(firstCode(adjudication?["category"]) == "1")
                    #expect(firstCode(adjudication?["reason"]) == "3")
                    #expect(number(adjudication?["amount"]?["value"]) == number(asked["unitPrice"]?["value"]))
                    #expect(adjudication?["amount"]?["currency"]?.string == "EUR")
                    #expect(number(adjudication?["value"]) == number(asked["quantity"]?["value"]))
                }
                let totals = response["total"]?.array ?? []
                #expect(totals.count == 1)
                #expect(firstCode(totals.first?["category"]) == "1")
                #expect(number(totals.first?["amount"]?["value"]) == 0)
            }
        }
    }

    /// IG `openimis-contract`: `status` bound (required) to `contract-status-codes` = offered, executed.
    /// Idle and Ready are offered; Active, Suspended and Expired (PolicyStatus 8) were executed. The offer names
    /// the head as party and has no `text` (0..0).
    @Test(arguments: [(1, "offered"), (2, "executed"), (4, "executed"), (8, "executed"), (16, "offered")])
    func contractStatusStaysInTheIGValueSet(_ policyStatus: Int, _ expected: String) async throws {
        let (app, backend) = try await makeTestApplication()
        let store = backend.store()
        var policy = try #require(try await store.record(Policy.self, uuid: IDs.doePolicy, includeDeleted: false)).record
        policy.status = policyStatus
        _ = try await store.update(policy, ifVersion: nil)
        try await app.test(.router) { client in
            let contract = try await get(client, "/fhir/Contract/\(IDs.doePolicy)")
            #expect(contract["status"]?.string == expected)
            let offer = contract["term"]?.array?.first?["offer"]
            #expect(offer?["text"] == nil)
            #expect(offer?["party"]?.array?.first?["reference"]?.array?.first?["reference"]?.string == "Patient/\(IDs.janeDoe)")
            #expect(try await client.entryIDs("/fhir/Contract?status=\(expected)") == [IDs.doePolicy])
            for other in ["offered", "executed", "terminated", "disputed"] where other != expected {
                #expect(try await client.entryIDs("/fhir/Contract?status=\(other)").isEmpty, "\(other)")
            }
        }
    }

    /// A claim whose insuree was soft-deleted keeps `Patient/<uuid>`, and so do the family's Coverage and
    /// Contract when the head is soft-deleted (openIMIS closes the row, no new current row); the Patient reads 410.
    @Test func aSoftDeletedInsureeStaysReferenced() async throws {
        let (app, backend) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient/\(IDs.johnDoe)", method: .delete) { response in
                #expect(response.status == .noContent)
            }
            _ = try await get(client, "/fhir/Patient/\(IDs.johnDoe)", .gone)
            for uri in ["/fhir/Claim/\(IDs.claim001)", "/fhir/ClaimResponse/\(IDs.claim001)"] {
                #expect(try await get(client, uri)["patient"]?["reference"]?.string == "Patient/\(IDs.johnDoe)", "\(uri)")
            }
            let store = backend.store()
            let jane = try #require(try await store.record(Insuree.self, uuid: IDs.janeDoe, includeDeleted: false)?.record.id)
            _ = try await store.delete(Insuree.self, id: jane, auditUserID: 1)
            _ = try await get(client, "/fhir/Patient/\(IDs.janeDoe)", .gone)
            let coverage = try await get(client, "/fhir/Coverage/\(IDs.doePolicy)")
            #expect(coverage["beneficiary"]?["reference"]?.string == "Patient/\(IDs.janeDoe)")
            #expect(coverage["payor"]?.array?.first?["reference"]?.string == "Patient/\(IDs.janeDoe)")
            let contract = try await get(client, "/fhir/Contract/\(IDs.doePolicy)")
            let party = contract["term"]?.array?.first?["offer"]?["party"]?.array?.first
            #expect(party?["reference"]?.array?.first?["reference"]?.string == "Patient/\(IDs.janeDoe)")
            #expect(try await get(client, "/fhir/Claim/\(IDs.claim001)")["patient"]?["reference"]?.string == "Patient/\(IDs.johnDoe)")
        }
    }

    /// IG `openimis-invoice-invoice`: `subject` and `lineItem.sequence` are 0..0. The stored subject stays
    /// searchable, and an invoice read and written back unchanged (so without a subject) is accepted.
    @Test func invoiceHasNoSubjectAndRoundTrips() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let uri = "/fhir/Invoice/\(IDs.doeContributionInvoice)"
            let (read, bytes) = try await client.fhir(uri: uri, method: .get) { response in (fhirBody(response), response.body) }
            #expect(read["subject"] == nil)
            let lines = read["lineItem"]?.array ?? []
            #expect(lines.count == 1 && lines.allSatisfy { $0["sequence"] == nil })
            #expect(try await client.entryIDs("/fhir/Invoice?subject=Group/\(IDs.doeFamily)") == [IDs.doeContributionInvoice])
            try await client.fhir(uri: uri, method: .put, headers: Self.fhirJSON, body: bytes) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["subject"] == nil)
            }
        }
    }

    func firstCode(_ concept: JSON?) -> String? { concept?["coding"]?.array?.first?["code"]?.string }
}

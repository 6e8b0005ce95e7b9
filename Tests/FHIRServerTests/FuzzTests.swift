import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// Thousands of generated hostile requests through the real application, over every route family, as several
/// principals (security.md, "Input and transport"): none may trap the process or answer 5xx, every error on a FHIR
/// route is an OperationOutcome and every error on `/auth` an RFC 6749 JSON error.
///
/// The generators (FuzzSupport, FuzzJSON, FuzzQuery, FuzzGenerators*) run from a fixed seed, so a failure names
/// a case that reproduces. A case that traps kills the test process before it can be reported: run the test with
/// `IMIS_FUZZ_TRACE=1` to print every case before it is sent; the last one printed is the culprit.
@Suite("Fuzzing")
struct FuzzTests {
    /// The seed of CI's runs; `IMIS_FUZZ_SEED` (decimal) explores another sequence by hand.
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["IMIS_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x1D15_F41A_2024_0001

    /// Generated requests per run (the count of requests sent excludes the kinds in ``pendingElsewhere``).
    static let caseCount = ProcessInfo.processInfo.environment["IMIS_FUZZ_CASES"].flatMap { Int($0) } ?? 12_000

    /// Kinds of generated request that expose faults being fixed in other parts of the code base: their cases are
    /// generated (so the sequence stays the same) but not sent. Each entry says what fails; remove it to send them.
    static let pendingElsewhere: [String: String] = [:]

    /// What a run did: requests sent, cases held back, statuses by kind and requests by surface.
    struct Summary: Sendable {
        var sent = 0
        var heldBack: [String: Int] = [:]
        var statuses: [String: [Int: Int]] = [:]
        var surfaces: [FuzzSurface: Int] = [:]
        var time: [String: Duration] = [:]
        var reported = 0
    }

    /// Sends ``caseCount`` generated cases as the admin, an insuree, a system client, no one and forged tokens.
    @Test func hostileRequestsNeverTrapNorAnswer5xx() async throws {
        // Batches are bounded small here, so that the generated batches of thousands of searches are refused at once
        // (the bound itself and the answer budget are tested in AnswerLimitTests).
        var configuration = ServerConfiguration(rateLimit: nil)
        configuration.maxBundleEntries = 100
        configuration.export = exportConfiguration().export
        let world = try await AuthTestWorld.make(configuration: configuration)
        let insuree = try await world.user("fuzz-insuree", roles: ["insuree"], insureeCHFID: DemoDataset.janeDoeCHFID)
        _ = try await world.client("fuzz-system", scope: "system/Invoice.cru system/Patient.rs system/Coverage.rs")
        let principals: [String?] = [
            "Bearer \(adminToken)",
            "Bearer \(testToken(uid: insuree.id, insuree: insuree.insureeID, scope: "patient/*.rs"))",
            "Bearer \(testToken(scope: "system/Invoice.cru system/Patient.rs", clientID: "fuzz-system"))",
            nil,
        ]
        let trace = ProcessInfo.processInfo.environment["IMIS_FUZZ_TRACE"] != nil
        let started = ContinuousClock.now
        let summary = try await world.app.test(.router) { client in
            var summary = Summary()
            var generator = FuzzGenerator(
                seed: Self.seed, catalog: try await Self.catalog(client, principals: principals))
            for index in 0..<Self.caseCount {
                let fuzzCase = generator.next(index: index)
                if Self.pendingElsewhere[fuzzCase.kind] != nil {
                    summary.heldBack[fuzzCase.kind, default: 0] += 1
                    continue
                }
                if trace { print("fuzz \(fuzzCase)") }
                let sentAt = ContinuousClock.now
                let (status, problems) = try await client.execute(
                    uri: fuzzCase.uri, method: fuzzCase.method, headers: fuzzCase.headers,
                    body: fuzzCase.body.map { ByteBuffer(bytes: $0) }
                ) { response in
                    if trace { print("fuzz → \(response.status.code) \(String(buffer: response.body).prefix(200))") }
                    return (Int(response.status.code), Self.problems(response, for: fuzzCase))
                }
                summary.time[fuzzCase.kind, default: .zero] += ContinuousClock.now - sentAt
                summary.sent += 1
                summary.statuses[fuzzCase.kind, default: [:]][status / 100, default: 0] += 1
                summary.surfaces[fuzzCase.surface, default: 0] += 1
                for problem in problems where summary.reported < 50 {
                    summary.reported += 1
                    Issue.record("\(problem)\n\(fuzzCase)")
                }
            }
            return summary
        }
        print(
            "fuzz: seed \(Self.seed), \(summary.sent) requests in \(ContinuousClock.now - started); held back: \(summary.heldBack)"
        )
        for (kind, counts) in summary.statuses.sorted(by: { $0.key < $1.key }) {
            print(
                "fuzz: \(kind): "
                    + counts.sorted(by: { $0.key < $1.key }).map { "\($0.key)xx \($0.value)" }.joined(separator: ", ")
                    + " in \(summary.time[kind] ?? .zero)")
        }
        #expect(summary.sent >= min(10_000, Self.caseCount * 9 / 10), "only \(summary.sent) requests were sent")
        for surface in [FuzzSurface.fhir, .auth, .membership, .compat, .other] {
            #expect(summary.surfaces[surface, default: 0] >= 100, "few requests reached \(surface)")
        }
    }

    /// What is wrong with `response` to `fuzzCase`: a 5xx, or an error body of the wrong shape for its surface.
    static func problems(_ response: TestResponse, for fuzzCase: FuzzCase) -> [String] {
        let status = Int(response.status.code)
        if status >= 500 { return ["answered \(status): \(String(buffer: response.body).prefix(300))"] }
        guard status >= 400, fuzzCase.method != .head else { return [] }
        let bytes = Array(buffer: response.body)
        let isOutcome: Bool
        if case .operationOutcome? = try? Resource.decode(bytes) { isOutcome = true } else { isOutcome = false }
        let json = try? JSONParser.parse(bytes)
        let errorText = json?["error"]?.string
        switch fuzzCase.surface {
        case .fhir:
            return isOutcome
                ? []
                : [
                    "a \(status) on a FHIR route is not an OperationOutcome: \(String(buffer: response.body).prefix(300))"
                ]
        case .auth:
            return errorText != nil
                ? [] : ["a \(status) on /auth is not RFC 6749 JSON: \(String(buffer: response.body).prefix(300))"]
        case .membership, .compat:
            return errorText != nil || json?["message"]?.string != nil
                ? []
                : [
                    "a \(status) on a membership route is not a JSON error: \(String(buffer: response.body).prefix(300))"
                ]
        case .other:
            return isOutcome || errorText != nil ? [] : ["a \(status) is neither an OperationOutcome nor a JSON error"]
        }
    }

    /// The types and search parameters the server declares, the demo world's resources as the admin reads them, the
    /// valid fixtures, and ids to ask for.
    static func catalog(_ client: any TestClientProtocol, principals: [String?]) async throws -> FuzzCatalog {
        let statement = try await client.fhir(uri: "/fhir/metadata", method: .get) { response in
            try JSONParser.parse(Array(buffer: response.body))
        }
        let types = FuzzCatalog.types(of: statement)
        #expect(types.count > 10, "the CapabilityStatement lists the served types")
        var seeds: [String: [JSON]] = [:]
        let demo = [
            "Patient/\(DemoDataset.UUIDs.johnDoe)", "Patient/\(DemoDataset.UUIDs.janeDoe)",
            "Group/\(DemoDataset.UUIDs.doeFamily)",
            "Coverage/\(DemoDataset.UUIDs.doePolicy)", "Claim/\(DemoDataset.UUIDs.claim001)",
            "Invoice/\(DemoDataset.UUIDs.doeContributionInvoice)",
            "Organization/\(DemoDataset.UUIDs.raptaDistrictHospital)", "Location/\(DemoDataset.UUIDs.jamulaVillage)",
            "InsurancePlan/\(DemoDataset.UUIDs.productRX01)", "Medication/\(DemoDataset.UUIDs.aspirin)",
            "ActivityDefinition/\(DemoDataset.UUIDs.generalConsultation)",
            "Practitioner/\(DemoDataset.UUIDs.rushilaDani)",
            "PractitionerRole/\(DemoDataset.UUIDs.jebRoberts)", "Organization/\(DemoDataset.UUIDs.myTradePolicyHolder)",
        ]
        for path in demo {
            if let json = try await client.fhir(
                uri: "/fhir/\(path)", method: .get,
                testCallback: { response in
                    response.status == .ok ? try? JSONParser.parse(Array(buffer: response.body)) : nil
                }), let type = json["resourceType"]?.string
            {
                seeds[type, default: []].append(json)
            }
        }
        let folder = IGExampleWorldTests.fixturesURL
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where name.hasSuffix(".json") {
            let json = try JSONParser.parse(Array(try Data(contentsOf: folder.appendingPathComponent(name))))
            if let type = json["resourceType"]?.string { seeds[type, default: []].append(json) }
        }
        let ids = [
            DemoDataset.UUIDs.johnDoe, DemoDataset.UUIDs.janeDoe, DemoDataset.johnDoeCHFID, DemoDataset.janeDoeCHFID,
            DemoDataset.UUIDs.doeFamily, DemoDataset.UUIDs.doePolicy, DemoDataset.UUIDs.claim001,
            DemoDataset.UUIDs.doeContributionInvoice,
            DemoDataset.UUIDs.raptaDistrictHospital, "RAHOS001", DemoDataset.UUIDs.jamulaVillage, "R1D1M2V1", "R1",
            DemoDataset.UUIDs.productRX01,
            "RX01", DemoDataset.UUIDs.aspirin, DemoDataset.UUIDs.generalConsultation, DemoDataset.UUIDs.rushilaDani,
            "JMDP0011",
            DemoDataset.UUIDs.jebRoberts, "E00001", DemoDataset.UUIDs.myTradePolicyHolder, UUIDText.zero, "unknown-id",
            "1",
        ]
        return FuzzCatalog(types: types, seeds: seeds, ids: ids, principals: principals)
    }
}

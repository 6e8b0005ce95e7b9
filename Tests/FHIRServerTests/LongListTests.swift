import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import NIOCore
import Testing

@testable import FHIRServer

/// Searches over long value lists answer at the largest size the API allows, on both engines (the whole suite runs
/// on PostgreSQL with `IMIS_TEST_BACKEND=postgresql`), and one value or parameter past a limit is a 400 naming it:
/// `_id` and `identifier` of a thousand values, `Coverage?beneficiary=` of a thousand, `_revinclude` over a full
/// page of a thousand Patients, a conditional create whose `If-None-Exist` lists a thousand identifiers.
@Suite struct LongListTests {
    static let limit = SearchLimits.valuesPerParameter

    /// The demo world and enough synthetic families for more than 1,300 insurees, and an application over it.
    func largeApplication() async throws -> (some ApplicationProtocol, [Insuree]) {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(demoInstant))
        try SyntheticData.generate(
            families: 450, seed: 7, into: database, clock: .fixed(demoInstant.addingTimeInterval(60)))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var environment = testEnvironment(database: database, logger: logger)
        if TestPostgres.isBackend {
            let lease = try await demoPostgres(copying: database)
            environment = ApplicationEnvironment(
                configuration: ServerConfiguration(), storage: .postgres(lease.database),
                auth: testAuth(.postgres(lease.database)), logger: logger)
            environment.services = [lease]
        }
        let insurees = try await SQLiteRegistryStore(database: database).search(Insuree.self, RowQuery(limit: 2_000)).items
        #expect(insurees.count >= 1_300)
        return (buildApplication(environment), insurees.map(\.record))
    }

    /// `POST [type]/_search` with `parameters` as its form body (a thousand UUIDs make a long URL).
    func search(_ client: some TestClientProtocol, _ type: String, _ parameters: [(String, String)]) async throws
        -> (HTTPResponse.Status, JSON)
    {
        try await client.fhir(
            uri: "/fhir/\(type)/_search", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: QueryParameters(parameters).encoded)
        ) { response in (response.status, fhirBody(response)) }
    }

    func diagnostics(_ outcome: JSON) -> String {
        outcome["issue"]?.array?.first?["diagnostics"]?.string ?? ""
    }

    @Test func idAndIdentifierSearchesOfAThousandValuesAnswer() async throws {
        let (app, insurees) = try await largeApplication()
        let page = Array(insurees.prefix(Self.limit))
        try await app.test(.router) { client in
            let ids = page.map(\.uuid).joined(separator: ",")
            let (status, bundle) = try await search(client, "Patient", [("_id", ids), ("_count", "1000")])
            #expect(status == .ok)
            #expect(Set(entryIDs(bundle)) == Set(page.map(\.uuid)))
            #expect(bundle["total"]?.number == "1000")
            let codes = page.map(\.chfid).joined(separator: ",")
            let (codeStatus, byCode) = try await search(client, "Patient", [("identifier", codes), ("_count", "1000")])
            #expect(codeStatus == .ok)
            #expect(Set(entryIDs(byCode)) == Set(page.map(\.uuid)))
            let mixed = page.enumerated().map { $0.offset.isMultiple(of: 2) ? $0.element.uuid : $0.element.chfid }
            let (mixedStatus, byEither) = try await search(
                client, "Patient",
                [("identifier", mixed.joined(separator: ",")), ("_count", "1000"), ("_total", "none")])
            #expect(mixedStatus == .ok)
            #expect(entryIDs(byEither).count == Self.limit)
        }
    }

    @Test func coverageBeneficiaryOfAThousandPatientsAnswers() async throws {
        let (app, insurees) = try await largeApplication()
        let references =
            insurees.suffix(Self.limit - 1).map { "Patient/\($0.uuid)" } + ["Patient/\(DemoDataset.UUIDs.johnDoe)"]
        try await app.test(.router) { client in
            let (status, bundle) = try await search(
                client, "Coverage", [("beneficiary", references.joined(separator: ","))])
            #expect(status == .ok)
            #expect(entryIDs(bundle).contains(DemoDataset.UUIDs.doePolicy))
        }
    }

    @Test(arguments: ["Group:member", "Coverage:beneficiary"])
    func revincludeOverAFullPageOfPatientsAnswers(_ include: String) async throws {
        let (app, _) = try await largeApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient?_count=1000&_revinclude=\(include)", method: .get) { response in
                #expect(response.status == .ok)
                let entries = fhirBody(response)["entry"]?.array ?? []
                let matches = entries.filter { $0["search"]?["mode"]?.string == "match" }
                let included = entries.filter { $0["search"]?["mode"]?.string == "include" }
                #expect(matches.count == Self.limit)
                let type = String(include.prefix { $0 != ":" })
                #expect(!included.isEmpty)
                #expect(included.allSatisfy { $0["resource"]?["resourceType"]?.string == type })
            }
        }
    }

    @Test func conditionalCreateWithAThousandIdentifiersFindsTheOneMatch() async throws {
        let (app, _) = try await largeApplication()
        let codes = (0..<(Self.limit - 1)).map { "77\($0)" } + [DemoDataset.johnDoeCHFID]
        try await app.test(.router) { client in
            let headers: HTTPFields = [
                .contentType: "application/fhir+json",
                HTTPField.Name("If-None-Exist")!: "identifier=" + codes.joined(separator: ","),
            ]
            try await client.fhir(
                uri: "/fhir/Patient", method: .post, headers: headers, body: ByteBuffer(string: Self.patient)
            ) { response in
                #expect(response.status == .ok)
                #expect(fhirBody(response)["id"]?.string == DemoDataset.UUIDs.johnDoe)
            }
            var over = headers
            over[HTTPField.Name("If-None-Exist")!] = "identifier=" + (codes + ["770001"]).joined(separator: ",")
            try await client.fhir(
                uri: "/fhir/Patient", method: .post, headers: over, body: ByteBuffer(string: Self.patient)
            ) { response in
                #expect(response.status == .badRequest)
                let outcome = fhirBody(response)
                #expect(outcome["resourceType"]?.string == "OperationOutcome")
                #expect(diagnostics(outcome).contains("at most 1000 values"))
            }
        }
    }

    @Test func oneValuePastTheLimitIsRefusedNamingIt() async throws {
        let (app, insurees) = try await largeApplication()
        let values = insurees.prefix(Self.limit + 1)
        try await app.test(.router) { client in
            for (name, value) in [("_id", values.map(\.uuid)), ("identifier", values.map(\.chfid))] {
                let (status, outcome) = try await search(client, "Patient", [(name, value.joined(separator: ","))])
                #expect(status == .badRequest, "\(name)")
                #expect(outcome["resourceType"]?.string == "OperationOutcome")
                #expect(issueCode(outcome) == "not-supported")
                #expect(diagnostics(outcome).contains("at most 1000 values"), "\(name): \(diagnostics(outcome))")
            }
        }
    }

    @Test func oneParameterPastTheLimitIsRefusedNamingIt() async throws {
        let (app, _) = try await largeApplication()
        try await app.test(.router) { client in
            let atLimit = Array(repeating: ("identifier", DemoDataset.johnDoeCHFID), count: QueryLimits.parameters)
            let (status, bundle) = try await search(client, "Patient", atLimit)
            #expect(status == .ok)
            #expect(entryIDs(bundle) == [DemoDataset.UUIDs.johnDoe])
            let (overStatus, outcome) = try await search(client, "Patient", atLimit + [("gender", "male")])
            #expect(overStatus == .badRequest)
            #expect(outcome["resourceType"]?.string == "OperationOutcome")
            #expect(diagnostics(outcome).contains("at most \(QueryLimits.parameters) parameters"))
        }
    }

    @Test func theLimitsCoverWhatTheAPIBuilds() {
        #expect(SearchLimits.valuesPerParameter >= SearchQuery.maxCount)
    }

    static let patient = """
        {"resourceType": "Patient",
         "identifier": [{"type": {"coding": [{"system": "\(Translate.identifierTypeSystem)", "code": "Code"}]},
                         "value": "987654321"}],
         "name": [{"use": "official", "family": "Banda", "given": ["Grace"]}], "gender": "female",
         "birthDate": "1990-03-04"}
        """
}

import Foundation
import IMISData
import PostgresNIO
import Testing

@testable import FHIRServer

/// `imis-fhir import`, run as the built executable on SQLite and (with `IMIS_TEST_POSTGRES`) PostgreSQL, then read
/// back through the store.
@Suite("Import command")
struct ImportCommandTests {
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"

    static func patient(id: String, chfid: String, head: Bool = true, group: String? = nil, gender: Bool = true) -> String {
        let groupExtension = group.map {
            #", {"url": "\#(ig)/StructureDefinition/patient-group-reference", "valueReference": {"reference": "Group/\#($0)"}}"#
        } ?? ""
        return """
            {"resourceType": "Patient", "id": "\(id)", \
            "extension": [{"url": "\(ig)/StructureDefinition/patient-is-head", "valueBoolean": \(head)}\(groupExtension)], \
            "identifier": [{"type": {"coding": [{"system": "\(ig)/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "\(chfid)"}], \
            "name": [{"use": "official", "family": "Banda", "given": ["Grace"]}], \(gender ? #""gender": "female", "# : "")\
            "birthDate": "1990-03-04", \
            "address": [{"use": "home", "type": "physical", "line": ["7 Market Street"], "city": "Jamula", \
            "extension": [{"url": "\(ig)/StructureDefinition/address-location-reference", \
            "valueReference": {"reference": "Location/\(DemoDataset.UUIDs.jamulaVillage)"}}]}]}
            """
    }

    /// A family of the first two patients, by the ids they have in the file.
    static let group = """
        {"resourceType": "Group", "id": "g-1", "type": "person", "actual": true, \
        "identifier": [{"type": {"coding": [{"system": "\(ig)/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "900000001"}], \
        "extension": [{"url": "\(ig)/StructureDefinition/group-address", "valueAddress": {"use": "home", "type": "physical", \
        "line": ["7 Market Street"], "city": "Jamula", "extension": [{"url": "\(ig)/StructureDefinition/address-location-reference", \
        "valueReference": {"reference": "Location/\(DemoDataset.UUIDs.jamulaVillage)"}}]}}], \
        "member": [{"entity": {"reference": "Patient/p-one"}}, {"entity": {"reference": "Patient/p-two"}}]}
        """

    /// Two heads, a Patient without gender (line 3), the family of the two, a blank line, a member joining it.
    static let ndjson = [
        patient(id: "p-one", chfid: "900000001"), patient(id: "p-two", chfid: "900000002"),
        patient(id: "p-bad", chfid: "900000009", gender: false), group, "",
        patient(id: "p-three", chfid: "900000003", head: false, group: "g-1"),
    ].joined(separator: "\n") + "\n"

    static func run(_ arguments: [String], environment: [String: String], input: String? = nil) throws -> (status: Int32, output: String) {
        try AccountCommandTests.run(arguments, environment: environment, input: input)
    }

    /// Where an import goes: the command's arguments and environment, and the store to read back from.
    struct Target {
        var arguments: [String]
        var environment: [String: String]
        var store: any IMISStore
    }

    /// Skip: every good line is written (the Group found its members by their ids in the file, the member joined
    /// the Group by its id in the file); the bad line is reported and the exit status says so. Stop: the batch
    /// with the bad line leaves nothing.
    func importsGoodLinesAndReportsTheBadOne(_ makeTarget: () async throws -> Target) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).ndjson")
        try Self.ndjson.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let target = try await makeTarget()
        let skipped = try Self.run(["import", file.path, "--on-error", "skip", "--batch-size", "2"] + target.arguments,
                                   environment: target.environment)
        #expect(skipped.status == 1, "\(skipped.output)")
        #expect(skipped.output.contains("line 3 (Patient): 422 required Patient.gender: gender is required"), "\(skipped.output)")
        #expect(skipped.output.contains("imported 4 resources from 6 lines"), "\(skipped.output)")
        let store = target.store
        let head = try #require(try await store.insuree(chfid: "900000001"))
        #expect(try await store.insuree(chfid: "900000009") == nil)
        let familyID = try #require(head.record.familyID)
        let members = try await store.familyMembers(familyID: familyID)
        #expect(Set(members.map(\.record.chfid)) == ["900000001", "900000002", "900000003"])
        #expect(members.filter(\.record.isHead).map(\.record.chfid) == ["900000001"])

        // Standard input, stop at the bad line: the one batch of all lines is rolled back.
        let other = try await makeTarget()
        let renumbered = Self.ndjson.replacingOccurrences(of: "90000000", with: "80000000")
        let stopped = try Self.run(["import", "-", "--batch-size", "10"] + other.arguments, environment: other.environment,
                                   input: renumbered)
        #expect(stopped.status == 1, "\(stopped.output)")
        #expect(stopped.output.contains("stopped at line 3: lines 1-6 (its batch) were rolled back"), "\(stopped.output)")
        #expect(try await other.store.insuree(chfid: "800000001") == nil)
        #expect(try await other.store.insuree(chfid: "800000002") == nil)

        // A clean file exits 0.
        let clean = Self.ndjson.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("p-bad") }.joined(separator: "\n").replacingOccurrences(of: "90000000", with: "70000000")
        let good = try Self.run(["import", "-"] + other.arguments, environment: other.environment, input: clean)
        #expect(good.status == 0, "\(good.output)")
        #expect(try await other.store.insuree(chfid: "700000003")?.record.familyID != nil)
    }

    @Test func importOnSQLite() async throws {
        var paths: [String] = []
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        try await importsGoodLinesAndReportsTheBadOne {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).sqlite").path
            paths.append(path)
            let database = try IMISDatabase.open(path: path)
            try database.migrate()
            try DemoDataset.load(into: database)
            return Target(arguments: ["--database", path], environment: [:], store: Storage.sqlite(database).store)
        }
    }

    @Test(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
    func importOnPostgreSQL() async throws {
        var leases: [TestDatabaseLease] = []
        defer { leases.removeAll() }
        try await importsGoodLinesAndReportsTheBadOne {
            let lease = try await TestPostgres.freshDatabase()
            leases.append(lease)
            let database = lease.database
            try await database.migrate()
            let demo = try IMISDatabase.inMemory()
            try demo.migrate()
            try DemoDataset.load(into: demo)
            try await database.copyRows(from: demo)
            return Target(arguments: [], environment: Self.environment(database.settings),
                          store: Storage.postgres(database).store)
        }
    }

    /// The settings of the command for a PostgreSQL database.
    static func environment(_ settings: PostgresSettings) -> [String: String] {
        var environment = [
            "DB_ENGINE": "postgresql", "DB_HOST": settings.host, "DB_PORT": String(settings.port),
            "DB_NAME": settings.database, "DB_USER": settings.username, "DB_OPTIONS": "sslmode=disable",
        ]
        if let password = settings.password { environment["DB_PASSWORD"] = password }
        return environment
    }

    /// `demo-data` with the demo dataset gives the same insurance numbers on both backends for a seed.
    @Test(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
    func demoDataGivesTheSameInsureesOnBothBackends() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arguments = ["demo-data", "--families", "40", "--seed", "3", "--demo-dataset"]
        let onSQLite = try Self.run(arguments + ["--database", path], environment: [:])
        #expect(onSQLite.status == 0, "\(onSQLite.output)")
        let lease = try await TestPostgres.freshDatabase()
        let onPostgres = try Self.run(arguments, environment: Self.environment(lease.database.settings))
        #expect(onPostgres.status == 0, "\(onPostgres.output)")
        let loaded = { (output: String) in output.split(separator: "\n").last { $0.hasPrefix("loaded ") }?.split(separator: " ").prefix(5) }
        #expect(loaded(onSQLite.output) != nil && loaded(onSQLite.output) == loaded(onPostgres.output))

        func chfids(_ store: any IMISStore) async throws -> [String] {
            var numbers: [String] = []
            var query = PageQuery(count: 100)
            while true {
                let found = try await store.page(Insuree.self, query).items
                numbers += found.map(\.record.chfid)
                if found.count < query.count { break }
                query.offset += query.count
            }
            return numbers.sorted()
        }
        let sqlite = try IMISDatabase.open(path: path)
        let expected = try await chfids(Storage.sqlite(sqlite).store)
        #expect(expected.count > 40 + 8)
        #expect(try await chfids(Storage.postgres(lease.database).store) == expected)
    }
}

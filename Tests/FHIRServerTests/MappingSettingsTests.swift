import FHIRModels
import Foundation
import IMISData
import TestProcesses
import Testing

/// The mapping settings of the executable (`CURRENCY`, `IDENTIFIER_SYSTEM_<KIND>`, `PHOTO_BASE_URL`, `INSURER_*`):
/// an invalid value stops the start with a message naming the setting; valid ones reach the served resources.
@Suite struct MappingSettingsTests {
    @Test(arguments: [
        ("CURRENCY", "eur"), ("CURRENCY", "EURO"), ("CURRENCY", "E1R"), ("IDENTIFIER_SYSTEM_INSURANCE_NUMBER", "chf ids"),
        ("IDENTIFIER_SYSTEM_UUID", "no-scheme"), ("PHOTO_BASE_URL", "/photos"), ("INSURER_ID", "open IMIS"),
    ])
    func anInvalidMappingSettingStopsTheServerNamingIt(_ key: String, _ value: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        // DB_ENGINE=postgresql without DB_USER stops the start later, so that a setting let through cannot serve.
        let result = try AccountCommandTests.run(["serve", "--port", "1"], environment: [key: value, "DB_ENGINE": "postgresql"])
        #expect(result.status != 0)
        #expect(result.output.contains("invalid setting \(key)"), "\(result.output)")
    }

    /// `imis-fhir serve` with `CURRENCY` and `IDENTIFIER_SYSTEM_INSURANCE_NUMBER`, asked over a socket with a token
    /// signed as the test tokens are (`SECRET_KEY`, `SITE_URL`).
    @Test func theServerWritesTheConfiguredCurrencyAndIdentifierSystem() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mapping-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = Int.random(in: 20_000...60_000)
        let process = try SpawnedProcess(
            AccountCommandTests.executable.path, ["serve", "--port", "\(port)", "--database", path],
            environment: [
                "MODE": "DEV", "LOG_LEVEL": "error", "PATH": "/usr/bin:/bin", "DEMO_DATASET": "true",
                "SECRET_KEY": String(decoding: testSecret, as: UTF8.self), "SITE_URL": testTokenSettings.issuer,
                "CURRENCY": "TZS", "IDENTIFIER_SYSTEM_INSURANCE_NUMBER": "urn:oid:2.16.840.1.113883.2.9.4.3.2",
            ])
        defer { process.terminate() }

        func get(_ path: String) async throws -> JSON? {
            let end = ContinuousClock.now + .seconds(300)  // start-up (migration, demo data) is slow on a busy machine
            while ContinuousClock.now < end, process.isRunning {
                guard let client = try? await RawClient.connect(port: port) else {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                try await client.send(rawGET(path, token: adminToken, close: true))
                let answer = try await client.response(within: .seconds(20))
                await client.close()
                let response = try #require(answer)
                #expect(response.status == 200, "\(path)")
                _ = try Resource.decode(response.body)
                return try JSONParser.parse(response.body)
            }
            Issue.record("the server did not answer")
            return nil
        }
        let plan = try await get("/fhir/InsurancePlan/RX01")
        let costs = plan?["plan"]?.array?.first?["generalCost"]?.array ?? []
        #expect(!costs.isEmpty)
        #expect(costs.allSatisfy { $0["cost"]?["currency"]?.string == "TZS" })
        let patient = try await get("/fhir/Patient/\(DemoDataset.johnDoeCHFID)")
        let code = patient?["identifier"]?.array?.first { $0["value"]?.string == DemoDataset.johnDoeCHFID }
        #expect(code?["system"]?.string == "urn:oid:2.16.840.1.113883.2.9.4.3.2")
    }
}

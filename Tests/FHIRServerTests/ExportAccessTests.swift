import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Membership
import Testing

@testable import FHIRServer

/// What an export holds is what its caller may read: a system client's scopes, a user's districts, an insuree's
/// family (security.md: every export line passes the same access decision as a direct read).
@Suite struct ExportAccessTests {
    @Test func aClientWithPatientReadScopeExportsPatientsOnly() async throws {
        let world = try await AuthTestWorld.make(configuration: exportConfiguration())
        let secret = try await world.client("dashboard", scope: "system/Patient.rs")
        try await world.run { client in
            let (_, _, answer) = try await client.token(
                [("grant_type", "client_credentials"), ("client_id", "dashboard"), ("client_secret", secret)])
            let token = try #require(answer["access_token"]?.string)
            let result = try await client.export("/fhir/$export", token: token)
            #expect(Set(result.lines.keys) == ["Patient"])
            #expect(Set(result.ids("Patient")) == Set(try await client.allIDs("/fhir/Patient?_count=1000")))
            // A type it may not read, named: 403.
            var headers = asyncHeaders
            headers[.authorization] = "Bearer \(token)"
            try await client.execute(uri: "/fhir/$export?_type=Coverage", method: .get, headers: headers) { response in
                #expect(response.status == .forbidden)
                _ = fhirBody(response)
            }
        }
    }

    @Test func aClientThatMayReadNothingExportedIsRefused() async throws {
        let world = try await AuthTestWorld.make(configuration: exportConfiguration())
        let secret = try await world.client("payments", scope: "system/PaymentNotice.c")
        try await world.run { client in
            let (_, _, answer) = try await client.token(
                [("grant_type", "client_credentials"), ("client_id", "payments"), ("client_secret", secret)])
            let token = try #require(answer["access_token"]?.string)
            var headers = asyncHeaders
            headers[.authorization] = "Bearer \(token)"
            #expect(try await client.execute(uri: "/fhir/$export", method: .get, headers: headers) { $0.status } == .forbidden)
        }
    }

    @Test func aUserLimitedToADistrictExportsThatDistrictOnly() async throws {
        var settings = testTokenSettings
        settings.rowSecurity = true
        let world = try await AuthTestWorld.make(configuration: exportConfiguration(), settings: settings)
        let rapta = try await world.locationID("R1D1")
        try await world.user("rapta-clerk", districts: [rapta])
        try await world.run { client in
            let clerk = try await client.signIn("rapta-clerk")
            let result = try await client.export("/fhir/$export?_type=Patient,Group,Coverage", token: clerk)
            let visible = try await client.allIDs("/fhir/Patient?_count=100", token: clerk)
            #expect(visible.count == 5)
            #expect(Set(result.ids("Patient")) == Set(visible))
            #expect(Set(result.ids("Group")) == Set(try await client.allIDs("/fhir/Group?_count=100", token: clerk)))
            #expect(Set(result.ids("Coverage")) == Set(try await client.allIDs("/fhir/Coverage?_count=100", token: clerk)))
            let everyone = try await client.allIDs("/fhir/Patient?_count=100")
            #expect(result.ids("Patient").count < everyone.count)
        }
    }

    @Test func anInsureeExportsItsOwnFamilyOnly() async throws {
        let world = try await AuthTestWorld.make(configuration: exportConfiguration())
        try await world.run { client in
            let token = try await client.signIn(
                DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let result = try await client.export("/fhir/Patient/$export", token: token)
            #expect(Set(result.ids("Patient")) == [DemoDataset.UUIDs.johnDoe, DemoDataset.UUIDs.janeDoe])
            #expect(result.ids("Group") == [DemoDataset.UUIDs.doeFamily])
            for type in result.lines.keys {
                #expect(Set(result.ids(type)) == Set(try await client.allIDs("/fhir/\(type)?_count=100", token: token)), "\(type)")
            }
        }
    }
}

/// Export jobs live in the database: a restart fails the job it interrupted cleanly, and on PostgreSQL another
/// instance answers the polling and serves the files from the shared folder.
@Suite struct ExportRestartTests {
    /// Two applications over one database (the second one "restarted"), their exports in one folder.
    func withTwoInstances(first: ServerConfiguration, second: ServerConfiguration,
                          _ body: @escaping @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void)
        async throws
    {
        let sqlite = try demoDatabase()
        if TestPostgres.isBackend {
            let lease = try await demoPostgres(copying: sqlite)
            let other = IMISPostgres(settings: lease.database.settings, logger: TestPostgres.logger)
            let running = Task.detached { await other.run() }
            defer { running.cancel() }
            func app(_ database: IMISPostgres, _ configuration: ServerConfiguration) -> some ApplicationProtocol {
                var environment = ApplicationEnvironment(
                    configuration: configuration, storage: .postgres(database), auth: testAuth(.postgres(database)),
                    logger: quietLogger)
                environment.services = [lease]
                return buildApplication(environment)
            }
            let one = app(lease.database, first)
            let two = app(other, second)
            try await one.test(.router) { a in
                try await two.test(.router) { b in try await body(a, b) }
            }
        } else {
            let one = buildApplication(testEnvironment(configuration: first, database: sqlite, logger: quietLogger))
            try await one.test(.router) { a in
                let two = buildApplication(testEnvironment(configuration: second, database: sqlite, logger: quietLogger))
                try await two.test(.router) { b in try await body(a, b) }
            }
        }
    }

    @Test func anExportInterruptedByARestartFailsCleanlyAndNoLongerCountsAsRunning() async throws {
        var first = exportConfiguration(settle: 3_600)
        first.export.staleAfter = 0.5
        var second = first
        second.export.settle = 0
        try await withTwoInstances(first: first, second: second) { a, b in
            let status = try await a.kickOff("/fhir/$export?_type=Patient")
            #expect(try await a.exportStatus(status, .get) == .accepted)
            try await Task.sleep(for: .seconds(1))
            // The new instance finds the job, sees it stopped, and says so.
            try await b.fhir(uri: status, method: .get) { response in
                #expect(response.status == .internalServerError)
                let outcome = fhirBody(response)
                #expect(outcome["issue"]?.array?.first?["diagnostics"]?.string?.contains("stopped") == true)
            }
            // It no longer counts as running: a new export starts and completes on the new instance.
            let again = try await b.kickOff("/fhir/$export?_type=Patient")
            let (_, manifest) = try await b.awaitManifest(again)
            #expect(manifest["output"]?.array?.isEmpty == false)
        }
    }

    @Test(.enabled(if: TestPostgres.isBackend))
    func anotherInstanceAnswersThePollingAndServesTheFiles() async throws {
        let configuration = exportConfiguration()
        try await withTwoInstances(first: configuration, second: configuration) { a, b in
            let status = try await a.kickOff("/fhir/$export?_type=Patient,Group")
            let (_, manifest) = try await b.awaitManifest(status)
            for output in manifest["output"]?.array ?? [] {
                #expect(try await b.status(pathOf(output["url"]?.string ?? ""), token: adminToken) == .ok)
            }
            // And the other instance refuses a second export of the same account while one runs there.
            #expect(try await b.exportStatus(status, .delete) == .accepted)
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import PostgresNIO
import Testing

@testable import FHIRServer

/// `/health/ready` answers 503 while the server drains, while migrations are pending, and while the database does
/// not answer; `/health/live` stays a process check.
@Suite struct ReadinessTests {
    @Test func drainingAndPendingMigrationsMakeReadinessFailButNotLiveness() async throws {
        let configuration = ServerConfiguration()
        let lifecycle = configuration.operations.lifecycle
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            lifecycle.setMigrationsPending(true)
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("migrations pending"))
            }
            lifecycle.setMigrationsPending(false)
            lifecycle.startDraining()
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("draining"))
            }
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            // Draining servers still answer the requests they get.
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.johnDoeCHFID)", method: .get) { #expect($0.status == .ok) }
        }
    }
}

/// Readiness against a PostgreSQL cluster of the test's own that is stopped and started again.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct ReadinessOutageTests {
    @Test func readinessIs503WhileTheClusterIsDownAnd200WhenItReturns() async throws {
        let cluster = try OwnPostgresCluster()
        defer { cluster.remove() }
        let (database, running) = try await cluster.migratedDatabase()
        defer { running.cancel() }
        let app = buildApplication(
            ApplicationEnvironment(
                configuration: ServerConfiguration(), storage: .postgres(database), auth: testAuth(.postgres(database)),
                logger: TestPostgres.logger))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            try await cluster.stop()
            let stopped = ContinuousClock.now
            var status = HTTPResponse.Status.ok
            while status == .ok, ContinuousClock.now - stopped < .seconds(15) {
                status = try await client.execute(uri: "/health/ready", method: .get) { response in
                    if response.status != .ok { #expect(String(buffer: response.body).contains("database unreachable")) }
                    return response.status
                }
            }
            #expect(status == .serviceUnavailable)
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            try await cluster.start()
            let back = ContinuousClock.now
            while status != .ok, ContinuousClock.now - back < .seconds(15) {
                status = try await client.execute(uri: "/health/ready", method: .get) { $0.status }
                if status != .ok { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(status == .ok, "still not ready \(ContinuousClock.now - back) after the cluster returned")
        }
    }
}

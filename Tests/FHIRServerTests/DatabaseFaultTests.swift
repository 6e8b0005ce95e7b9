import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import Testing

@testable import FHIRServer

/// What a client gets when the database fails it: a PostgreSQL server that stops answers 503 with an
/// OperationOutcome and `Retry-After` within a bound, and the server answers again within seconds of its return;
/// a database whose content the mapping cannot read answers 500 with the table and column in the log, never a
/// dead process.
@Suite(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
struct DatabaseFaultTests {
    /// A generous bound for a 503 (the defaults wait at most 5 s for a connection).
    static let bound: Duration = .seconds(10)

    @Test func aStoppedDatabaseAnswers503FastAndServiceResumesWhenItReturns() async throws {
        let cluster = try OwnPostgresCluster()
        defer { cluster.remove() }
        let (database, running) = try await cluster.migratedDatabase()
        defer { running.cancel() }
        let sqlite = try IMISDatabase.inMemory()
        try sqlite.migrate()
        try DemoDataset.load(into: sqlite, clock: .fixed(demoInstant))
        try await database.copyRows(from: sqlite)
        let app = buildApplication(
            ApplicationEnvironment(
                configuration: ServerConfiguration(), storage: .postgres(database), auth: testAuth(.postgres(database)),
                logger: TestPostgres.logger))
        let read = "/fhir/Patient/\(DemoDataset.johnDoeCHFID)"
        try await app.test(.router) { client in
            try await client.fhir(uri: read, method: .get) { response in #expect(response.status == .ok) }

            try await cluster.stop()
            for uri in [read, "/fhir/Patient?family=Doe&gender=male", read] {
                let started = ContinuousClock.now
                try await client.fhir(uri: uri, method: .get) { response in
                    #expect(response.status == .serviceUnavailable, "\(uri)")
                    let outcome = fhirBody(response)
                    #expect(outcome["resourceType"]?.string == "OperationOutcome")
                    #expect(issueCode(outcome) == "transient")
                    #expect(response.headers[.retryAfter].flatMap { Int($0) } ?? 0 >= 1)
                }
                let waited = ContinuousClock.now - started
                #expect(waited < Self.bound, "\(uri) answered after \(waited)")
            }
            // Signing in needs the database too: RFC 6749's temporarily_unavailable, 503.
            let (signIn, signInHeaders, signInBody) = try await client.token(
                [("grant_type", "password"), ("username", "Admin"), ("password", "admin123")])
            #expect(signIn == .serviceUnavailable)
            #expect(signInBody["error"]?.string == "temporarily_unavailable")
            #expect(signInHeaders[.retryAfter] != nil)
            // A good token this instance has not seen yet cannot be looked up either: 503, not 401 (the client must
            // not be told to sign in again).
            let unseen = testToken()
            try await client.fhir(uri: read, method: .get, headers: [.authorization: "Bearer \(unseen)"]) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(issueCode(fhirBody(response)) == "transient")
            }

            try await cluster.start()
            let back = ContinuousClock.now
            var status = HTTPResponse.Status.serviceUnavailable
            while status != .ok, ContinuousClock.now - back < Self.bound {
                status = try await client.fhir(uri: read, method: .get) { $0.status }
                if status != .ok { try await Task.sleep(for: .milliseconds(200)) }
            }
            let resumed = ContinuousClock.now - back
            #expect(status == .ok, "reads still fail \(resumed) after the database returned")
            #expect(resumed < .seconds(5), "reads answered again only after \(resumed)")
            try await client.fhir(uri: "/fhir/Patient?family=Doe&gender=female", method: .get) { response in
                #expect(response.status == .ok)
                #expect(entryIDs(fhirBody(response)) == [DemoDataset.UUIDs.janeDoe])
            }
        }
    }

    @Test func aValueTheMappingCannotReadAnswers500NamingTableAndColumn() async throws {
        let sqlite = try IMISDatabase.inMemory()
        try sqlite.migrate()
        try DemoDataset.load(into: sqlite, clock: .fixed(demoInstant))
        let lease = try await demoPostgres(copying: sqlite)
        // An openIMIS database may hold what this server never writes: here a covered member without an insuree.
        for sql in [
            #"ALTER TABLE "tblInsureePolicy" ALTER COLUMN "InsureeId" DROP NOT NULL"#,
            #"UPDATE "tblInsureePolicy" SET "InsureeId" = NULL"#,
        ] {
            _ = try await lease.database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger).collect()
        }
        let log = LogLines()
        let logger = Logger(label: "test") { _ in log }
        var environment = ApplicationEnvironment(
            configuration: ServerConfiguration(), storage: .postgres(lease.database),
            auth: testAuth(.postgres(lease.database)), logger: logger)
        environment.services = [lease]
        let app = buildApplication(environment)
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Contract/\(DemoDataset.UUIDs.doePolicy)", method: .get) { response in
                #expect(response.status == .internalServerError)
                let outcome = fhirBody(response)
                #expect(outcome["resourceType"]?.string == "OperationOutcome")
                #expect(issueCode(outcome) == "exception")
            }
            // The server is still there.
            try await client.fhir(uri: "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(log.lines.contains { $0.contains("tblInsureePolicy.InsureeId") }, "\(log.lines)")
    }
}

/// A log handler that keeps the lines of error level and above, with their metadata.
final class LogLines: LogHandler, @unchecked Sendable {
    private let box = NIOLockedValueBox<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .error

    var lines: [String] { box.withLockedValue { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        box.withLockedValue { $0.append("\(event.message) \(all)") }
    }
}

/// How storage errors map onto answers (`FHIRError.storage`): a database unavailable for now is 503 with
/// `Retry-After`, a search over a limit 400, a database the mapping cannot read 500.
@Suite struct StorageErrorMappingTests {
    @Test func anUnavailableDatabaseIs503WithRetryAfter() {
        let error = FHIRError.storage(DatabaseUnavailable("the database is busy", retryAfter: 3))
        #expect(error.status == .serviceUnavailable)
        #expect(error.headers[.retryAfter] == "3")
        #expect(error.operationOutcome.issue.first?.code.value == .transient)
        #expect(error.operationOutcome.issue.first?.severity.value == .error)
    }

    @Test func aSearchOverALimitIs400NamingIt() {
        let error = FHIRError.storage(QueryLimitExceeded("a search takes at most 64 parameters"))
        #expect(error.status == .badRequest)
        #expect(error.message == "a search takes at most 64 parameters")
    }

    @Test func aMismatchIs500NamingTableAndColumn() {
        let error = FHIRError.storage(
            DatabaseMismatch(table: "tblInsuree", column: "DOB", problem: "holds a value that is not a date"))
        #expect(error.status == .internalServerError)
        #expect(error.message.contains("tblInsuree.DOB holds a value that is not a date"))
    }
}

import Foundation
import IMISData
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle
import Testing

/// The PostgreSQL server of the tests: `IMIS_TEST_POSTGRES=postgres://user@127.0.0.1:PORT/postgres` (`.ci/run`
/// starts a throw-away cluster and sets it). Every test that uses it gets a database of its own, created with a
/// random name and dropped when the test's application goes away.
enum TestPostgres {
    /// The server's URL, when set.
    static let url: String? = ProcessInfo.processInfo.environment["IMIS_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether the HTTP suites run on PostgreSQL (`IMIS_TEST_BACKEND=postgresql`) instead of SQLite.
    static let isBackend: Bool = ProcessInfo.processInfo.environment["IMIS_TEST_BACKEND"]?.lowercased() == "postgresql"

    /// Why a PostgreSQL-only test is skipped.
    static let skipReason: Comment = "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"

    static var logger: Logger {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .critical
        return logger
    }

    /// The connection to the server's maintenance database, running for the whole test process.
    static let admin: IMISPostgres? = {
        guard let url, let settings = try? PostgresSettings(url: url) else { return nil }
        var admin = settings
        admin.tls = .disable
        admin.allowSlowTestMachines()
        let database = IMISPostgres(settings: admin, logger: logger)
        Task.detached { await database.run() }
        return database
    }()

    /// How many test databases may exist at once. The suites run in parallel; without a bound, hundreds of
    /// databases, each with its pool, would exceed the server's connections and the machine's cores.
    static let gate = TestGate(permits: 16)

    /// A new empty database on the test server; dropped when the returned lease is released.
    static func freshDatabase() async throws -> TestDatabaseLease {
        try await freshDatabase(creating: { "CREATE DATABASE \"\($0)\"" })
    }

    /// A new database made by the statement `create` gives for its name; dropped when the lease is released.
    static func freshDatabase(creating create: (String) -> String) async throws -> TestDatabaseLease {
        guard let url, let admin else { throw TestPostgresUnavailable() }
        let name = "imisfhir_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        await gate.acquire(for: String(name))
        // A database name cannot be bound; this one is made here of hex digits only.
        do {
            _ = try await admin.client.query(PostgresQuery(unsafeSQL: create(String(name))), logger: logger).collect()
        } catch {
            await gate.release(String(name))
            throw error
        }
        var settings = try PostgresSettings(url: url)
        settings.database = String(name)
        settings.tls = .disable
        settings.maximumConnections = 4
        settings.allowSlowTestMachines()
        let database = IMISPostgres(settings: settings, logger: logger)
        let running = Task.detached { await database.run() }
        return TestDatabaseLease(database: database, name: String(name), running: running)
    }
}

struct TestPostgresUnavailable: Error, CustomStringConvertible {
    var description: String { "IMIS_TEST_POSTGRES is not set" }
}

/// A test database: its pool runs while the lease lives; releasing it stops the pool and drops the database.
/// A `Service` so that an application keeps it; run by the router tests, it waits for their end (a service that
/// returned at once would shut the others down, the delivery of subscriptions among them).
final class TestDatabaseLease: Service, Sendable {
    let database: IMISPostgres
    let name: String
    private let running: Task<Void, Never>

    init(database: IMISPostgres, name: String, running: Task<Void, Never>) {
        self.database = database
        self.name = name
        self.running = running
    }

    func run() async throws {
        try? await gracefulShutdown()
    }

    deinit {
        running.cancel()
        let name = name
        guard let admin = TestPostgres.admin else { return }
        Task.detached {
            _ = try? await admin.client.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"), logger: TestPostgres.logger
            ).collect()
            await TestPostgres.gate.release(name)
        }
    }
}

/// A counting semaphore for async tests: `acquire` waits while every permit is taken — at most ``patience``: a
/// permit never given back (a lease kept alive by something that outlived its test) must fail the run with the names
/// of the tests holding permits, not hang it.
actor TestGate {
    private var permits: Int
    /// The holders' keys and the tests that took them.
    private var holders: [String: String] = [:]
    static let patience: Duration = .seconds(300)

    init(permits: Int) {
        self.permits = permits
    }

    func acquire(for key: String) async {
        let started = ContinuousClock.now
        while holders.count >= permits {
            if ContinuousClock.now - started > Self.patience {
                Issue.record("no test database within \(Self.patience): the permits are held by \(holders.values.sorted())")
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        holders[key] = Test.current?.name ?? "a test outside Swift Testing"
    }

    func release(_ key: String) {
        holders[key] = nil
    }
}

extension PostgresSettings {
    /// Waits long enough for a test machine running the whole suite at once: the tests of the bounded waits
    /// themselves set their own.
    mutating func allowSlowTestMachines() {
        connectTimeout = .seconds(60)
        poolTimeout = .seconds(120)
    }
}

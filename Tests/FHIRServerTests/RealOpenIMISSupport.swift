import Foundation
import HummingbirdTesting
import IMISData
import Logging
import PostgresNIO
import Testing

@testable import FHIRServer

/// A real openIMIS database (`fixtures/openimis/openimis-24.10-demo.sql.gz`: openIMIS's PostgreSQL schema and demo
/// data after the Django migrations of the openIMIS 24.10 assembly, see `fixtures/openimis/README.md`), loaded once
/// per test process into a template database with `psql`; every test gets a copy of its own.
enum RealOpenIMIS {
    /// The dump.
    static let dump = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/openimis/openimis-24.10-demo.sql.gz")

    /// Why the tests of the real database are skipped.
    static let skipReason: Comment = "IMIS_TEST_POSTGRES is not set: no PostgreSQL server to load the openIMIS dump into"

    /// The demo data's administrator, with openIMIS's own password hash.
    static let adminLogin = "Admin"
    static let adminPassword = "admin123"

    /// The template database, loaded on first use.
    private static let template = Task<String, any Error> {
        guard let url = TestPostgres.url, let admin = TestPostgres.admin else { throw TestPostgresUnavailable() }
        let name = "imisfhir_openimis_template_\(ProcessInfo.processInfo.processIdentifier)"
        _ = try await admin.client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"),
                                         logger: TestPostgres.logger).collect()
        _ = try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: TestPostgres.logger).collect()
        try load(dump, into: databaseURL(url, name))
        return name
    }

    /// `url` naming the database `name` instead of its own.
    static func databaseURL(_ url: String, _ name: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw TestPostgresUnavailable() }
        components.path = "/" + name
        return try #require(components.string)
    }

    /// Runs `gunzip -c dump | psql` into the database at `url`, stopping at the first error.
    static func load(_ dump: URL, into url: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"set -e; gunzip -c "$1" | psql -X -q -v ON_ERROR_STOP=1 -d "$2" >/dev/null"#, "sh",
                             dump.path, url]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LoadFailed(message: String(decoding: message, as: UTF8.self))
        }
    }

    struct LoadFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "loading the openIMIS dump failed: \(message)" }
    }

    /// A new database holding the real openIMIS database; dropped when the lease is released. Migrated (the project's
    /// own tables and indexes added) when `migrated`.
    static func freshCopy(migrated: Bool) async throws -> TestDatabaseLease {
        let template = try await template.value
        let lease = try await TestPostgres.freshDatabase(template: template)
        if migrated { try await lease.database.migrate() }
        return lease
    }

    /// The server (its router, without a socket) in front of a fresh copy, served as it is (`migrated` false) or
    /// migrated; the membership services check passwords the way a deployment does (openIMIS's hashes included).
    /// `prepare` runs on the copy first (a statement changing it), `logger` is the application's.
    static func withServer(migrated: Bool, configuration: ServerConfiguration = ServerConfiguration(),
                           logger: Logger = quietLogger, prepare: [String] = [],
                           _ body: @escaping @Sendable (any TestClientProtocol, IMISPostgres) async throws -> Void) async throws {
        let lease = try await freshCopy(migrated: migrated)
        for sql in prepare {
            _ = try await lease.database.client.query(PostgresQuery(unsafeSQL: sql), logger: TestPostgres.logger).collect()
        }
        let storage = Storage.postgres(lease.database)
        var environment = ApplicationEnvironment(configuration: configuration, storage: storage, auth: testAuth(storage),
                                                 logger: logger)
        environment.services = [lease]
        try await buildApplication(environment).test(.router) { client in try await body(client, lease.database) }
    }
}

extension TestPostgres {
    /// A new database copied from `template` on the test server; dropped when the returned lease is released.
    static func freshDatabase(template: String) async throws -> TestDatabaseLease {
        try await freshDatabase(creating: { "CREATE DATABASE \"\($0)\" TEMPLATE \"\(template)\"" })
    }
}

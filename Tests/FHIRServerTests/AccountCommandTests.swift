import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Logging
import Membership
import Testing

@testable import FHIRServer

/// `imis-fhir create-user` and `create-client`, run as the built executable, then used through HTTP.
@Suite("Account commands")
struct AccountCommandTests {
    /// The `imis-fhir` executable built beside the test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("imis-fhir")
    }

    /// Runs the built executable with `arguments` (in DEV mode, errors only, plus `environment`), `input` on its
    /// standard input; its exit status and what it wrote to standard output and error.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws
        -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ["MODE": "DEV", "LOG_LEVEL": "error", "PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func aCreatedClientAndUserSignInThroughTheTokenEndpoint() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the executable first")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let client = try Self.run(["create-client", "--database", path, "--id", "payments", "--scope", "system/Invoice.cru"])
        #expect(client.status == 0, "\(client.output)")
        let secret = try #require(client.output.split(separator: "\n").first { $0.hasPrefix("client_secret=") }?
            .dropFirst("client_secret=".count))
        let user = try Self.run(["create-user", "--database", path, "--username", "officer1", "--role", "Clerk"],
                                input: "Officer-pass-1\n")
        // The Clerk role only exists with the demo dataset: the command refuses an unknown role.
        #expect(user.status != 0)
        let database = try IMISDatabase.open(path: path)
        try DemoDataset.load(into: database)
        let created = try Self.run(["create-user", "--database", path, "--username", "officer1", "--role", "Clerk"],
                                   input: "Officer-pass-1\n")
        #expect(created.status == 0, "\(created.output)")
        let weak = try Self.run(["create-user", "--database", path, "--username", "officer2", "--password", "weak"])
        #expect(weak.status != 0)

        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = buildApplication(testEnvironment(database: database, logger: logger))
        try await app.test(.router) { http in
            let (status, _, body) = try await http.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                          ("client_secret", String(secret))])
            #expect(status == .ok)
            #expect(body["scope"]?.string == "system/Invoice.cru")
            let (signIn, _, _) = try await http.token([("grant_type", "password"), ("username", "officer1"), ("password", "Officer-pass-1")])
            #expect(signIn == .ok)
        }
    }

    /// The commands open the configured engine: on an openIMIS 24.10 database (`DB_ENGINE=postgresql`) they migrate
    /// it, create the client and the user there, and both sign in; openIMIS's rule accepts the user's password.
    @Test(.enabled(if: TestPostgres.url != nil, TestPostgres.skipReason))
    func theCommandsWorkOnAnOpenIMISPostgreSQLDatabase() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the executable first")
        let lease = try await RealOpenIMIS.freshCopy(migrated: false)
        let environment = ImportCommandTests.environment(lease.database.settings)
        let client = try Self.run(["create-client", "--id", "payments", "--scope", "system/Invoice.cru"], environment: environment)
        #expect(client.status == 0, "\(client.output)")
        let secret = try #require(client.output.split(separator: "\n").first { $0.hasPrefix("client_secret=") }?
            .dropFirst("client_secret=".count))
        let user = try Self.run(["create-user", "--username", "officer1", "--role", "Clerk"], environment: environment,
                                input: "Officer-pass-1\n")
        #expect(user.status == 0, "\(user.output)")
        let row = try #require(try await RealOpenIMISSignInTests.rows(lease.database, """
            SELECT "StoredPassword", "PrivateKey" FROM "tblUsers" WHERE "LoginName" = 'officer1' AND "ValidityTo" IS NULL
            """).first)
        let (stored, salt) = try row.decode((String?, String?).self)
        #expect(RealOpenIMISSignInTests.openIMISAccepts("Officer-pass-1", stored: stored, salt: salt))
        let storage = Storage.postgres(lease.database)
        var environmentOfServer = ApplicationEnvironment(configuration: ServerConfiguration(), storage: storage,
                                                         auth: testAuth(storage), logger: quietLogger)
        environmentOfServer.services = [lease]
        try await buildApplication(environmentOfServer).test(.router) { http in
            let (status, _, body) = try await http.token([("grant_type", "client_credentials"), ("client_id", "payments"),
                                                          ("client_secret", String(secret))])
            #expect(status == .ok)
            #expect(body["scope"]?.string == "system/Invoice.cru")
            let (signIn, _, _) = try await http.token([("grant_type", "password"), ("username", "officer1"),
                                                       ("password", "Officer-pass-1")])
            #expect(signIn == .ok)
        }
    }
}

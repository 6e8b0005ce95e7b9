import ArgumentParser
import FHIRServer
import Foundation
import IMISData
import Logging
import Membership

/// The `imis-fhir` command: `serve` (default), `migrate`, `demo-data`, `import`, `create-user`, `create-client`,
/// `capability-statement`.
@main
struct IMISFHIR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imis-fhir",
        abstract: "FHIR R4 facade server for openIMIS.",
        subcommands: [Serve.self, Migrate.self, DemoData.self, Import.self, CreateUser.self, CreateClient.self,
                      Capabilities.self, CheckDatabase.self, Export.self],
        defaultSubcommand: Serve.self)

    /// Sets the allocator up for `imis-fhir export` (``MallocArenas/limit()``) before any thread allocates much,
    /// then parses and runs the command. The server keeps glibc's default arenas: with one, its reads and claim
    /// submissions measured about 10% slower on 2 cores (`MALLOC_ARENA_MAX=1` gives a server the export's memory).
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "export" { MallocArenas.limit() }
        await main(nil)
    }
}

struct CommonOptions: ParsableArguments {
    @Option(help: "SQLite database file, or PostgreSQL database name (DB_NAME).") var database: String?
    @Option(help: "Run schema migrations at start (DJANGO_MIGRATE).") var migrate: Bool?
}

func makeLogger(_ settings: Settings) throws -> Logger {
    var logger = try settings.jsonLogs ? Logger(label: "imis-fhir") { JSONLogHandler(label: $0) } : Logger(label: "imis-fhir")
    logger.logLevel = try settings.logLevel
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the FHIR API (creates, migrates and seeds the database on first start in DEV).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (HOST).") var host: String?
    @Option(help: "Port (PORT).") var port: Int?

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        let configuration = try settings.serverConfiguration(host: host, port: port)
        let mapping = try settings.mappingContext()
        let demo = try settings.bool("DEMO_DATASET", !configuration.production)
        let opened = try Storage.open(try settings.storageSettings(common, demoDataset: demo), logger: logger) {
            logger.info("loaded the demo dataset")
        }
        let auth = try settings.authServices(storage: opened.storage, configuration: configuration, logger: logger)
        var environment = ApplicationEnvironment(
            configuration: configuration, storage: opened.storage, mapping: mapping, auth: auth, logger: logger)
        // The PostgreSQL pool runs beside the HTTP server; its migrations and demo dataset run once the pool is up,
        // before the server accepts requests.
        environment.services = opened.services
        if let sweep = EnrolmentSweep(auth: auth, logger: logger) { environment.services.append(sweep) }
        let lifecycle = configuration.operations.lifecycle
        environment.beforeServerStarts = [{
            lifecycle.setMigrationsPending(true)
            try await opened.prepare()
            lifecycle.setMigrationsPending(false)
        }]
        let app = buildApplication(environment)
        let engine = opened.storage.engine == .postgresql ? " on PostgreSQL" : ""
        logger.info("serving FHIR R4 at http://\(configuration.host):\(configuration.port)\(configuration.fhirBasePath)\(engine)")
        try await GracefulShutdown.run(app, configuration: configuration.operations, logger: logger)
        await GracefulShutdown.flush(auth.otp, within: .seconds(3))
        logger.info("stopped")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        let opened = try Storage.open(try settings.storageSettings(database: common.database, migrate: true), logger: logger)
        try await opened.run { try await opened.prepare() }
        print("migrated \(opened.name)")
    }
}

struct Capabilities: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capability-statement",
        abstract: "Print the CapabilityStatement the server serves (the source of capability-statement.json).")

    func run() async throws {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        let auth = AuthServices.sqlite(database: database, signer: JWTSigner(key: .hs256(secret: Array(OpaqueSecret.make().utf8))),
                                       settings: TokenSettings(), otpSecret: Array(OpaqueSecret.make().utf8))
        let service = buildService(
            ApplicationEnvironment(configuration: ServerConfiguration(), database: database, auth: auth, logger: Logger(label: "imis-fhir")))
        print(service.capabilityStatement.jsonString(pretty: true))
    }
}

extension Settings {
    /// ``storageSettings(database:migrate:demoDataset:)`` from the common options.
    func storageSettings(_ options: CommonOptions, demoDataset: Bool = false) throws -> StorageSettings {
        try storageSettings(database: options.database, migrate: options.migrate, demoDataset: demoDataset)
    }
}

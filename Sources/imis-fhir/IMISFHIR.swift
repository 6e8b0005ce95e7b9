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
                      Capabilities.self],
        defaultSubcommand: Serve.self)
}

struct CommonOptions: ParsableArguments {
    @Option(help: "SQLite database file, or PostgreSQL database name (DB_NAME).") var database: String?
    @Option(help: "Run schema migrations at start (DJANGO_MIGRATE).") var migrate: Bool?
}

func makeLogger(_ settings: Settings) throws -> Logger {
    var logger = Logger(label: "imis-fhir")
    logger.logLevel = try settings.logLevel
    return logger
}

func openDatabase(_ settings: Settings, _ options: CommonOptions, logger: Logger) throws -> IMISDatabase {
    let database = try IMISDatabase.open(path: options.database ?? settings.databasePath, logger: logger)
    if try options.migrate ?? settings.bool("DJANGO_MIGRATE", true) { try database.migrate() }
    return database
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
        if try settings.databaseEngine == .postgresql {
            try await servePostgres(settings, configuration: configuration, logger: logger)
            return
        }
        let database = try openDatabase(settings, common, logger: logger)
        let demo = try settings.bool("DEMO_DATASET", !configuration.production)
        if demo, !(try DemoDataset.isLoaded(in: database)) {
            try DemoDataset.load(into: database)
            logger.info("loaded the demo dataset")
        }
        let storage = Storage.sqlite(database)
        let auth = try settings.authServices(storage: storage, configuration: configuration, logger: logger)
        let app = buildApplication(ApplicationEnvironment(configuration: configuration, storage: storage, auth: auth, logger: logger))
        logger.info("serving FHIR R4 at http://\(configuration.host):\(configuration.port)\(configuration.fhirBasePath)")
        try await app.runService()
    }
}

extension Serve {
    /// Serves a PostgreSQL database: the connection pool runs as a service beside the HTTP server; migrations
    /// (unless `--migrate=false` / `DJANGO_MIGRATE=false`, which serves the database as it is) and the demo dataset
    /// run once the pool is up, before the server accepts requests.
    func servePostgres(_ settings: Settings, configuration: ServerConfiguration, logger: Logger) async throws {
        let database = IMISPostgres(settings: try settings.postgresSettings(database: common.database), logger: logger)
        let storage = Storage.postgres(database)
        let migrate = try common.migrate ?? settings.bool("DJANGO_MIGRATE", true)
        let demo = try settings.bool("DEMO_DATASET", !configuration.production)
        let auth = try settings.authServices(storage: storage, configuration: configuration, logger: logger)
        var environment = ApplicationEnvironment(configuration: configuration, storage: storage, auth: auth, logger: logger)
        environment.services = [database]
        environment.beforeServerStarts = [{
            if migrate { try await database.migrate() }
            if demo, migrate, try await database.isEmpty() {
                let sqlite = try IMISDatabase.inMemory()
                try sqlite.migrate()
                try DemoDataset.load(into: sqlite)
                try await database.copyRows(from: sqlite)
                logger.info("loaded the demo dataset")
            }
        }]
        let app = buildApplication(environment)
        logger.info("serving FHIR R4 at http://\(configuration.host):\(configuration.port)\(configuration.fhirBasePath) on PostgreSQL")
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        if try settings.databaseEngine == .postgresql {
            let postgres = try settings.postgresSettings(database: common.database)
            try await withPostgres(postgres, logger: logger) { database in try await database.migrate() }
            print("migrated PostgreSQL database \(postgres.database)")
            return
        }
        let database = try IMISDatabase.open(path: common.database ?? settings.databasePath, logger: logger)
        try database.migrate()
        print("migrated \(database.path)")
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


/// Runs `body` with a PostgreSQL database whose connection pool runs for as long as `body` does.
func withPostgres<T: Sendable>(_ settings: PostgresSettings, logger: Logger,
                               _ body: @Sendable (IMISPostgres) async throws -> T) async throws -> T {
    let database = IMISPostgres(settings: settings, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await database.run() }
        defer { group.cancelAll() }
        return try await body(database)
    }
}

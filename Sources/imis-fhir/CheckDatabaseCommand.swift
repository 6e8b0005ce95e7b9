import ArgumentParser
import FHIRServer
import Foundation
import IMISData
import Logging

/// `imis-fhir check-database`: whether the configured database can serve each resource type, sign-in and the
/// project's own tables, naming every table and column that is missing or of a type the server cannot read. The
/// database is opened as it is (never migrated); the exit status is non-zero when something the server needs is
/// absent.
struct CheckDatabase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-database",
        abstract: "Check that the database has the tables and columns the server reads (nothing is changed).")
    @Option(help: "SQLite database file, or PostgreSQL database name (DB_NAME).") var database: String?

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        let opened = try Storage.open(try settings.storageSettings(database: database, migrate: false), logger: logger)
        let areas = try await opened.run { try await DatabaseCheck.run(opened.storage) }
        print("\(opened.name)\n\(areas.report)")
        guard areas.canServeAll else {
            print("the database cannot serve everything: see the areas marked \"cannot be served\"")
            throw ExitCode(2)
        }
    }
}

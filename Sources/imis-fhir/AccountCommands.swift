import ArgumentParser
import FHIRServer
import Foundation
import IMISData
import Membership

/// `imis-fhir create-user`: an interactive user with openIMIS roles (the password is read from standard input when
/// not given, so it stays out of the shell history).
struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user", abstract: "Create a user (tblUsers, core_User, roles, districts).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Login name.") var username: String
    @Option(help: "Password (read from standard input when omitted).") var password: String?
    @Option(help: "Role name (repeatable), e.g. 'IMIS Administrator'.") var role: [String] = []
    @Option(name: .customLong("last-name"), help: "Last name.") var lastName: String = ""
    @Option(name: .customLong("other-names"), help: "Other names.") var otherNames: String = ""
    @Option(help: "E-mail.") var email: String?
    @Option(help: "District location code (repeatable) for row security.") var district: [String] = []

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        let secret = password ?? readLine(strippingNewline: true) ?? ""
        guard PasswordPolicy.accepts(secret) else { throw ValidationError(PasswordPolicy.description) }
        // The configured engine (DB_ENGINE): an SQLite file, or a PostgreSQL database such as openIMIS's own.
        let opened = try Storage.open(try settings.storageSettings(common), logger: logger)
        let (username, role, district, email) = (username, role, district, email)
        let (lastName, otherNames) = (lastName.isEmpty ? username : lastName, otherNames.isEmpty ? username : otherNames)
        let user = try await opened.run {
            try await opened.prepare()
            var districts: [Int64] = []
            for code in district {
                guard let location = try await opened.storage.store.record(Location.self, code: code),
                      location.kind == .district, let id = location.record.id
                else { throw ValidationError("no district with code \(code)") }
                districts.append(id)
            }
            // openIMIS's hash (so openIMIS signs the user in too) and the project's own stronger one.
            let credentials = PasswordHasher().credentials(for: secret)
            return try await opened.storage.accounts.createUser(NewUser(
                loginName: username, lastName: lastName, otherNames: otherNames, email: email,
                storedPassword: credentials.storedPassword, privateKey: credentials.privateKey,
                ownPassword: credentials.ownPassword, roles: role, districts: districts), now: Date())
        }
        print("created user \(user.loginName) (UserID \(user.id)) with roles: \(user.roles.joined(separator: ", "))")
    }
}

/// `imis-fhir create-client`: a system client for the client-credentials grant; prints its secret once.
struct CreateClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-client", abstract: "Create a system client and print its secret (shown only once).")
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("id"), help: "Client id.") var clientID: String
    @Option(help: "Display name.") var name: String?
    @Option(help: "Space-separated SMART system scopes, e.g. 'system/Invoice.cru system/PaymentNotice.c'.") var scope: String

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        let scopes = scope.split(separator: " ")
        guard !scopes.isEmpty, scopes.allSatisfy({ SMARTScope(String($0))?.context == .system }) else {
            throw ValidationError("--scope takes system scopes such as system/Invoice.cru")
        }
        let secret = OpaqueSecret.make()
        let client = SystemClient(clientID: clientID, secretHash: OpaqueSecret.hash(secret), name: name ?? clientID,
                                  scope: scopes.joined(separator: " "), createdAt: Date())
        // The configured engine (DB_ENGINE); the client table is the project's own, made by the migrations.
        let opened = try Storage.open(try settings.storageSettings(common), logger: logger)
        try await opened.run {
            try await opened.prepare()
            try await opened.storage.accounts.createClient(client)
        }
        print("client_id=\(clientID)")
        print("client_secret=\(secret)")
        print("(the secret is shown only now; it is stored as a hash)")
    }
}

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

/// `imis-fhir create-client`: a system client for the client-credentials grant. With a secret (printed once), or,
/// for SMART Backend Services, with the public keys it signs its assertions with (`--jwks FILE` or `--jwks-url URL`).
struct CreateClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-client",
        abstract: "Create a system client: with a secret (shown only once), or with public keys (--jwks, --jwks-url).")
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("id"), help: "Client id.") var clientID: String
    @Option(help: "Display name.") var name: String?
    @Option(help: "Space-separated SMART system scopes, e.g. 'system/Invoice.cru system/PaymentNotice.c'.") var scope: String
    @Option(help: "A JWK Set file with the client's public signing keys (RS384/ES384; RS256/ES256).") var jwks: String?
    @Option(name: .customLong("jwks-url"), help: "The URL of the client's JWK Set (HTTPS in PROD); fetched when needed.")
    var jwksURL: String?

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        let scopes = scope.split(separator: " ")
        guard !scopes.isEmpty, scopes.allSatisfy({ SMARTScope(String($0))?.context == .system }) else {
            throw ValidationError("--scope takes system scopes such as system/Invoice.cru")
        }
        let keys = try keyRegistration()
        let secret = OpaqueSecret.make()
        // A client with keys has no secret: the stored hash is of a random value nobody is shown.
        let client = SystemClient(clientID: clientID, secretHash: OpaqueSecret.hash(secret), name: name ?? clientID,
                                  scope: scopes.joined(separator: " "), createdAt: Date())
        // The configured engine (DB_ENGINE); the client tables are the project's own, made by the migrations.
        let opened = try Storage.open(try settings.storageSettings(common), logger: logger)
        try await opened.run {
            try await opened.prepare()
            if let keys {
                try await opened.storage.accounts.createClient(client, keys: keys)
            } else {
                try await opened.storage.accounts.createClient(client)
            }
        }
        print("client_id=\(clientID)")
        if let keys {
            print(keys.jwks != nil ? "authenticates with assertions signed by the keys of \(jwks ?? "")"
                                   : "authenticates with assertions signed by the keys at \(keys.jwksURL ?? "")")
        } else {
            print("client_secret=\(secret)")
            print("(the secret is shown only now; it is stored as a hash)")
        }
    }

    /// The keys given with `--jwks` or `--jwks-url`, checked now so that a bad file or URL is refused at once.
    func keyRegistration() throws -> ClientKeyRegistration? {
        switch (jwks, jwksURL) {
        case (nil, nil):
            return nil
        case (let path?, nil):
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            do {
                _ = try ClientJWKS(json: data)
            } catch {
                throw ValidationError("--jwks: \(Self.reason(error))")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("--jwks: not UTF-8 text") }
            return ClientKeyRegistration(clientID: clientID, jwks: text, createdAt: Date())
        case (nil, let url?):
            guard let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil
            else { throw ValidationError("--jwks-url must be an http(s) URL (HTTPS in PROD)") }
            return ClientKeyRegistration(clientID: clientID, jwksURL: url, createdAt: Date())
        default:
            throw ValidationError("give --jwks or --jwks-url, not both")
        }
    }

    /// What is wrong with a JWK Set file.
    static func reason(_ error: JWTError) -> String {
        if case .invalidKey(let reason) = error { return reason }
        return "not a usable JWK Set"
    }
}

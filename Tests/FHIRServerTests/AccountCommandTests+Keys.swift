import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Logging
import Membership
import Testing

@testable import FHIRServer

extension AccountCommandTests {
    @Test func aClientCreatedWithAJWKSFileAuthenticatesWithASignedAssertion() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the executable first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("accounts.sqlite").path
        let key = AssertionKey.es384()
        let jwks = directory.appendingPathComponent("dashboard.jwks.json")
        try Data(AssertionKey.jwks([key]).utf8).write(to: jwks)
        let created = try Self.run([
            "create-client", "--database", path, "--id", "dashboard", "--scope", "system/Patient.rs",
            "--jwks", jwks.path,
        ])
        #expect(created.status == 0, "\(created.output)")
        #expect(!created.output.contains("client_secret="))

        // A private key in the file, a file that is no JWK Set, and both --jwks and --jwks-url are refused.
        let privateFile = directory.appendingPathComponent("private.json")
        var withPrivate = key.jwk
        withPrivate["d"] = "AAAA"
        try JSONSerialization.data(withJSONObject: ["keys": [withPrivate]]).write(to: privateFile)
        let notASet = directory.appendingPathComponent("not-a-set.json")
        try Data("{\"kty\":\"EC\"}".utf8).write(to: notASet)
        for arguments in [
            ["--jwks", privateFile.path], ["--jwks", notASet.path],
            ["--jwks", jwks.path, "--jwks-url", "https://keys.example.org/jwks.json"],
        ] {
            let refused = try Self.run(
                ["create-client", "--database", path, "--id", "other", "--scope", "system/Patient.rs"] + arguments)
            #expect(refused.status != 0, "\(arguments)")
        }

        let database = try IMISDatabase.open(path: path)
        try DemoDataset.load(into: database)
        let app = buildApplication(testEnvironment(database: database, logger: quietLogger))
        try await app.test(.router) { http in
            let assertion = try key.sign(AssertionKey.claims(client: "dashboard", aud: try await http.tokenEndpoint()))
            let (status, _, body) = try await http.token(assertionRequest(assertion))
            #expect(status == .ok, "\(body)")
            #expect(body["scope"]?.string == "system/Patient.rs")
        }
    }
}

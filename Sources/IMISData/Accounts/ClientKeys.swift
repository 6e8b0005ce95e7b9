import Foundation
import GRDB

/// Where a system client's public signing keys come from (SMART Backend Services, RFC 7523 client authentication):
/// a JWK Set registered with the client, or the URL of one the server fetches.
public struct ClientKeyRegistration: Sendable, Hashable {
    public var clientID: String
    /// The JWK Set document (public keys only), when registered as a document.
    public var jwks: String?
    /// The URL of the client's JWK Set, when registered as a URL.
    public var jwksURL: String?
    public var createdAt: Date

    public init(clientID: String, jwks: String? = nil, jwksURL: String? = nil, createdAt: Date) {
        self.clientID = clientID
        self.jwks = jwks
        self.jwksURL = jwksURL
        self.createdAt = createdAt
    }
}

/// The project's tables for signed client assertions: the clients' keys, and the assertion ids (`jti`) seen while
/// they are valid, shared by every instance on one database so that an assertion is accepted once.
enum ClientKeySchema {
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_client_key (
          client_id TEXT PRIMARY KEY NOT NULL,
          jwks TEXT,
          jwks_url TEXT,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS imisfhir_client_assertion (
          client_id TEXT NOT NULL,
          jti TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (client_id, jti)
        );
        CREATE INDEX IF NOT EXISTS imisfhir_client_assertion_expiry ON imisfhir_client_assertion(expires_at);
        """
}

extension SQLAccountStore {
    // MARK: Keys of clients that authenticate with signed assertions

    public func createClient(_ client: SystemClient, keys: ClientKeyRegistration) async throws {
        guard try await sql.table("imisfhir_client_key") != nil else {
            throw DatabaseMismatch(table: "imisfhir_client_key", column: "client_id", problem: "is missing")
        }
        try await sql.transaction {
            try await createClient(client)
            try await sql.write(
                """
                INSERT INTO imisfhir_client_key (client_id, jwks, jwks_url, created_at) VALUES (?, ?, ?, ?)
                """, [client.clientID, keys.jwks, keys.jwksURL, UnixSeconds.of(keys.createdAt)])
        }
    }

    public func clientKeys(clientID: String) async throws -> ClientKeyRegistration? {
        guard try await sql.table("imisfhir_client_key") != nil else { return nil }
        return try await sql.fetch(
            """
            SELECT client_id, jwks, jwks_url, created_at FROM imisfhir_client_key WHERE client_id = ?
            """, [clientID]
        ).first.flatMap { row in
            guard row.count == 4, let id = String.fromDatabaseValue(row[0]) else { return nil }
            return ClientKeyRegistration(
                clientID: id, jwks: String.fromDatabaseValue(row[1]),
                jwksURL: String.fromDatabaseValue(row[2]),
                createdAt: UnixSeconds.date(row[3]) ?? Date(timeIntervalSince1970: 0))
        }
    }

    public func recordAssertionID(clientID: String, jti: String, expiresAt: Date, now: Date) async throws -> Bool {
        guard try await sql.table("imisfhir_client_assertion") != nil else {
            throw DatabaseMismatch(table: "imisfhir_client_assertion", column: "jti", problem: "is missing")
        }
        // Ids of expired assertions can go: an expired assertion is refused for its `exp` whatever its id.
        try await sql.write("DELETE FROM imisfhir_client_assertion WHERE expires_at < ?", [UnixSeconds.of(now)])
        let stored = try await sql.write(
            """
            INSERT INTO imisfhir_client_assertion (client_id, jti, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (client_id, jti) DO NOTHING RETURNING jti
            """, [clientID, jti, UnixSeconds.of(expiresAt)])
        return !stored.isEmpty
    }
}

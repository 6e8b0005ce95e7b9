import Foundation
import GRDB

/// The PostgreSQL implementation of `OTPChallengeStore` and `PushTokenStore`, so that a challenge started on one
/// server instance can be completed on another, and every instance counts the same attempts and limits.
///
/// Each state change is one conditional `UPDATE ... RETURNING` (only one instance can win it) or one transaction;
/// creating a challenge takes transaction-scoped advisory locks on its rate-limit keys, so that instances starting
/// challenges for the same contact, subject or address at the same moment are counted one after the other.
public struct PostgresOTPStore: OTPChallengeStore, PushTokenStore {
    public let database: IMISPostgres
    let accounts: PostgresAccountStore
    let registry: PostgresRegistryStore

    public init(database: IMISPostgres, clock: RegistryClock = .system) {
        self.database = database
        self.accounts = PostgresAccountStore(database: database)
        self.registry = PostgresRegistryStore(database: database, clock: clock)
    }

    static let columns = SQLiteOTPChallengeStore.columns

    static func seconds(_ date: Date) -> PGBind { .integer(SQLiteOTPChallengeStore.seconds(date)) }

    static func challenge(_ row: [DatabaseValue]) throws -> OTPChallenge {
        func date(_ index: Int) -> Date { SQLiteOTPChallengeStore.date(Int64.fromDatabaseValue(row[index]) ?? 0) }
        let id = String.fromDatabaseValue(row[0]) ?? ""
        guard let purpose = String.fromDatabaseValue(row[1]).flatMap(OTPPurpose.init(rawValue:)),
              let channel = String.fromDatabaseValue(row[5]).flatMap(ContactChannel.init(rawValue:))
        else { throw RegistryError.invalidValue("imisfhir_otp_challenge \(id): purpose or channel") }
        return OTPChallenge(
            id: id, purpose: purpose, insureeID: Int64.fromDatabaseValue(row[2]), userID: Int64.fromDatabaseValue(row[3]),
            destination: String.fromDatabaseValue(row[4]), channel: channel, newPhone: String.fromDatabaseValue(row[6]),
            newEmail: String.fromDatabaseValue(row[7]), codeMAC: String.fromDatabaseValue(row[8]) ?? "",
            createdAt: date(9), expiresAt: date(10), attempts: Int.fromDatabaseValue(row[11]) ?? 0,
            maxAttempts: Int.fromDatabaseValue(row[12]) ?? 0, resendCount: Int.fromDatabaseValue(row[13]) ?? 0,
            lastSentAt: date(14), consumedAt: Int64.fromDatabaseValue(row[15]).map(SQLiteOTPChallengeStore.date),
            clientIPHash: String.fromDatabaseValue(row[16]) ?? "", destinationHash: String.fromDatabaseValue(row[17]) ?? "",
            subjectHash: String.fromDatabaseValue(row[18]) ?? "", decoy: (Int.fromDatabaseValue(row[19]) ?? 0) != 0)
    }

    func challenges(_ statement: PGStatement) async throws -> [OTPChallenge] {
        try await database.rows(statement).map { try Self.challenge(try IMISPostgres.values($0)) }
    }

    public func challenge(id: String) async throws -> OTPChallenge? {
        var statement = PGStatement()
        statement.sql = "SELECT \(Self.columns) FROM imisfhir_otp_challenge WHERE id = \(statement.bind(.text(id)))"
        return try await challenges(statement).first
    }

    public func recentChallenges(_ key: OTPRateKey, since: Date) async throws -> [Date] {
        var statement = PGStatement()
        let condition: String
        switch key {
        case .destination(let hashes):
            guard !hashes.isEmpty else { return [] }
            condition = "destination_hash IN (\(hashes.sorted().map { statement.bind(.text($0)) }.joined(separator: ", ")))"
        case .subject(let hash):
            condition = "subject_hash = \(statement.bind(.text(hash)))"
        case .clientIP(let hash):
            condition = "client_ip_hash = \(statement.bind(.text(hash)))"
        }
        statement.sql = """
            SELECT created_at FROM imisfhir_otp_challenge
            WHERE \(condition) AND created_at > \(statement.bind(Self.seconds(since))) ORDER BY created_at
            """
        return try await database.rows(statement).map {
            SQLiteOTPChallengeStore.date(Int64.fromDatabaseValue(try IMISPostgres.values($0)[0]) ?? 0)
        }
    }

    /// The advisory-lock names of a rate key (one per hash, so that overlapping destination sets meet).
    static func lockNames(_ key: OTPRateKey) -> [String] {
        switch key {
        case .destination(let hashes): return hashes.map { "imisfhir otp destination " + $0 }
        case .subject(let hash): return ["imisfhir otp subject " + hash]
        case .clientIP(let hash): return ["imisfhir otp ip " + hash]
        }
    }

    public func createChallenge(_ challenge: OTPChallenge, limits: [OTPRateLimit]) async throws -> OTPCreation {
        try await database.transaction {
            // Sorted, so that two instances locking overlapping keys cannot deadlock.
            for name in Set(limits.flatMap { Self.lockNames($0.key) }).sorted() {
                var lock = PGStatement()
                lock.sql = "SELECT pg_advisory_xact_lock(hashtext(\(lock.bind(.text(name)))))"
                try await database.execute(lock)
            }
            var retryAfter: Date?
            for limit in limits {
                let times = try await recentChallenges(limit.key, since: limit.since)
                guard times.count >= limit.limit else { continue }
                let freed = times[times.count - max(limit.limit, 1)].addingTimeInterval(limit.window)
                retryAfter = max(retryAfter ?? freed, freed)
            }
            if let retryAfter { return .limited(retryAfter: retryAfter) }
            let c = challenge
            var insert = PGStatement()
            let values: [PGBind] = [
                .text(c.id), .text(c.purpose.rawValue), c.insureeID.map { .integer($0) } ?? .null,
                c.userID.map { .integer($0) } ?? .null, c.destination.map { .text($0) } ?? .null, .text(c.channel.rawValue),
                c.newPhone.map { .text($0) } ?? .null, c.newEmail.map { .text($0) } ?? .null, .text(c.codeMAC),
                Self.seconds(c.createdAt), Self.seconds(c.expiresAt), .integer(Int64(c.attempts)),
                .integer(Int64(c.maxAttempts)), .integer(Int64(c.resendCount)), Self.seconds(c.lastSentAt),
                c.consumedAt.map(Self.seconds) ?? .null, .text(c.clientIPHash), .text(c.destinationHash),
                .text(c.subjectHash), .integer(c.decoy ? 1 : 0),
            ]
            insert.sql = """
                INSERT INTO imisfhir_otp_challenge (\(Self.columns))
                VALUES (\(values.map { insert.bind($0) }.joined(separator: ", ")))
                """
            try await database.execute(insert)
            return .created
        }
    }

    public func recordAttempt(id: String, purpose: OTPPurpose, now: Date) async throws -> OTPChallenge? {
        var statement = PGStatement()
        statement.sql = """
            UPDATE imisfhir_otp_challenge SET attempts = attempts + 1
            WHERE id = \(statement.bind(.text(id))) AND purpose = \(statement.bind(.text(purpose.rawValue)))
              AND consumed_at IS NULL AND attempts < max_attempts AND expires_at > \(statement.bind(Self.seconds(now)))
            RETURNING \(Self.columns)
            """
        return try await challenges(statement).first
    }

    public func replaceCode(id: String, codeMAC: String, now: Date, expiresAt: Date, maxResends: Int,
                            minimumInterval: TimeInterval, createdAfter: Date) async throws -> OTPResend {
        let interval = Int64(minimumInterval.rounded(.up))
        var statement = PGStatement()
        let nowBind = statement.bind(Self.seconds(now))
        statement.sql = """
            UPDATE imisfhir_otp_challenge
            SET code_mac = \(statement.bind(.text(codeMAC))), expires_at = \(statement.bind(Self.seconds(expiresAt))),
                last_sent_at = \(nowBind), resend_count = resend_count + 1
            WHERE id = \(statement.bind(.text(id))) AND consumed_at IS NULL AND attempts < max_attempts
              AND created_at > \(statement.bind(Self.seconds(createdAfter))) AND resend_count < \(statement.bind(.integer(Int64(maxResends))))
              AND last_sent_at <= \(nowBind) - \(statement.bind(.integer(interval)))
            RETURNING \(Self.columns)
            """
        if let replaced = try await challenges(statement).first { return .replaced(replaced) }
        guard let challenge = try await challenge(id: id) else { return .unavailable }
        if challenge.consumedAt != nil || challenge.attempts >= challenge.maxAttempts || challenge.createdAt <= createdAfter {
            return .unavailable
        }
        if challenge.resendCount >= maxResends { return .limitReached }
        return .tooSoon(retryAfter: challenge.lastSentAt.addingTimeInterval(TimeInterval(interval)))
    }

    /// Marks the challenge consumed when its code is `codeMAC` and it is still usable, inside the caller's
    /// transaction; the challenge, or nil.
    func consume(id: String, purpose: OTPPurpose, codeMAC: String, now: Date) async throws -> OTPChallenge? {
        var statement = PGStatement()
        let nowBind = statement.bind(Self.seconds(now))
        // `attempts <= max_attempts`: the attempt being completed has been counted already (`recordAttempt`).
        statement.sql = """
            UPDATE imisfhir_otp_challenge SET consumed_at = \(nowBind)
            WHERE id = \(statement.bind(.text(id))) AND purpose = \(statement.bind(.text(purpose.rawValue)))
              AND code_mac = \(statement.bind(.text(codeMAC))) AND decoy = 0 AND consumed_at IS NULL
              AND expires_at > \(nowBind) AND attempts <= max_attempts
            RETURNING \(Self.columns)
            """
        return try await challenges(statement).first
    }

    public func consumeRegistration(id: String, codeMAC: String, now: Date, role: String,
                                    makeUser: (Insuree) -> NewUser) async throws -> UserAccount? {
        let userID: Int64? = try await database.transaction {
            guard let challenge = try await consume(id: id, purpose: .register, codeMAC: codeMAC, now: now),
                  let insureeID = challenge.insureeID,
                  let insuree = try await registry.record(Insuree.self, id: insureeID), insuree.record.isCurrent
            else { return nil }
            try await ensureRole(role, now: now)
            var user = makeUser(insuree.record)
            user.insureeID = insureeID
            user.roles = Array(Set(user.roles + [role])).sorted()
            let userID = try await accounts.insertUser(user, now: now)
            // The supplied contacts reach the insuree's record only now that the code has been verified.
            var updated = insuree.record
            if let phone = challenge.newPhone { updated.phone = phone }
            if let email = challenge.newEmail { updated.email = email }
            if updated != insuree.record {
                updated.auditUserID = userID
                _ = try await registry.updateRow(updated, now: now, ifVersion: nil)
            }
            return userID
        }
        guard let userID else { return nil }
        return try await accounts.user(id: userID)
    }

    public func consumeLogin(id: String, codeMAC: String, now: Date,
                             makeToken: (UserAccount) -> RefreshTokenRecord) async throws -> UserAccount? {
        try await database.transaction {
            guard let userID = try await consume(id: id, purpose: .login, codeMAC: codeMAC, now: now)?.userID,
                  let account = try await accounts.user(id: userID)
            else { return nil }
            try await database.execute(PostgresAccountStore.insert(makeToken(account)))
            return account
        }
    }

    /// Creates the role `name` (no rights, not a system role) when no current role has that name, under a lock on
    /// the name so that two instances registering their first insurees create it once.
    func ensureRole(_ name: String, now: Date) async throws {
        var lock = PGStatement()
        lock.sql = "SELECT pg_advisory_xact_lock(hashtext(\(lock.bind(.text("imisfhir role " + name)))))"
        try await database.execute(lock)
        var existing = PGStatement()
        existing.sql = """
            SELECT 1 FROM "tblRole" WHERE "RoleName" = \(existing.bind(.text(name))) AND "ValidityTo" IS NULL
            """
        guard try await database.rows(existing).isEmpty else { return }
        guard let from = try await database.catalog().column("tblRole", "ValidityFrom") else {
            throw DatabaseMismatch(table: "tblRole", column: "ValidityFrom", problem: "is missing")
        }
        var insert = PGStatement()
        insert.sql = """
            INSERT INTO "tblRole" ("RoleUUID", "RoleName", "IsSystem", \(from.quoted))
            VALUES (\(insert.bind(.text(RowUUID.make()))), \(insert.bind(.text(name))), 0,
                    \(from.cast(insert.bind(.text(now.databaseText)))))
            """
        try await database.execute(insert)
    }

    public func purgeChallenges(createdBefore cutoff: Date) async throws {
        var statement = PGStatement()
        statement.sql = "DELETE FROM imisfhir_otp_challenge WHERE created_at < \(statement.bind(Self.seconds(cutoff)))"
        try await database.execute(statement)
    }

    // MARK: Push tokens

    public func savePushToken(_ token: String, userID: Int64, now: Date) async throws -> Bool {
        var statement = PGStatement()
        // The conflict update applies only to the caller's own token (see `PushTokenStore.savePushToken`); a row
        // comes back only when the token is, or now is, the caller's.
        statement.sql = """
            INSERT INTO imisfhir_push_token (token, user_id, created_at)
            VALUES (\(statement.bind(.text(token))), \(statement.bind(.integer(userID))), \(statement.bind(Self.seconds(now))))
            ON CONFLICT (token) DO UPDATE SET created_at = excluded.created_at
            WHERE imisfhir_push_token.user_id = excluded.user_id
            RETURNING token
            """
        return try await database.execute(statement) == 1
    }

    public func deletePushToken(_ token: String, userID: Int64) async throws -> Bool {
        var statement = PGStatement()
        statement.sql = """
            DELETE FROM imisfhir_push_token WHERE token = \(statement.bind(.text(token))) AND user_id = \(statement.bind(.integer(userID)))
            RETURNING token
            """
        return try await database.execute(statement) == 1
    }

    public func deletePushToken(_ token: String) async throws {
        var statement = PGStatement()
        statement.sql = "DELETE FROM imisfhir_push_token WHERE token = \(statement.bind(.text(token)))"
        try await database.execute(statement)
    }

    public func pushTokens(userID: Int64) async throws -> [PushToken] {
        var statement = PGStatement()
        statement.sql = """
            SELECT token, user_id, created_at FROM imisfhir_push_token WHERE user_id = \(statement.bind(.integer(userID)))
            ORDER BY created_at, token
            """
        return try await database.rows(statement).map {
            let row = try IMISPostgres.values($0)
            return PushToken(token: String.fromDatabaseValue(row[0]) ?? "", userID: Int64.fromDatabaseValue(row[1]) ?? 0,
                             createdAt: SQLiteOTPChallengeStore.date(Int64.fromDatabaseValue(row[2]) ?? 0))
        }
    }
}

import Foundation
import GRDB

/// The SQLite implementation of `OTPChallengeStore`. Methods are synchronous (short statements) and also satisfy
/// the protocol's `async` requirements.
public struct SQLiteOTPChallengeStore: OTPChallengeStore {
    public let database: IMISDatabase

    public init(database: IMISDatabase) {
        self.database = database
    }

    static let columns = """
        id, purpose, insuree_id, user_id, destination, channel, new_phone, new_email, code_mac, created_at, expires_at,
        attempts, max_attempts, resend_count, last_sent_at, consumed_at, client_ip_hash, destination_hash, subject_hash, decoy
        """

    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    static func challenge(_ db: Database, id: String) throws -> OTPChallenge? {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM imisfhir_otp_challenge WHERE id = ?",
                                         arguments: [id])
        else { return nil }
        guard let purpose = OTPPurpose(rawValue: row[1]), let channel = ContactChannel(rawValue: row[5]) else {
            throw RegistryError.invalidValue("imisfhir_otp_challenge \(id): purpose or channel")
        }
        return OTPChallenge(
            id: row[0], purpose: purpose, insureeID: row[2], userID: row[3], destination: row[4], channel: channel,
            newPhone: row[6], newEmail: row[7], codeMAC: row[8], createdAt: date(row[9]), expiresAt: date(row[10]),
            attempts: row[11], maxAttempts: row[12], resendCount: row[13], lastSentAt: date(row[14]),
            consumedAt: (row[15] as Int64?).map(date), clientIPHash: row[16], destinationHash: row[17],
            subjectHash: row[18], decoy: row[19])
    }

    static func times(_ db: Database, _ key: OTPRateKey, since: Date) throws -> [Date] {
        let condition: String
        var arguments: [any DatabaseValueConvertible]
        switch key {
        case .destination(let hashes):
            guard !hashes.isEmpty else { return [] }
            condition = "destination_hash IN (\(Array(repeating: "?", count: hashes.count).joined(separator: ",")))"
            arguments = hashes.sorted()
        case .subject(let hash):
            condition = "subject_hash = ?"
            arguments = [hash]
        case .clientIP(let hash):
            condition = "client_ip_hash = ?"
            arguments = [hash]
        }
        arguments.append(seconds(since))
        return try Int64.fetchAll(db, sql: """
            SELECT created_at FROM imisfhir_otp_challenge WHERE \(condition) AND created_at > ? ORDER BY created_at
            """, arguments: StatementArguments(arguments)).map(date)
    }

    public func createChallenge(_ challenge: OTPChallenge, limits: [OTPRateLimit]) async throws -> OTPCreation {
        try await database.write { db in
            var retryAfter: Date?
            for limit in limits {
                let times = try Self.times(db, limit.key, since: limit.since)
                guard times.count >= limit.limit else { continue }
                // The window frees a place when the oldest challenges beyond the limit leave it.
                let freed = times[times.count - max(limit.limit, 1)].addingTimeInterval(limit.window)
                retryAfter = max(retryAfter ?? freed, freed)
            }
            if let retryAfter { return .limited(retryAfter: retryAfter) }
            let c = challenge
            try db.execute(sql: """
                INSERT INTO imisfhir_otp_challenge (\(Self.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [c.id, c.purpose.rawValue, c.insureeID, c.userID, c.destination, c.channel.rawValue,
                                 c.newPhone, c.newEmail, c.codeMAC, Self.seconds(c.createdAt), Self.seconds(c.expiresAt),
                                 c.attempts, c.maxAttempts, c.resendCount, Self.seconds(c.lastSentAt),
                                 c.consumedAt.map(Self.seconds), c.clientIPHash, c.destinationHash, c.subjectHash,
                                 c.decoy])
            return .created
        }
    }

    public func challenge(id: String) throws -> OTPChallenge? {
        try database.read { db in try Self.challenge(db, id: id) }
    }

    public func recentChallenges(_ key: OTPRateKey, since: Date) throws -> [Date] {
        try database.read { db in try Self.times(db, key, since: since) }
    }

    public func recordAttempt(id: String, purpose: OTPPurpose, now: Date) async throws -> OTPChallenge? {
        try await database.write { db in
            try db.execute(sql: """
                UPDATE imisfhir_otp_challenge SET attempts = attempts + 1
                WHERE id = ? AND purpose = ? AND consumed_at IS NULL AND attempts < max_attempts AND expires_at > ?
                """, arguments: [id, purpose.rawValue, Self.seconds(now)])
            guard db.changesCount == 1 else { return nil }
            return try Self.challenge(db, id: id)
        }
    }

    public func replaceCode(id: String, codeMAC: String, now: Date, expiresAt: Date, maxResends: Int,
                            minimumInterval: TimeInterval, createdAfter: Date) async throws -> OTPResend {
        let nowSeconds = Self.seconds(now)
        return try await database.write { db in
            try db.execute(sql: """
                UPDATE imisfhir_otp_challenge
                SET code_mac = ?, expires_at = ?, last_sent_at = ?, resend_count = resend_count + 1
                WHERE id = ? AND consumed_at IS NULL AND attempts < max_attempts AND created_at > ?
                  AND resend_count < ? AND last_sent_at <= ?
                """, arguments: [codeMAC, Self.seconds(expiresAt), nowSeconds, id, Self.seconds(createdAfter),
                                 maxResends, nowSeconds - Int64(minimumInterval.rounded(.up))])
            let replaced = db.changesCount == 1
            guard let challenge = try Self.challenge(db, id: id) else { return .unavailable }
            if replaced { return .replaced(challenge) }
            if challenge.consumedAt != nil || challenge.attempts >= challenge.maxAttempts
                || challenge.createdAt <= createdAfter {
                return .unavailable
            }
            if challenge.resendCount >= maxResends { return .limitReached }
            return .tooSoon(retryAfter: challenge.lastSentAt.addingTimeInterval(minimumInterval.rounded(.up)))
        }
    }

    /// Marks the challenge consumed when its code is `codeMAC` and it is still usable; false otherwise.
    static func consume(_ db: Database, id: String, purpose: OTPPurpose, codeMAC: String, now: Date) throws -> Bool {
        let now = seconds(now)
        // `attempts <= max_attempts`: the attempt being completed has been counted already (`recordAttempt`).
        try db.execute(sql: """
            UPDATE imisfhir_otp_challenge SET consumed_at = ?
            WHERE id = ? AND purpose = ? AND code_mac = ? AND decoy = 0 AND consumed_at IS NULL
              AND expires_at > ? AND attempts <= max_attempts
            """, arguments: [now, id, purpose.rawValue, codeMAC, now])
        return db.changesCount == 1
    }

    public func consumeRegistration(id: String, codeMAC: String, now: Date, role: String,
                                    makeUser: (Insuree) -> NewUser) async throws -> UserAccount? {
        try await database.write { db -> UserAccount? in
            guard try Self.consume(db, id: id, purpose: .register, codeMAC: codeMAC, now: now),
                  let challenge = try Self.challenge(db, id: id),
                  let insureeID = challenge.insureeID,
                  let insuree = try RegistrySQL.byID(db, Insuree.self, insureeID), insuree.record.isCurrent
            else { return nil }
            try Self.ensureRole(db, name: role, now: now)
            var user = makeUser(insuree.record)
            user.insureeID = insureeID
            user.roles = Array(Set(user.roles + [role])).sorted()
            let userID = try SQLiteAccountStore.insertUser(user, db, now: now)
            // The supplied contacts reach the insuree's record only now that the code has been verified.
            var updated = insuree.record
            if let phone = challenge.newPhone { updated.phone = phone }
            if let email = challenge.newEmail { updated.email = email }
            if updated != insuree.record {
                updated.auditUserID = userID
                _ = try RegistrySQL.update(db, updated, now: now, ifVersion: nil)
            }
            return try SQLiteAccountStore.account(db, where: "u.UserID = ?", [userID])
        }
    }

    public func consumeLogin(id: String, codeMAC: String, now: Date,
                             makeToken: (UserAccount) -> RefreshTokenRecord) async throws -> UserAccount? {
        try await database.write { db -> UserAccount? in
            guard try Self.consume(db, id: id, purpose: .login, codeMAC: codeMAC, now: now),
                  let userID = try Self.challenge(db, id: id)?.userID,
                  let account = try SQLiteAccountStore.account(db, where: "u.UserID = ?", [userID])
            else { return nil }
            try SQLiteAccountStore.insert(makeToken(account), db)
            return account
        }
    }

    /// Creates the role `name` (no rights, not a system role) when no current role has that name; openIMIS's
    /// membership module does the same for its `insuree` role.
    static func ensureRole(_ db: Database, name: String, now: Date) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tblRole WHERE RoleName = ? AND ValidityTo IS NULL",
                                arguments: [name]) != true
        else { return }
        try db.execute(sql: "INSERT INTO tblRole (RoleUUID, RoleName, IsSystem, ValidityFrom) VALUES (?, ?, 0, ?)",
                       arguments: [RowUUID.make(), name, Timestamp.string(from: now)])
    }

    public func purgeChallenges(createdBefore cutoff: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM imisfhir_otp_challenge WHERE created_at < ?", arguments: [Self.seconds(cutoff)])
        }
    }
}

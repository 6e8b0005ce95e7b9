import Foundation
import GRDB

/// `OTPChallengeStore` written once for every engine (see ``AccountSQL``), so that a challenge started on one
/// server instance can be completed on another, and every instance counts the same attempts and limits.
///
/// Each state change is one conditional `UPDATE ... RETURNING` (only one instance can win it) or one transaction;
/// creating a challenge locks its rate-limit keys for the transaction, so that instances starting challenges for
/// the same contact, subject or address at the same moment are counted one after the other.
public struct SQLOTPChallengeStore: OTPChallengeStore {
    /// The engine's statements.
    public let sql: any AccountSQL
    let accounts: SQLAccountStore

    /// The store over `sql`.
    public init(sql: any AccountSQL) {
        self.sql = sql
        self.accounts = SQLAccountStore(sql: sql)
    }

    static let columns = """
        id, purpose, insuree_id, user_id, destination, channel, new_phone, new_email, code_mac, created_at, expires_at, \
        attempts, max_attempts, resend_count, last_sent_at, consumed_at, client_ip_hash, destination_hash, subject_hash, decoy
        """

    /// The challenge of a row of ``columns``.
    static func challenge(_ row: [DatabaseValue]) throws -> OTPChallenge? {
        guard row.count == 20 else { return nil }
        func date(_ index: Int) -> Date { UnixSeconds.date(row[index]) ?? Date(timeIntervalSince1970: 0) }
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
            lastSentAt: date(14), consumedAt: UnixSeconds.date(row[15]),
            clientIPHash: String.fromDatabaseValue(row[16]) ?? "", destinationHash: String.fromDatabaseValue(row[17]) ?? "",
            subjectHash: String.fromDatabaseValue(row[18]) ?? "", decoy: (Int.fromDatabaseValue(row[19]) ?? 0) != 0)
    }

    public func challenge(id: String) async throws -> OTPChallenge? {
        try await sql.fetch("SELECT \(Self.columns) FROM imisfhir_otp_challenge WHERE id = ?", [id]).first
            .flatMap(Self.challenge)
    }

    public func recentChallenges(_ key: OTPRateKey, since: Date) async throws -> [Date] {
        let condition: String
        var arguments: [(any DatabaseValueConvertible)?]
        switch key {
        case .destination(let hashes):
            guard !hashes.isEmpty else { return [] }
            condition = "destination_hash IN (\(Array(repeating: "?", count: hashes.count).joined(separator: ", ")))"
            arguments = hashes.sorted()
        case .subject(let hash):
            condition = "subject_hash = ?"
            arguments = [hash]
        case .clientIP(let hash):
            condition = "client_ip_hash = ?"
            arguments = [hash]
        }
        arguments.append(UnixSeconds.of(since))
        return try await sql.fetch("""
            SELECT created_at FROM imisfhir_otp_challenge WHERE \(condition) AND created_at > ? ORDER BY created_at
            """, arguments).compactMap { $0.first.flatMap(UnixSeconds.date) }
    }

    /// The lock names of a rate key (one per hash, so that overlapping destination sets meet).
    static func lockNames(_ key: OTPRateKey) -> [String] {
        switch key {
        case .destination(let hashes): return hashes.map { "imisfhir otp destination " + $0 }
        case .subject(let hash): return ["imisfhir otp subject " + hash]
        case .clientIP(let hash): return ["imisfhir otp ip " + hash]
        }
    }

    public func createChallenge(_ challenge: OTPChallenge, limits: [OTPRateLimit]) async throws -> OTPCreation {
        try await sql.transaction {
            // Sorted, so that two instances locking overlapping keys cannot deadlock.
            for name in Set(limits.flatMap { Self.lockNames($0.key) }).sorted() { try await sql.lock(name) }
            var retryAfter: Date?
            for limit in limits {
                let times = try await recentChallenges(limit.key, since: limit.since)
                guard times.count >= limit.limit else { continue }
                // The window frees a place when the oldest challenges beyond the limit leave it.
                let freed = times[times.count - max(limit.limit, 1)].addingTimeInterval(limit.window)
                retryAfter = max(retryAfter ?? freed, freed)
            }
            if let retryAfter { return .limited(retryAfter: retryAfter) }
            let c = challenge
            try await sql.write("""
                INSERT INTO imisfhir_otp_challenge (\(Self.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [c.id, c.purpose.rawValue, c.insureeID, c.userID, c.destination, c.channel.rawValue, c.newPhone,
                      c.newEmail, c.codeMAC, UnixSeconds.of(c.createdAt), UnixSeconds.of(c.expiresAt), c.attempts,
                      c.maxAttempts, c.resendCount, UnixSeconds.of(c.lastSentAt), UnixSeconds.of(optional: c.consumedAt),
                      c.clientIPHash, c.destinationHash, c.subjectHash, c.decoy ? 1 : 0])
            return .created
        }
    }

    public func recordAttempt(id: String, purpose: OTPPurpose, now: Date) async throws -> OTPChallenge? {
        try await sql.write("""
            UPDATE imisfhir_otp_challenge SET attempts = attempts + 1
            WHERE id = ? AND purpose = ? AND consumed_at IS NULL AND attempts < max_attempts AND expires_at > ?
            RETURNING \(Self.columns)
            """, [id, purpose.rawValue, UnixSeconds.of(now)]).first.flatMap(Self.challenge)
    }

    public func replaceCode(id: String, codeMAC: String, now: Date, expiresAt: Date, maxResends: Int,
                            minimumInterval: TimeInterval, createdAfter: Date) async throws -> OTPResend {
        let interval = Int64(minimumInterval.rounded(.up))
        let nowSeconds = UnixSeconds.of(now)
        if let replaced = try await sql.write("""
            UPDATE imisfhir_otp_challenge SET code_mac = ?, expires_at = ?, last_sent_at = ?, resend_count = resend_count + 1
            WHERE id = ? AND consumed_at IS NULL AND attempts < max_attempts AND created_at > ?
              AND resend_count < ? AND last_sent_at <= ?
            RETURNING \(Self.columns)
            """, [codeMAC, UnixSeconds.of(expiresAt), nowSeconds, id, UnixSeconds.of(createdAfter), maxResends,
                  nowSeconds - interval]).first.flatMap(Self.challenge) {
            return .replaced(replaced)
        }
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
        // `attempts <= max_attempts`: the attempt being completed has been counted already (`recordAttempt`).
        try await sql.write("""
            UPDATE imisfhir_otp_challenge SET consumed_at = ?
            WHERE id = ? AND purpose = ? AND code_mac = ? AND decoy = 0 AND consumed_at IS NULL
              AND expires_at > ? AND attempts <= max_attempts
            RETURNING \(Self.columns)
            """, [UnixSeconds.of(now), id, purpose.rawValue, codeMAC, UnixSeconds.of(now)]).first.flatMap(Self.challenge)
    }

    public func consumeRegistration(id: String, codeMAC: String, now: Date, role: String,
                                    makeUser: (Insuree) -> NewUser) async throws -> UserAccount? {
        let userID: Int64? = try await sql.transaction {
            guard let challenge = try await consume(id: id, purpose: .register, codeMAC: codeMAC, now: now),
                  let insureeID = challenge.insureeID,
                  let insuree = try await sql.insuree(id: insureeID), insuree.record.isCurrent
            else { return nil }
            try await accounts.ensureRole(role, now: now)
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
                try await sql.updateInsuree(updated, now: now)
            }
            return userID
        }
        guard let userID else { return nil }
        return try await accounts.user(id: userID)
    }

    public func consumeLogin(id: String, codeMAC: String, now: Date,
                             makeToken: (UserAccount) -> RefreshTokenRecord) async throws -> UserAccount? {
        try await sql.transaction {
            guard let userID = try await consume(id: id, purpose: .login, codeMAC: codeMAC, now: now)?.userID,
                  let account = try await accounts.user(id: userID)
            else { return nil }
            try await accounts.insert(makeToken(account))
            return account
        }
    }

    public func purgeChallenges(createdBefore cutoff: Date) async throws {
        try await sql.write("DELETE FROM imisfhir_otp_challenge WHERE created_at < ?", [UnixSeconds.of(cutoff)])
    }
}

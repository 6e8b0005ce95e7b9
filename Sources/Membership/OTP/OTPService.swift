import Crypto
import Foundation
import IMISData
import Logging

/// OTP challenges for insuree self-registration and passwordless sign-in (security.md, OTP; api.md §2).
///
/// **No enumeration.** Starting a challenge answers the same `OTPStart` (a new id, `expires_in`, `channel`,
/// `resend_after`) whether or not the insuree exists, the birth date and family match, or the insuree already has
/// an account: in those cases the challenge is a *decoy* — stored, counted by the limits and verified like any
/// other, but nothing is sent and no code can ever complete it. Delivery runs in the background (`Notifier`), so
/// the answer's timing does not show whether something was sent either.
///
/// **Contact rule (no takeover).**
/// - Registration: the answer's `channel` depends only on the request: `sms` when a phone number is supplied,
///   `email` otherwise. The code goes to the insuree's *recorded* contact of that kind; when the record has only
///   the other kind, to that one (the record's owner is who must confirm); only when the record has no contact at
///   all, to the supplied one. The supplied phone and e-mail are written onto the insuree only when the code is
///   verified, in the transaction that creates the user.
/// - Sign-in: only users linked to an insuree (self-registered) can sign in with a code. It goes to the
///   insuree's phone, else the user's phone, else the insuree's e-mail, else the user's e-mail; the answer's
///   `channel` is always `policy.loginChannel`.
///
/// **Limits.** At most `perDestinationLimit` new challenges per window for the destination (and for the contact
/// supplied, and for the CHFID or username asked for), and `perClientLimit` per client IP; decoys count the
/// same way. At most `maxAttempts` verification attempts per challenge, `maxResends` resends `resendInterval`
/// apart; a resend replaces the code and resets the expiry.
///
/// The code is stored only as an HMAC keyed by the server secret, compared in constant time, and never logged,
/// returned or put in an error.
public struct OTPService: Sendable {
    let challenges: any OTPChallengeStore
    let registry: any RegistryStore
    let accounts: any AccountStore
    public let notifier: Notifier
    let keyring: OTPKeyring
    public let policy: OTPPolicy
    let messages: OTPMessages
    let clock: RegistryClock
    let codes: OTPCodeGenerator
    let logger: Logger

    /// Waits until the codes being sent in the background have gone out (or failed), for a graceful shutdown.
    public func drainDeliveries() async { await notifier.drain() }

    /// - Parameters:
    ///   - secret: the server secret the code MACs and contact hashes are keyed with (a key is derived from it).
    ///   - clock, codes: injectable for tests.
    public init(challenges: any OTPChallengeStore, registry: any RegistryStore, accounts: any AccountStore,
                notifier: Notifier, secret: SymmetricKey, policy: OTPPolicy = OTPPolicy(),
                messages: OTPMessages = OTPMessages(), clock: RegistryClock = .system,
                codes: OTPCodeGenerator = .system, logger: Logger = Logger(label: "imis.otp")) {
        self.challenges = challenges
        self.registry = registry
        self.accounts = accounts
        self.notifier = notifier
        self.keyring = OTPKeyring(secret: secret)
        self.policy = policy
        self.messages = messages
        self.clock = clock
        self.codes = codes
        self.logger = logger
    }

    /// Starts a registration: `chfid` is the insuree's number, `headCHFID` its family head's, `birthDate` its date of
    /// birth; `phone` or `email` (at least one) is the contact to register.
    public func startRegistration(chfid: String, headCHFID: String, birthDate: LocalDate, phone: String?,
                                  email: String?, clientIP: String) async throws -> OTPStart {
        let chfid = chfid.trimmingCharacters(in: .whitespaces)
        let headCHFID = headCHFID.trimmingCharacters(in: .whitespaces)
        guard !chfid.isEmpty else { throw OTPError.invalidRequest("chfid") }
        guard !headCHFID.isEmpty else { throw OTPError.invalidRequest("head_chfid") }
        let phone = try phone?.trimmingCharacters(in: .whitespaces).nilIfEmpty.map {
            guard let number = Contact.phone(normalizing: $0) else { throw OTPError.invalidRequest("phone") }
            return number
        }
        let email = try email?.trimmingCharacters(in: .whitespaces).nilIfEmpty.map {
            guard let address = Contact.email(normalizing: $0) else { throw OTPError.invalidRequest("email") }
            return address
        }
        guard let supplied = phone.map(Contact.phone) ?? email.map(Contact.email) else {
            throw OTPError.invalidRequest("phone or email")
        }
        let announced = supplied.channel

        // The same lookups whatever the outcome.
        let insuree = try await registry.insuree(chfid: chfid)?.record
        let family = try await registry.family(headCHFID: headCHFID)?.record
        var existingUser: UserAccount?
        if let id = insuree?.id { existingUser = try await accounts.user(insureeID: id) }
        var target: Contact?
        if let insuree, insuree.isCurrent, insuree.dob == birthDate, let familyID = insuree.familyID,
           familyID == family?.id, existingUser == nil {
            target = Contact.onRecord(phone: insuree.phone, email: insuree.email, preferring: announced) ?? supplied
        }
        let destinations = Set([supplied, target].compactMap { $0.map(keyring.contactHash) })
        return try await start(purpose: .register, insureeID: target == nil ? nil : insuree?.id, userID: nil,
                               target: target, announced: announced, newPhone: phone, newEmail: email,
                               destinationHash: keyring.contactHash(target ?? supplied), limitedDestinations: destinations,
                               subject: chfid, clientIP: clientIP)
    }

    /// Starts a passwordless sign-in for `username`.
    public func startLogin(username: String, clientIP: String) async throws -> OTPStart {
        guard !username.isEmpty, username.count <= 150 else { throw OTPError.invalidRequest("username") }
        let user = try await accounts.user(loginName: username)
        var target: Contact?
        if let user, let insureeID = user.insureeID {
            let insuree = try await registry.record(Insuree.self, id: insureeID)?.record
            target = Contact.onRecord(phone: insuree?.phone?.nilIfEmpty ?? user.phone,
                                      email: insuree?.email?.nilIfEmpty ?? user.email, preferring: .sms)
        }
        let destinationHash = target.map(keyring.contactHash) ?? keyring.subjectHash(.login, "no contact: " + username)
        return try await start(purpose: .login, insureeID: target == nil ? nil : user?.insureeID,
                               userID: target == nil ? nil : user?.id, target: target, announced: policy.loginChannel,
                               newPhone: nil, newEmail: nil, destinationHash: destinationHash,
                               limitedDestinations: Set(target.map { [keyring.contactHash($0)] } ?? []),
                               subject: username, clientIP: clientIP)
    }

    /// Stores the challenge (a decoy when `target` is nil) unless a limit is reached, then queues the code.
    private func start(purpose: OTPPurpose, insureeID: Int64?, userID: Int64?, target: Contact?,
                       announced: ContactChannel, newPhone: String?, newEmail: String?, destinationHash: String,
                       limitedDestinations: Set<String>, subject: String, clientIP: String) async throws -> OTPStart {
        let now = clock.now()
        let id = RowUUID.make()
        let code = codes.next()
        let since = now.addingTimeInterval(-policy.limitWindow)
        let subjectHash = keyring.subjectHash(purpose, subject)
        let clientHash = keyring.clientHash(clientIP)
        let challenge = OTPChallenge(
            id: id, purpose: purpose, insureeID: insureeID, userID: userID, destination: target?.value,
            channel: target?.channel ?? announced, newPhone: newPhone, newEmail: newEmail,
            codeMAC: keyring.codeMAC(challenge: id, code: code), createdAt: now,
            expiresAt: now.addingTimeInterval(policy.codeLifetime), maxAttempts: policy.maxAttempts, lastSentAt: now,
            clientIPHash: clientHash, destinationHash: destinationHash, subjectHash: subjectHash, decoy: target == nil)
        try await challenges.purgeChallenges(createdBefore: now.addingTimeInterval(-max(policy.limitWindow, 86_400)))
        let limits = [
            OTPRateLimit(key: .destination(limitedDestinations), limit: policy.perDestinationLimit, since: since,
                         window: policy.limitWindow),
            OTPRateLimit(key: .subject(subjectHash), limit: policy.perDestinationLimit, since: since,
                         window: policy.limitWindow),
            OTPRateLimit(key: .clientIP(clientHash), limit: policy.perClientLimit, since: since, window: policy.limitWindow),
        ]
        if case .limited(let retryAfter) = try await challenges.createChallenge(challenge, limits: limits) {
            logger.info("otp challenge refused by a limit", metadata: ["purpose": "\(purpose.rawValue)"])
            throw OTPError.rateLimited(retryAfter: Self.seconds(from: now, to: retryAfter))
        }
        if let target { send(code, to: target, purpose: purpose) }
        logger.info("otp challenge started", metadata: ["otp_id": "\(id)", "purpose": "\(purpose.rawValue)"])
        return OTPStart(otpID: id, expiresIn: Int(policy.codeLifetime), channel: announced,
                        resendAfter: Int(policy.resendInterval))
    }

    func send(_ code: String, to contact: Contact, purpose: OTPPurpose) {
        let minutes = max(1, Int((policy.codeLifetime / 60).rounded(.up)))
        notifier.enqueue(OutgoingMessage(channel: contact.channel, destination: contact.value, subject: messages.subject,
                                         text: messages.text(code, minutes, purpose)))
    }

    /// Whole seconds from `now` until `later`, at least 1.
    static func seconds(from now: Date, to later: Date) -> Int {
        max(1, Int(later.timeIntervalSince(now).rounded(.up)))
    }
}

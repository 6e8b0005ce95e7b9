import Foundation
import IMISData

extension OTPService {
    /// Sends a new code for challenge `otpID`: the old code stops working and the expiry starts again. At most
    /// `policy.maxResends` times, `policy.resendInterval` apart, and only within `policy.limitWindow` of the start
    /// (later, a new challenge is needed, which the limits count). A decoy answers the same and sends nothing.
    public func resend(otpID: String) async throws -> OTPStart {
        let now = clock.now()
        let code = codes.next()
        let outcome = try await challenges.replaceCode(
            id: otpID, codeMAC: keyring.codeMAC(challenge: otpID, code: code), now: now,
            expiresAt: now.addingTimeInterval(policy.codeLifetime), maxResends: policy.maxResends,
            minimumInterval: policy.resendInterval, createdAfter: now.addingTimeInterval(-policy.limitWindow))
        switch outcome {
        case .replaced(let challenge):
            if !challenge.decoy, let destination = challenge.destination {
                send(code, to: challenge.channel == .email ? .email(destination) : .phone(destination),
                     purpose: challenge.purpose)
            }
            logger.info("otp code re-sent", metadata: ["otp_id": "\(otpID)"])
            return OTPStart(otpID: otpID, expiresIn: Int(policy.codeLifetime), channel: announcedChannel(challenge),
                            resendAfter: Int(policy.resendInterval))
        case .unavailable:
            throw OTPError.invalidGrant
        case .limitReached:
            throw OTPError.resendLimitReached
        case .tooSoon(let retryAfter):
            throw OTPError.resendTooSoon(retryAfter: Self.seconds(from: now, to: retryAfter))
        }
    }

    /// The channel the first answer named (it depends only on the request).
    func announcedChannel(_ challenge: OTPChallenge) -> ContactChannel {
        switch challenge.purpose {
        case .register: return challenge.newPhone != nil ? .sms : .email
        case .login: return policy.loginChannel
        }
    }

    /// Finishes a registration: with the right code, consumes the challenge and, in the same transaction, creates
    /// the user `username` (role `policy.insureeRole`, linked to the insuree, its password in both forms, `password`,
    /// computed by the caller) and writes the supplied contact onto the insuree.
    ///
    /// Throws `OTPError.invalidGrant` for every kind of failed verification, `OTPError.usernameTaken` when the
    /// code was right but the name is taken (the challenge is then not consumed).
    public func completeRegistration(otpID: String, code: String, username: String,
                                     password: PasswordCredentials) async throws -> UserAccount {
        guard Self.isAcceptableUsername(username) else { throw OTPError.invalidRequest("username") }
        let (challenge, mac) = try await verify(otpID: otpID, code: code, purpose: .register)
        let role = policy.insureeRole
        do {
            let user = try await challenges.consumeRegistration(id: otpID, codeMAC: mac, now: clock.now(), role: role) {
                insuree in
                NewUser(loginName: username, lastName: insuree.lastName, otherNames: insuree.otherNames,
                        email: challenge.newEmail ?? insuree.email, phone: challenge.newPhone ?? insuree.phone,
                        storedPassword: password.storedPassword, privateKey: password.privateKey,
                        ownPassword: password.ownPassword, roles: [role], insureeID: insuree.id)
            }
            guard let user else { throw OTPError.invalidGrant }
            logger.info("otp registration completed", metadata: ["otp_id": "\(otpID)", "user_id": "\(user.id)"])
            return user
        } catch RegistryError.conflict(AccountConflict.loginName) {
            throw OTPError.usernameTaken
        } catch is RegistryError {
            throw OTPError.invalidGrant
        }
    }

    /// Finishes a sign-in: with the right code, consumes the challenge and, in the same transaction, stores the
    /// refresh token `refreshToken` makes for the user; answers the user. Every failure is `OTPError.invalidGrant`.
    public func completeLogin(otpID: String, code: String,
                              refreshToken: (UserAccount) -> RefreshTokenRecord) async throws -> UserAccount {
        let (_, mac) = try await verify(otpID: otpID, code: code, purpose: .login)
        guard let user = try await challenges.consumeLogin(id: otpID, codeMAC: mac, now: clock.now(),
                                                           makeToken: refreshToken)
        else { throw OTPError.invalidGrant }
        logger.info("otp sign-in completed", metadata: ["otp_id": "\(otpID)", "user_id": "\(user.id)"])
        return user
    }

    /// Counts the attempt, then compares the code's MAC in constant time; answers the challenge and the MAC.
    private func verify(otpID: String, code: String, purpose: OTPPurpose) async throws -> (OTPChallenge, String) {
        guard let challenge = try await challenges.recordAttempt(id: otpID, purpose: purpose, now: clock.now()) else {
            // The id is the caller's and matched nothing: only a bounded, printable prefix goes to the log.
            logger.info("otp verification refused",
                        metadata: ["otp_id": "\(String(otpID.unicodeScalars.prefix(64).filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }))"])
            OTPStatistics.shared.failed(locked: false)
            throw OTPError.invalidGrant
        }
        let mac = keyring.codeMAC(challenge: otpID, code: code)
        guard OTPKeyring.constantTimeEqual(mac, challenge.codeMAC), !challenge.decoy else {
            logger.info("otp verification failed", metadata: ["otp_id": "\(otpID)", "attempts": "\(challenge.attempts)"])
            OTPStatistics.shared.failed(locked: challenge.attempts >= challenge.maxAttempts)
            throw OTPError.invalidGrant
        }
        OTPStatistics.shared.verified()
        return (challenge, mac)
    }

    /// 1 to 50 characters (openIMIS's `LoginName`), no spaces or control characters.
    static func isAcceptableUsername(_ name: String) -> Bool {
        (1...50).contains(name.count)
            && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }
}

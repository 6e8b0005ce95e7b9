import Foundation
import IMISData
import Testing

@testable import Membership

@Suite("OTP sign-in")
struct OTPLoginTests {
    func janeWithAccount(_ world: OTPWorld, phone: String? = "+255700000002", email: String? = nil) async throws -> UserAccount {
        try await world.setContacts(chfid: DemoDataset.janeDoeCHFID, phone: phone, email: email)
        return try await world.accounts.createUser(NewUser(
            loginName: "jane", lastName: "Doe", otherNames: "Jane", storedPassword: "x", roles: [],
            insureeID: try await world.insuree(DemoDataset.janeDoeCHFID).id), now: referenceDate)
    }

    func token(for user: UserAccount) -> RefreshTokenRecord {
        RefreshTokenRecord(tokenHash: "refresh-\(user.id)", familyID: "family-\(user.id)", userID: user.id,
                           scope: "openid", issuedAt: referenceDate, expiresAt: referenceDate.addingTimeInterval(86_400))
    }

    @Test func theCodeGoesToTheInsureesPhoneAndVerificationStoresTheRefreshTokenOnce() async throws {
        let world = try OTPWorld()
        let jane = try await janeWithAccount(world)
        let start = try await world.service.startLogin(username: "jane", clientIP: "192.0.2.1")
        #expect(start.channel == .sms && start.expiresIn == 300 && start.resendAfter == 60)
        let code = world.codes.last
        let sent = await world.delivered()
        #expect(sent.map(\.destination) == ["+255700000002"])
        #expect(sent.first?.text.contains(code) == true)

        let user = try await world.service.completeLogin(otpID: start.otpID, code: code, refreshToken: token)
        #expect(user.id == jane.id)
        #expect(try await world.accounts.refreshToken(hash: "refresh-\(jane.id)")?.userID == jane.id)
        await expectOTPError(.invalidGrant) {
            try await world.service.completeLogin(otpID: start.otpID, code: code, refreshToken: token)
        }
    }

    @Test func anEmailOnlyUserGetsTheCodeByEmailWhileTheAnswerIsTheSame() async throws {
        let world = try OTPWorld()
        _ = try await janeWithAccount(world, phone: nil, email: "jane@example.org")
        let start = try await world.service.startLogin(username: "jane", clientIP: "192.0.2.1")
        #expect(start.channel == .sms)
        _ = await world.delivered()
        #expect(world.email.messages.map(\.destination) == ["jane@example.org"])
    }

    @Test func unknownUsersUsersWithoutAnInsureeAndUsersWithoutAContactGetTheSameAnswerAndNothing() async throws {
        let world = try OTPWorld()
        _ = try await janeWithAccount(world, phone: nil, email: nil)
        _ = try await world.accounts.createUser(NewUser(loginName: "officer", lastName: "O", otherNames: "O",
                                                  phone: "+255700000009", storedPassword: "x", roles: []),
                                          now: referenceDate)
        var answers: [OTPStart] = []
        // Unknown; a user without an insuree (even with a phone); an insuree without contacts (Jane, and the demo
        // world's John Doe).
        for (index, name) in ["nobody", "officer", "jane", DemoDataset.Accounts.johnDoe.username].enumerated() {
            var answer = try await world.service.startLogin(username: name, clientIP: "192.0.2.\(index)")
            let code = world.codes.last
            await expectOTPError(.invalidGrant) {
                try await world.service.completeLogin(otpID: answer.otpID, code: code, refreshToken: token)
            }
            answer.otpID = ""
            answers.append(answer)
        }
        #expect(Set(answers).count == 1)
        #expect(await world.delivered().isEmpty)
    }

    @Test func aRegistrationChallengeCannotSignIn() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        await expectOTPError(.invalidGrant) {
            try await world.service.completeLogin(otpID: start.otpID, code: world.codes.last, refreshToken: token)
        }
        // That attempt was not counted against the registration: it still completes.
        #expect(try await world.service.completeRegistration(otpID: start.otpID, code: world.codes.last,
                                                             username: "lukas", password: PasswordCredentials(storedPassword: "x")).loginName == "lukas")
    }
}

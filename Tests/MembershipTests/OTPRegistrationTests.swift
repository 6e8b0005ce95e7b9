import Foundation
import IMISData
import Testing

@testable import Membership

/// security.md, OTP: no enumeration, no takeover, one account per insuree.
@Suite("OTP registration")
struct OTPRegistrationTests {
    @Test func theCodeGoesToThePhoneOnRecordNotToTheSuppliedOne() async throws {
        let world = try OTPWorld()
        try await world.setContacts(chfid: OTPWorld.member.chfid, phone: "+255700000001", email: nil)
        let answer = try await world.startMember(phone: "+255 799 999 999")
        #expect(answer.channel == .sms && answer.expiresIn == 300 && answer.resendAfter == 60)
        let sent = await world.delivered()
        #expect(sent.map(\.destination) == ["+255700000001"])
        #expect(sent.first?.text.contains(world.codes.last) == true)
    }

    @Test func whenTheRecordHasOnlyAnEmailTheCodeGoesThereAndTheAnswerStillNamesTheSuppliedKind() async throws {
        let world = try OTPWorld()
        try await world.setContacts(chfid: OTPWorld.member.chfid, phone: nil, email: "lukas@example.org")
        let answer = try await world.startMember(phone: "+255799999999")
        #expect(answer.channel == .sms)
        _ = await world.delivered()
        #expect(world.sms.messages.isEmpty)
        #expect(world.email.messages.map(\.destination) == ["lukas@example.org"])
    }

    @Test func withoutAContactOnRecordTheSuppliedOneGetsTheCodeAndIsWrittenOnlyAfterVerification() async throws {
        let world = try OTPWorld()
        let answer = try await world.startMember(phone: "+255 (712) 345-678", email: "lukas@example.org")
        let sent = await world.delivered()
        #expect(sent.map(\.destination) == ["+255712345678"])
        #expect(sent.map(\.channel) == [.sms])
        #expect(try await world.insuree(OTPWorld.member.chfid).phone == nil)
        #expect(try await world.insuree(OTPWorld.member.chfid).email == nil)

        await expectOTPError(.invalidGrant) {
            try await world.service.completeRegistration(otpID: answer.otpID, code: "000000", username: "lukas",
                                                         password: PasswordCredentials(storedPassword: "hash"))
        }
        #expect(try await world.insuree(OTPWorld.member.chfid).phone == nil)

        let user = try await world.service.completeRegistration(otpID: answer.otpID, code: world.codes.last,
                                                                username: "lukas", password: PasswordCredentials(storedPassword: "hash"))
        let lukas = try await world.insuree(OTPWorld.member.chfid)
        #expect(user.insureeID == lukas.id)
        #expect(user.roles == ["insuree"])
        #expect(user.loginName == "lukas" && user.lastName == "Müller" && user.otherNames == "Lukas")
        #expect(user.storedPassword == "hash")
        #expect(lukas.phone == "+255712345678" && lukas.email == "lukas@example.org")
        #expect(try await world.accounts.user(insureeID: try #require(lukas.id))?.id == user.id)
    }

    @Test func theAnswerIsTheSameAndNothingIsSentWhenTheDetailsDoNotMatch() async throws {
        let world = try OTPWorld()
        let real = try await world.startMember(ip: "192.0.2.1")
        let realCode = world.codes.last
        let decoys = [
            try await world.startMember(chfid: "999999999", ip: "192.0.2.2"),  // unknown insuree
            try await world.startMember(dob: LocalDate("1983-07-02")!, ip: "192.0.2.3"),  // wrong date of birth
            try await world.startMember(head: DemoDataset.janeDoeCHFID, ip: "192.0.2.4"),  // another family's head
            try await world.startMember(dob: LocalDate("1962-02-05")!, chfid: DemoDataset.johnDoeCHFID,
                                        head: DemoDataset.janeDoeCHFID, ip: "192.0.2.5"),  // John has an account
        ]
        let decoyCodes = Array(world.codes.all.suffix(4))
        func shape(_ start: OTPStart) -> OTPStart {
            var start = start
            start.otpID = ""
            return start
        }
        for decoy in decoys {
            #expect(shape(decoy) == shape(real))
            #expect(decoy.otpID != real.otpID && UUID(uuidString: decoy.otpID) != nil)
        }
        let sent = await world.delivered()
        #expect(sent.count == 1)
        #expect(sent.first?.text.contains(realCode) == true)
        for (decoy, code) in zip(decoys, decoyCodes) {
            await expectOTPError(.invalidGrant) {
                try await world.service.completeRegistration(otpID: decoy.otpID, code: code, username: "intruder",
                                                             password: PasswordCredentials(storedPassword: "x"))
            }
        }
        #expect(try await world.accounts.user(loginName: "intruder") == nil)
    }

    @Test func aSecondRegistrationForTheSameInsureeIsADecoy() async throws {
        let world = try OTPWorld()
        let first = try await world.startMember()
        _ = try await world.service.completeRegistration(otpID: first.otpID, code: world.codes.last, username: "lukas",
                                                         password: PasswordCredentials(storedPassword: "x"))
        let second = try await world.startMember(phone: "+255711111111", ip: "192.0.2.9")
        #expect(second.channel == first.channel)
        #expect(await world.delivered().count == 1)
        await expectOTPError(.invalidGrant) {
            try await world.service.completeRegistration(otpID: second.otpID, code: world.codes.last,
                                                         username: "lukas2", password: PasswordCredentials(storedPassword: "x"))
        }
        #expect(try await world.accounts.user(loginName: "lukas2") == nil)
        #expect(try await world.insuree(OTPWorld.member.chfid).phone == "+255799000111")
    }

    @Test func aTakenUsernameLeavesTheChallengeUsable() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        let code = world.codes.last
        await expectOTPError(.usernameTaken) {
            try await world.service.completeRegistration(otpID: start.otpID, code: code,
                                                         username: DemoDataset.Accounts.clerk.username, password: PasswordCredentials(storedPassword: "x"))
        }
        #expect(try await world.insuree(OTPWorld.member.chfid).phone == nil)
        let user = try await world.service.completeRegistration(otpID: start.otpID, code: code, username: "lukas.m",
                                                                password: PasswordCredentials(storedPassword: "x"))
        #expect(user.loginName == "lukas.m")
    }

    @Test func malformedRequestsAreRefusedBeforeAnythingIsLookedUp() async throws {
        let world = try OTPWorld()
        await expectOTPError(.invalidRequest("phone or email")) { try await world.startMember(phone: nil, email: " ") }
        await expectOTPError(.invalidRequest("phone")) { try await world.startMember(phone: "call me") }
        await expectOTPError(.invalidRequest("email")) { try await world.startMember(phone: nil, email: "a@b@c") }
        await expectOTPError(.invalidRequest("chfid")) { try await world.startMember(chfid: " ") }
        await expectOTPError(.invalidRequest("username")) {
            try await world.service.completeRegistration(otpID: "x", code: "1", username: "two words", password: PasswordCredentials(storedPassword: "x"))
        }
        #expect(await world.delivered().isEmpty)
    }
}

import Foundation
import IMISData
import Testing

@testable import Membership

/// security.md, OTP: attempts, expiry, single use, resends, limits, secrecy of the code.
@Suite("OTP verification, resends and limits")
struct OTPVerificationTests {
    func complete(_ world: OTPWorld, _ start: OTPStart, _ code: String, as username: String = "lukas") async throws
        -> UserAccount {
        try await world.service.completeRegistration(otpID: start.otpID, code: code, username: username,
                                                     password: PasswordCredentials(storedPassword: "x"))
    }

    @Test func aFifthAttemptWithTheRightCodeStillWorks() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        let code = world.codes.last
        for _ in 1...4 { await expectOTPError(.invalidGrant) { try await complete(world, start, "000000") } }
        #expect(try await complete(world, start, code).loginName == "lukas")
    }

    @Test func afterFiveWrongAttemptsTheRightCodeIsRefused() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        let code = world.codes.last
        for _ in 1...5 { await expectOTPError(.invalidGrant) { try await complete(world, start, "000000") } }
        await expectOTPError(.invalidGrant) { try await complete(world, start, code) }
        #expect(try await world.accounts.user(loginName: "lukas") == nil)
        // A dead challenge cannot be revived by a resend either.
        world.clock.advance(60)
        await expectOTPError(.invalidGrant) { try await world.service.resend(otpID: start.otpID) }
    }

    @Test func anExpiredCodeIsRefused() async throws {
        let world = try OTPWorld()
        let early = try await world.startMember()
        let earlyCode = world.codes.last
        world.clock.advance(1)
        let late = try await world.startMember(ip: "192.0.2.7")
        let lateCode = world.codes.last
        world.clock.advance(299)  // `early` is 300 s old, `late` 299 s
        await expectOTPError(.invalidGrant) { try await complete(world, early, earlyCode) }
        #expect(try await complete(world, late, lateCode).insureeID != nil)
    }

    @Test func aCodeWorksOnce() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        let code = world.codes.last
        _ = try await complete(world, start, code)
        await expectOTPError(.invalidGrant) { try await complete(world, start, code, as: "lukas2") }
        #expect(try await world.accounts.user(loginName: "lukas2") == nil)
    }

    @Test func aResendReplacesTheCodeAndResetsTheExpiry() async throws {
        let world = try OTPWorld()
        try await world.setContacts(chfid: OTPWorld.member.chfid, phone: "+255700000001", email: nil)
        let start = try await world.startMember()
        let first = world.codes.last
        world.clock.advance(200)
        let again = try await world.service.resend(otpID: start.otpID)
        let second = world.codes.last
        #expect(again == start)
        let sent = await world.delivered()
        #expect(sent.map(\.destination) == ["+255700000001", "+255700000001"])
        #expect(sent.last?.text.contains(second) == true && sent.last?.text.contains(first) == false)
        await expectOTPError(.invalidGrant) { try await complete(world, start, first) }
        world.clock.advance(250)  // 450 s after the start, 250 s after the resend
        #expect(try await complete(world, start, second).loginName == "lukas")
    }

    @Test func resendsComeAtLeastSixtySecondsApartAndAtMostThreeTimesForRealAndDecoyAlike() async throws {
        let world = try OTPWorld()
        let real = try await world.startMember(ip: "192.0.2.1")
        let decoy = try await world.startMember(chfid: "999999999", ip: "192.0.2.2")
        var outcomes: [[String]] = [[], []]
        for _ in 0..<6 {
            world.clock.advance(30)
            for (index, start) in [real, decoy].enumerated() {
                do {
                    _ = try await world.service.resend(otpID: start.otpID)
                    outcomes[index].append("sent")
                } catch let error as OTPError {
                    outcomes[index].append("\(error.oauthError) \(error.retryAfter.map(String.init) ?? "-")")
                }
            }
        }
        #expect(outcomes[0] == ["slow_down 30", "sent", "slow_down 30", "sent", "slow_down 30", "sent"])
        #expect(outcomes[1] == outcomes[0])
        world.clock.advance(60)
        await expectOTPError(.resendLimitReached) { try await world.service.resend(otpID: real.otpID) }
        await expectOTPError(.resendLimitReached) { try await world.service.resend(otpID: decoy.otpID) }
        #expect(await world.delivered().count == 4)
        await expectOTPError(.invalidGrant) { try await world.service.resend(otpID: UUID().uuidString) }
    }

    @Test func aChallengeOlderThanTheLimitWindowCannotBeResent() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        world.clock.advance(3599)
        _ = try await world.service.resend(otpID: start.otpID)
        world.clock.advance(1)
        await expectOTPError(.invalidGrant) { try await world.service.resend(otpID: start.otpID) }
        #expect(await world.delivered().count == 2)
    }

    @Test func theSixthChallengeForOneDestinationWithinAnHourIsRefused() async throws {
        let world = try OTPWorld()
        // Zoë and Lukas share the phone on record: five challenges for that phone, neither CHFID at its own limit.
        try await world.setContacts(chfid: OTPWorld.member.chfid, phone: "+255700000001", email: nil)
        try await world.setContacts(chfid: OTPWorld.head.chfid, phone: "+255700000001", email: nil)
        func head(_ ip: String) async throws -> OTPStart {
            try await world.startMember(phone: "+2557110000\(ip.suffix(2))", dob: OTPWorld.head.dob,
                                        chfid: OTPWorld.head.chfid, ip: ip)
        }
        for n in 1...3 { _ = try await world.startMember(phone: "+25571200001\(n)", ip: "192.0.2.1\(n)") }
        world.clock.advance(600)
        _ = try await head("192.0.2.21")
        _ = try await head("192.0.2.22")
        await expectOTPError(.rateLimited(retryAfter: 3000)) { try await head("192.0.2.23") }
        #expect(await world.delivered().count == 5)
        world.clock.advance(3000)
        _ = try await head("192.0.2.24")
    }

    @Test func theSuppliedContactCountsTooSoDecoysAreLimitedLikeRealChallenges() async throws {
        let world = try OTPWorld()
        for n in 1...5 { _ = try await world.startMember(chfid: "99999999\(n)", ip: "192.0.2.\(n)") }
        await expectOTPError(.rateLimited(retryAfter: 3600)) { try await world.startMember(ip: "192.0.2.6") }
        await expectOTPError(.rateLimited(retryAfter: 3600)) {
            try await world.startMember(chfid: "999999996", ip: "192.0.2.7")
        }
        #expect(await world.delivered().isEmpty)
    }

    @Test func theSixthChallengeFromOneClientWithinAnHourIsRefused() async throws {
        let world = try OTPWorld()
        for n in 1...5 {
            world.clock.advance(10)
            _ = try await world.startMember(phone: "+25571100000\(n)", chfid: "88888888\(n)", ip: "198.51.100.1")
        }
        await expectOTPError(.rateLimited(retryAfter: 3560)) {
            try await world.startMember(phone: "+255711000006", chfid: "888888886", ip: "198.51.100.1")
        }
        _ = try await world.startMember(phone: "+255711000006", chfid: "888888886", ip: "198.51.100.2")
    }

    @Test func limitsAreConfigurable() async throws {
        let world = try OTPWorld(policy: OTPPolicy(perClientLimit: 2))
        _ = try await world.startMember(phone: "+255711000001", chfid: "1", ip: "198.51.100.1")
        _ = try await world.startMember(phone: "+255711000002", chfid: "2", ip: "198.51.100.1")
        await expectOTPError(.rateLimited(retryAfter: 3600)) {
            try await world.startMember(phone: "+255711000003", chfid: "3", ip: "198.51.100.1")
        }
    }

    @Test func theCodeIsNeverStoredLoggedOrPutInAnError() async throws {
        let world = try OTPWorld()
        let start = try await world.startMember()
        world.clock.advance(61)
        _ = try await world.service.resend(otpID: start.otpID)
        let codes = world.codes.all
        await expectOTPError(.invalidGrant) { try await complete(world, start, codes[0]) }
        _ = try await complete(world, start, codes[1])
        _ = await world.delivered()
        let stored = try #require(try await world.challenges.challenge(id: start.otpID))
        let row = "\(stored)"
        #expect(stored.codeMAC.count == 64)
        #expect(!world.logs.all.isEmpty)
        for code in codes {
            #expect(!row.contains(code))
            #expect(!world.logs.all.contains { $0.contains(code) })
        }
        for error in [OTPError.invalidGrant, .rateLimited(retryAfter: 5), .resendTooSoon(retryAfter: 5),
                      .resendLimitReached, .usernameTaken, .invalidRequest("phone")] {
            #expect(!codes.contains { error.description.contains($0) })
        }
    }

    @Test func systemCodesAreSixUniformlyDrawnDigits() {
        let codes = (0..<3000).map { _ in OTPCodeGenerator.system.next() }
        #expect(codes.allSatisfy { $0.count == 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        #expect(Set(codes).count > 2900)
        // About 10% start with 0 when every digit is equally likely.
        let leadingZeros = codes.filter { $0.hasPrefix("0") }.count
        #expect((150...450).contains(leadingZeros))
    }

    @Test func errorsMapToRFC6749() {
        #expect(OTPError.invalidGrant.oauthError == "invalid_grant" && OTPError.invalidGrant.httpStatus == 400)
        #expect(OTPError.rateLimited(retryAfter: 7).oauthError == "slow_down")
        #expect(OTPError.rateLimited(retryAfter: 7).httpStatus == 429)
        #expect(OTPError.rateLimited(retryAfter: 7).retryAfter == 7)
        #expect(OTPError.resendTooSoon(retryAfter: 9).retryAfter == 9)
        #expect(OTPError.invalidRequest("dob").oauthError == "invalid_request")
        #expect(OTPError.invalidGrant.retryAfter == nil)
    }
}

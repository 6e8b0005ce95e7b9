import Crypto
import Foundation
import IMISData
import Logging
import Testing

@testable import Membership

/// 2024-03-01 10:00:00 UTC.
let referenceDate = Date(timeIntervalSince1970: 1_709_287_200)

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = referenceDate

    var now: Date { lock.withLock { current } }
    var clock: RegistryClock { RegistryClock { [self] in now } }

    func advance(_ seconds: TimeInterval) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }
}

/// Codes 100001, 100002, ... and the last one handed out.
final class CodeSequence: @unchecked Sendable {
    private let lock = NSLock()
    private var counter = 100_000
    private var issued: [String] = []

    var generator: OTPCodeGenerator {
        OTPCodeGenerator { [self] in
            lock.withLock {
                counter += 1
                issued.append(String(counter))
                return String(counter)
            }
        }
    }

    var last: String { lock.withLock { issued.last ?? "" } }
    var all: [String] { lock.withLock { issued } }
}

/// A channel that keeps what it is asked to deliver.
final class CapturingChannel: MessageChannel, @unchecked Sendable {
    let channel: ContactChannel
    private let lock = NSLock()
    private var delivered: [OutgoingMessage] = []

    init(_ channel: ContactChannel) { self.channel = channel }

    func deliver(_ message: OutgoingMessage) async throws {
        lock.withLock { delivered.append(message) }
    }

    var messages: [OutgoingMessage] { lock.withLock { delivered } }
}

/// Log lines, rendered with their metadata, to check that no secret reaches them.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        capture.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
    }
}

/// A migrated in-memory database with the demo world, the OTP service over it, capturing SMS and e-mail channels,
/// a hand-moved clock and known codes.
struct OTPWorld {
    let registry: SQLiteRegistryStore
    let accounts: SQLAccountStore
    let challenges: SQLOTPChallengeStore
    let sms = CapturingChannel(.sms)
    let email = CapturingChannel(.email)
    let notifier: Notifier
    let clock = ManualClock()
    let codes = CodeSequence()
    let logs = LogCapture()
    let service: OTPService

    /// Lukas Müller: a member of Zoë Müller's family (Zoë is the head); neither has an account in the demo world.
    static let member = (chfid: "100000002", head: "100000001", dob: LocalDate("1983-07-01")!)
    /// Zoë Müller, the head of that family.
    static let head = (chfid: "100000001", dob: LocalDate("1985-03-12")!)

    init(policy: OTPPolicy = OTPPolicy()) throws {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(referenceDate))
        registry = SQLiteRegistryStore(database: database, clock: .fixed(referenceDate))
        accounts = SQLAccountStore(sql: SQLiteAccountSQL(database: database))
        challenges = SQLOTPChallengeStore(sql: SQLiteAccountSQL(database: database))
        notifier = Notifier(channels: [sms, email], logger: logs.logger)
        service = OTPService(challenges: challenges, registry: registry, accounts: accounts, notifier: notifier,
                             secret: SymmetricKey(data: Data("a test secret of thirty-two bytes".utf8)), policy: policy,
                             clock: clock.clock, codes: codes.generator, logger: logs.logger)
    }

    /// Sets the contacts on an insuree's record (a new version of its row).
    func setContacts(chfid: String, phone: String?, email: String?) async throws {
        var insuree = try #require(try await registry.insuree(chfid: chfid)).record
        insuree.phone = phone
        insuree.email = email
        _ = try await registry.update(insuree)
    }

    func insuree(_ chfid: String) async throws -> Insuree {
        try #require(try await registry.insuree(chfid: chfid)).record
    }

    /// Starts the registration of `member` (or of whoever the arguments name).
    func startMember(phone: String? = "+255 799 000 111", email: String? = nil, dob: LocalDate = OTPWorld.member.dob,
                   chfid: String = OTPWorld.member.chfid, head: String = OTPWorld.member.head,
                   ip: String = "192.0.2.1") async throws -> OTPStart {
        try await service.startRegistration(chfid: chfid, headCHFID: head, birthDate: dob, phone: phone, email: email,
                                            clientIP: ip)
    }

    /// Every message delivered so far, after the background deliveries have finished.
    func delivered() async -> [OutgoingMessage] {
        await notifier.drain()
        return sms.messages + email.messages
    }
}

/// Expects `body` to throw exactly `expected`.
func expectOTPError<T>(_ expected: OTPError, sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected \(expected), nothing thrown", sourceLocation: sourceLocation)
    } catch let error as OTPError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

import Foundation
import IMISData
import NIOCore
import NIOPosix
import Testing

@testable import Membership

/// The e-mail channel against a real SMTP server (aiosmtpd), plain, with STARTTLS and with implicit TLS.
@Suite("E-mail over SMTP", .serialized)
struct EmailChannelTests {
    let otp = OutgoingMessage(channel: .email, destination: "jane@example.org", subject: "Your openIMIS verification code",
                              text: "Your code is 482913.\n.A line that starts with a dot\n..and one with two\nÜmlaut: ça va")

    func configuration(port: Int, startTLS: Bool = false, implicitTLS: Bool = false, caFile: URL? = nil,
                       user: String? = nil, password: String? = nil, allowPlainAuth: Bool = false) -> EmailConfiguration {
        EmailConfiguration(host: "127.0.0.1", port: port, username: user, password: password, useStartTLS: startTLS,
                           useImplicitTLS: implicitTLS, from: "openIMIS <noreply@imis.example>", caFile: caFile?.path,
                           timeout: .seconds(20), allowsAuthenticationWithoutTLS: allowPlainAuth)
    }

    func expectDelivered(_ mail: ReceivedMail?, subject: String = "Your openIMIS verification code") throws {
        let mail = try #require(mail)
        #expect(mail.mail_from == "noreply@imis.example")
        #expect(mail.rcpt_tos == ["jane@example.org"])
        let (headers, body) = mail.parts
        #expect(headers["To"] == "jane@example.org")
        #expect(headers["From"] == "openIMIS <noreply@imis.example>")
        #expect(SMTPMessageTests.decodedHeader(headers["Subject"] ?? "") == subject)
        #expect(headers["MIME-Version"] == "1.0")
        #expect(headers["Content-Type"] == "text/plain; charset=UTF-8")
        #expect(headers["Message-ID"]?.hasSuffix("@imis.example>") == true)
        #expect(headers["Date"].flatMap(SMTPMessageTests.parseDate) != nil)
        // The server undoes the dot-stuffing: the lines arrive as written.
        #expect(body.components(separatedBy: "\n").filter { !$0.isEmpty }
                == ["Your code is 482913.", ".A line that starts with a dot", "..and one with two", "Ümlaut: ça va"])
        #expect(headers["Content-Transfer-Encoding"] == "8bit")
    }

    @Test func aPlainSessionDeliversTheMessage() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        try await EmailChannel(configuration: configuration(port: server.port)).deliver(otp)
        let received = try server.received()
        #expect(received.count == 1)
        try expectDelivered(received.first)
        #expect(received.first?.tls == false && received.first?.auth_login == nil)
    }

    @Test func startTLSWithAuthPlainDeliversOverTLS() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let certificate = try SelfSignedCertificate(in: folder.url)
        let server = try SMTPTestServer(certificate: certificate, user: "mailer", password: "s3cret")
        defer { server.stop() }
        var message = otp
        message.subject = "Code de vérification — openIMIS"
        try await EmailChannel(configuration: configuration(port: server.port, startTLS: true, caFile: certificate.certificate,
                                                            user: "mailer", password: "s3cret")).deliver(message)
        let received = try server.received()
        try expectDelivered(received.first, subject: "Code de vérification — openIMIS")
        #expect(received.first?.tls == true)
        #expect(received.first?.auth_login == "mailer")
    }

    @Test func authLoginIsUsedWhenPlainIsNotOffered() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let certificate = try SelfSignedCertificate(in: folder.url)
        let server = try SMTPTestServer(certificate: certificate, user: "mailer", password: "s3cret", excludeAuth: ["PLAIN"])
        defer { server.stop() }
        try await EmailChannel(configuration: configuration(port: server.port, startTLS: true, caFile: certificate.certificate,
                                                            user: "mailer", password: "s3cret")).deliver(otp)
        #expect(try server.received().first?.auth_login == "mailer")
    }

    @Test func implicitTLSDeliversTheMessage() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let certificate = try SelfSignedCertificate(in: folder.url)
        let server = try SMTPTestServer(certificate: certificate, implicitTLS: true)
        defer { server.stop() }
        try await EmailChannel(configuration: configuration(port: server.port, implicitTLS: true,
                                                            caFile: certificate.certificate)).deliver(otp)
        let received = try server.received()
        try expectDelivered(received.first)
        #expect(received.first?.tls == true)
    }

    @Test func aCertificateThatIsNotTrustedStopsTheSession() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let certificate = try SelfSignedCertificate(in: folder.url)
        let server = try SMTPTestServer(certificate: certificate)
        defer { server.stop() }
        await #expect(throws: DeliveryError.self) {
            try await EmailChannel(configuration: configuration(port: server.port, startTLS: true)).deliver(otp)
        }
        #expect(try server.received().isEmpty)
    }

    @Test func aWrongPasswordIsAPermanentFailure() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let certificate = try SelfSignedCertificate(in: folder.url)
        let server = try SMTPTestServer(certificate: certificate, user: "mailer", password: "s3cret")
        defer { server.stop() }
        do {
            try await EmailChannel(configuration: configuration(port: server.port, startTLS: true,
                                                                caFile: certificate.certificate, user: "mailer",
                                                                password: "wrong")).deliver(otp)
            Issue.record("delivered with a wrong password")
        } catch let error as DeliveryError {
            #expect(!error.isRetryable)
            #expect(!"\(error)".contains("wrong"))
        }
        #expect(try server.received().isEmpty)
    }

    @Test func credentialsAreNotSentWithoutTLSUnlessAllowedForLoopback() async throws {
        let server = try SMTPTestServer(user: "mailer", password: "s3cret")
        defer { server.stop() }
        await #expect(throws: DeliveryError.permanent("refusing to send SMTP credentials without TLS")) {
            try await EmailChannel(configuration: configuration(port: server.port, user: "mailer", password: "s3cret"))
                .deliver(otp)
        }
        #expect(try server.received().isEmpty)
        try await EmailChannel(configuration: configuration(port: server.port, user: "mailer", password: "s3cret",
                                                            allowPlainAuth: true)).deliver(otp)
        #expect(try server.received().first?.auth_login == "mailer")
    }

    @Test func startTLSIsRequiredWhenConfigured() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        await #expect(throws: DeliveryError.permanent("the mail server does not offer STARTTLS")) {
            try await EmailChannel(configuration: configuration(port: server.port, startTLS: true)).deliver(otp)
        }
        #expect(try server.received().isEmpty)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { listener.close(promise: nil) }
        var config = configuration(port: try #require(listener.localAddress?.port))
        config.timeout = .milliseconds(500)
        let started = ContinuousClock.now
        await #expect(throws: DeliveryError.transient("the mail server timed out")) {
            try await EmailChannel(configuration: config).deliver(otp)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

import Foundation
import IMISData
import NIOCore
import NIOPosix
import NIOSSL

/// E-mail over SMTP (RFC 5321) on SwiftNIO: EHLO, STARTTLS (`EMAIL_USE_TLS`) or implicit TLS (`EMAIL_USE_SSL`),
/// AUTH PLAIN or LOGIN when `EMAIL_HOST_USER` is set (only over TLS), MAIL FROM, RCPT TO, DATA, QUIT — one
/// connection per message, the whole session bounded by `EMAIL_TIMEOUT`.
///
/// Replies 4xx and network failures are transient (the `Notifier` tries again); 5xx replies are permanent.
public struct EmailChannel: MessageChannel {
    public let configuration: EmailConfiguration
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?

    /// A channel for `configuration`; throws a `ConfigurationError` when the TLS settings cannot be used.
    public init(configuration: EmailConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        self.group = group
        if configuration.useStartTLS || configuration.useImplicitTLS {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let caFile = configuration.caFile {
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw ConfigurationError("EMAIL_SSL_CAFILE", "not a PEM certificate file")
                }
            }
            do {
                tlsContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw ConfigurationError("EMAIL_USE_TLS", "TLS cannot be set up: \(error)")
            }
        } else {
            tlsContext = nil
        }
    }

    public var channel: ContactChannel { .email }

    public func deliver(_ message: OutgoingMessage) async throws {
        let domain = SMTPMessage.envelopeAddress(configuration.from)?.split(separator: "@").last.map(String.init) ?? "localhost"
        let mail = try SMTPMessage(from: configuration.from, to: message.destination, subject: message.subject,
                                   text: message.text, date: Date(), messageID: "\(UUID().uuidString.lowercased())@\(domain)")
        do {
            try await send(mail)
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError.transient("mail session failed: \(String(describing: type(of: error)))")
        }
    }

    /// The TLS handler for this server: the host name is checked against the certificate (and sent as SNI)
    /// unless it is an IP address, which is then checked against the certificate's IP addresses.
    private func tlsHandler() throws -> NIOSSLClientHandler {
        guard let tlsContext else { throw DeliveryError.permanent("TLS is not configured") }
        let isAddress = (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil
        return try NIOSSLClientHandler(context: tlsContext, serverHostname: isAddress ? nil : configuration.host)
    }

    func send(_ message: SMTPMessage) async throws {
        let config = configuration
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SMTPReply.self)
        let implicitTLS = config.useImplicitTLS ? try tlsHandlerFactory() : nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if let implicitTLS { try operations.addHandler(try implicitTLS()) }
                    try operations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try operations.addHandler(SMTPReplyForwarder(continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: config.host, port: config.port).get()
        } catch {
            throw DeliveryError.transient("cannot connect to the mail server")
        }
        let (seconds, attoseconds) = config.timeout.components
        let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
            continuation.finish(throwing: DeliveryError.transient("the mail server timed out"))
            channel.close(promise: nil)
        }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        var smtp = SMTPConversation(channel: channel, replies: stream.makeAsyncIterator())
        try await smtp.command(nil, name: "the greeting", expect: 220...220)
        var extensions = try await smtp.hello(config.heloName)
        var secure = config.useImplicitTLS
        if config.useStartTLS {
            guard extensions.contains("STARTTLS") else {
                throw DeliveryError.permanent("the mail server does not offer STARTTLS")
            }
            try await smtp.command("STARTTLS", name: "STARTTLS", expect: 220...220)
            let factory = try tlsHandlerFactory()
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(try factory(), position: .first)
            }.get()
            secure = true
            extensions = try await smtp.hello(config.heloName)
        }
        if let username = config.username {
            try await authenticate(&smtp, username: username, password: config.password ?? "",
                                   extensions: extensions, secure: secure)
        }
        let encoding = message.transferEncoding(eightBitMIME: extensions.contains("8BITMIME"))
        let sender = SMTPMessage.envelopeAddress(message.from) ?? ""
        let recipient = SMTPMessage.envelopeAddress(message.to) ?? ""
        try await smtp.command("MAIL FROM:<\(sender)>" + (encoding == .eightBit ? " BODY=8BITMIME" : ""),
                               name: "MAIL FROM", expect: 250...250)
        try await smtp.command("RCPT TO:<\(recipient)>", name: "RCPT TO", expect: 250...251)
        try await smtp.command("DATA", name: "DATA", expect: 354...354)
        try await smtp.write(message.data(encoding: encoding))
        try await smtp.command(nil, name: "the message", expect: 250...250)
        _ = try? await smtp.command("QUIT", name: "QUIT", expect: 221...221)
    }

    /// A maker of TLS handlers, to be called on the channel's event loop (handlers are not `Sendable`).
    private func tlsHandlerFactory() throws -> @Sendable () throws -> NIOSSLClientHandler {
        guard tlsContext != nil else { throw DeliveryError.permanent("TLS is not configured") }
        let channel = self
        return { try channel.tlsHandler() }
    }

    /// AUTH PLAIN (RFC 4616) or LOGIN, whichever the server offers (PLAIN first); never over plain text unless
    /// explicitly allowed for a loopback server.
    private func authenticate(_ smtp: inout SMTPConversation, username: String, password: String,
                              extensions: [String], secure: Bool) async throws {
        guard secure || (configuration.allowsAuthenticationWithoutTLS && Settings.isLoopback(configuration.host)) else {
            throw DeliveryError.permanent("refusing to send SMTP credentials without TLS")
        }
        let mechanisms = Set(extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
            .flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) })
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            try await smtp.command("AUTH PLAIN " + base64("\0\(username)\0\(password)"), name: "AUTH PLAIN",
                                   expect: 235...235)
        } else if mechanisms.contains("LOGIN") {
            try await smtp.command("AUTH LOGIN", name: "AUTH LOGIN", expect: 334...334)
            try await smtp.command(base64(username), name: "AUTH LOGIN", expect: 334...334)
            try await smtp.command(base64(password), name: "AUTH LOGIN", expect: 235...235)
        } else {
            throw DeliveryError.permanent("the mail server offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }
}

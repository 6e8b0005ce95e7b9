import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One SMTP reply: the code and the text of each of its lines.
struct SMTPReply: Sendable, Hashable {
    var code: Int
    var lines: [String]
}

/// Splits the byte stream into SMTP replies (RFC 5321 §4.2: `250-...` lines continue, `250 ...` ends).
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var pending: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw DeliveryError.transient("overlong reply line from the mail server") }
            return .needMoreData
        }
        var bytes = buffer.readBytes(length: newline - view.startIndex + 1) ?? []
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)),
              bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else { throw DeliveryError.transient("malformed reply from the mail server") }
        pending.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: pending)))
            pending = []
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                             seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Hands each reply to the session's stream; ends it on close or error.
final class SMTPReplyForwarder: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    private let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
}

/// The client side of one SMTP conversation: a command, then the reply it must get.
struct SMTPConversation {
    let channel: any Channel
    var replies: AsyncThrowingStream<SMTPReply, any Error>.AsyncIterator

    /// Sends `line` (none for the greeting), reads the reply and checks its code; `name` is what an error says
    /// (never the line itself, which may hold credentials or addresses).
    @discardableResult
    mutating func command(_ line: String?, name: String, expect accepted: ClosedRange<Int>) async throws -> SMTPReply {
        if let line { try await write(line + "\r\n") }
        let reply: SMTPReply
        do {
            guard let next = try await replies.next() else {
                throw DeliveryError.transient("the mail server closed the connection (\(name))")
            }
            reply = next
        }
        guard accepted.contains(reply.code) else {
            let reason = "the mail server answered \(reply.code) to \(name)"
            throw (400..<500).contains(reply.code) ? DeliveryError.transient(reason) : DeliveryError.permanent(reason)
        }
        return reply
    }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// EHLO, falling back to HELO; answers the extension keywords (upper-cased lines after the first).
    mutating func hello(_ name: String) async throws -> [String] {
        try await write("EHLO \(name)\r\n")
        guard let reply = try await replies.next() else {
            throw DeliveryError.transient("the mail server closed the connection (EHLO)")
        }
        if reply.code == 250 { return reply.lines.dropFirst().map { $0.uppercased() } }
        guard (500..<600).contains(reply.code) else {
            throw DeliveryError.transient("the mail server answered \(reply.code) to EHLO")
        }
        try await command("HELO \(name)", name: "HELO", expect: 250...250)
        return []
    }
}

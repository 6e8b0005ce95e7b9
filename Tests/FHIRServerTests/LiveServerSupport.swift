import Foundation
import Hummingbird
import IMISData
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import FHIRServer

/// Serves the demo world on a free loopback port for as long as `body` runs, and hands `body` the port. For the
/// behaviour only a real socket shows (timeouts, connection limits, what the HTTP parser refuses).
func withLiveServer(configuration: ServerConfiguration, _ body: @Sendable (Int) async throws -> Void) async throws {
    var configuration = configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    let database = try demoDatabase()
    let logger = quietLogger
    var environment = testEnvironment(configuration: configuration, database: database, logger: logger)
    let (ports, portSink) = AsyncStream<Int>.makeStream()
    environment.onServerRunning = { channel in
        portSink.yield(channel.localAddress?.port ?? 0)
        portSink.finish()
    }
    let app = buildApplication(environment)
    try await withThrowingTaskGroup(of: Void.self) { group in
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        group.addTask { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        #expect(port > 0)
        do {
            try await body(port)
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
    }
}

/// A TCP client that writes raw bytes and records what comes back and whether the server closed the connection.
final class RawClient: Sendable {
    struct Received: Sendable {
        var bytes: [UInt8] = []
        /// When the connection closed, as the event loop saw it (not delayed by a busy test task).
        var closedAt: ContinuousClock.Instant?
        /// When the last bytes arrived.
        var lastReadAt: ContinuousClock.Instant?
        /// When each ``send(_:after:)`` wrote.
        var sends: [ContinuousClock.Instant] = []
    }

    let channel: any Channel
    private let received: NIOLockedValueBox<Received>

    private init(channel: any Channel, received: NIOLockedValueBox<Received>) {
        self.channel = channel
        self.received = received
    }

    /// Connects to the loopback port.
    static func connect(port: Int) async throws -> RawClient {
        let received = NIOLockedValueBox(Received())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, received: received)
    }

    /// Sends `text` as it is (CRLFs written by the caller).
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Sends `text` `delay` from now, timed by the connection's event loop rather than by a test task, which a busy
    /// machine may hold up for longer than the timeouts under test.
    func send(_ text: String, after delay: TimeAmount) {
        let channel = channel, received = received
        channel.eventLoop.scheduleTask(in: delay) {
            received.withLockedValue { $0.sends.append(.now) }
            channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
        }
    }

    /// When each ``send(_:after:)`` wrote, in order.
    var sends: [ContinuousClock.Instant] { received.withLockedValue { $0.sends } }

    var isClosed: Bool { closedAt != nil }
    var closedAt: ContinuousClock.Instant? { received.withLockedValue { $0.closedAt } }
    var lastReadAt: ContinuousClock.Instant? { received.withLockedValue { $0.lastReadAt } }
    var bytes: [UInt8] { received.withLockedValue { $0.bytes } }

    /// Waits until the server has closed the connection or `limit` has passed; answers whether it closed.
    func waitForClose(within limit: Duration) async throws -> Bool {
        let end = ContinuousClock.now + limit
        while !isClosed, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
        return isClosed
    }

    /// The first complete response (its body as long as `Content-Length` says), waiting at most `limit`.
    func response(within limit: Duration) async throws -> RawResponse? {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if let response = RawResponse(parsing: bytes) { return response }
            if isClosed { return RawResponse(parsing: bytes) }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func close() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<Received>

        init(received: NIOLockedValueBox<Received>) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue {
                $0.bytes += Array(buffer.readableBytesView)
                $0.lastReadAt = .now
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.withLockedValue { $0.closedAt = .now }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// An HTTP/1.1 response read off the wire.
struct RawResponse: Sendable {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]

    /// nil until the head and the whole body (by `Content-Length`) are there.
    init?(parsing bytes: [UInt8]) {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + separator.count
        guard bytes.count - bodyStart >= length else { return nil }
        self.status = status
        self.headers = headers
        self.body = Array(bytes[bodyStart..<(bodyStart + length)])
    }
}

/// A GET request head as raw text.
func rawGET(_ path: String, token: String? = nil, close: Bool = false) -> String {
    var text = "GET \(path) HTTP/1.1\r\nHost: localhost\r\n"
    if let token { text += "Authorization: Bearer \(token)\r\n" }
    if close { text += "Connection: close\r\n" }
    return text + "\r\n"
}

import HTTPTypes
import NIOCore
import NIOHTTP1

/// The life of one HTTP/1.1 connection between the parser and Hummingbird: its idle, header and body timeouts
/// (``ConnectionLimits``), its part in the connection limit (``ConnectionGovernor``), and a FHIR answer to what the
/// parser refuses — 431 for a head over the parser's 80 KB, 400 for anything else — instead of a bare 400.
///
/// Time is measured by phase: *waiting* between requests (the idle timeout, only while no response is owed),
/// *head* from the first byte of a request until its head is parsed (the header timeout, however the bytes
/// trickle), *body* until the request's last byte (the body timeout, without progress or below the minimum rate).
/// While the server works on a request nothing is timed. One timer is kept, moved only when a deadline comes
/// nearer; a timer that fires early looks again.
///
/// Answers the guard writes itself go out with `Connection: close`, and the connection closes; after a refused head
/// it first reads and drops what the client still sends for a moment, so that the client sees the answer, not a reset.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Phase {
        case waiting
        case head(since: NIODeadline)
        case body(since: NIODeadline, lastRead: NIODeadline, bytes: Int)
    }

    /// Thrown to the request's handler when its body stops, so that a cut body is never taken for a whole one.
    struct BodyTimeout: Error {}

    /// The answer to a body that could not be read to its end: it stopped (408) or its framing is broken (400); nil
    /// for other failures.
    static func bodyFailure(_ error: any Error) -> FHIRError? {
        if error is BodyTimeout { return FHIRError(.requestTimeout, "the request body did not arrive in time") }
        if error is HTTPParserError { return FHIRError(.invalid, "the request body is not valid HTTP/1.1 (its length or chunks)") }
        return nil
    }

    /// How long a closing connection keeps reading (and dropping) what the client still sends.
    static let linger: TimeAmount = .seconds(2)

    let limits: ConnectionLimits
    let governor: ConnectionGovernor?
    let production: Bool
    private var phase = Phase.waiting
    /// Requests whose head has been read and whose response has not ended.
    private var inFlight = 0
    private var responseStarted = false
    /// When the connection last became free: when it opened, or when its last response ended.
    private var lastResponseEnd = NIODeadline.now()
    private var active = false
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?
    private var closing = false
    /// An answer owed once the response in progress has ended (a pipelined head the parser refused).
    private var pendingAnswer: FHIRError?
    private var registration: Int?
    private var reportedIdle = true

    init(limits: ConnectionLimits, governor: ConnectionGovernor?, production: Bool) {
        self.limits = limits
        self.governor = governor
        self.production = production
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { activate(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head:
            let now = NIODeadline.now()
            inFlight += 1
            phase = .body(since: now, lastRead: now, bytes: 0)
            stateChanged()
        case .body:
            break
        case .end:
            phase = .waiting
            stateChanged()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closing else {
            // The guard has answered or closed: a late response of the request's handler must not follow.
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.status.code >= 200 { responseStarted = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            inFlight = max(0, inFlight - 1)
            responseStarted = false
            lastResponseEnd = .now()
            context.write(data, promise: promise)
            if let pending = pendingAnswer, inFlight == 0 {
                pendingAnswer = nil
                answerAndClose(pending, linger: true, context: context)
            } else {
                stateChanged()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Once closing, what follows (the parser's complaints about a cut message, resets) is expected.
        guard !closing else { return }
        // A parse error inside a body belongs to that request: its handler hears of it and answers.
        if case .body = phase {
            context.fireErrorCaught(error)
            return
        }
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let answer =
            parseError == .headerOverflow
            ? FHIRError(.headersTooLarge, "the request head is larger than the server accepts (80 KB)")
            : FHIRError(.invalid, "the request is not valid HTTP/1.1")
        if inFlight == 0 {
            answerAndClose(answer, linger: true, context: context)
        } else {
            pendingAnswer = answer
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if closing, let event = event as? ChannelEvent, event == .inputClosed {
            // The client has finished sending: nothing is left to drain.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Bytes, from the ``ByteCounter`` before the parser

    /// Notes `count` bytes read from the socket; false when the connection is closing and they are to be dropped.
    func bytesArrived(_ count: Int) -> Bool {
        guard !closing else { return false }
        switch phase {
        case .waiting:
            phase = .head(since: .now())
            stateChanged()
        case .head:
            break
        case .body(let since, _, let bytes):
            phase = .body(since: since, lastRead: .now(), bytes: bytes + count)
        }
        return true
    }

    // MARK: Timer and connection limit

    private var isIdle: Bool {
        if case .waiting = phase { return inFlight == 0 }
        return false
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard !active, !closing else { return }
        active = true
        lastResponseEnd = .now()
        if let governor {
            let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            registration = governor.register {
                eventLoop.execute { connection.value.evictIfIdle() }
            }
        }
        scheduleTimer()
    }

    private func finish() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        if let registration { governor?.unregister(registration) }
        registration = nil
    }

    /// Asked by the governor to make room: closes if still idle, else declines by staying busy.
    private func evictIfIdle() {
        guard !closing, let context else { return }
        guard isIdle else {
            if let registration { governor?.report(registration, idle: false) }
            return
        }
        closing = true
        context.close(promise: nil)
    }

    private func stateChanged() {
        guard !closing else { return }
        let idle = isIdle
        if idle != reportedIdle {
            reportedIdle = idle
            if let registration { governor?.report(registration, idle: idle) }
        }
        scheduleTimer()
    }

    /// When the current phase runs out, or nil while nothing is timed.
    private var deadline: NIODeadline? {
        switch phase {
        case .waiting:
            guard inFlight == 0, let idle = limits.idleTimeout else { return nil }
            return lastResponseEnd + TimeAmount(idle)
        case .head(let since):
            guard inFlight == 0, let header = limits.headerTimeout else { return nil }
            return max(since, lastResponseEnd) + TimeAmount(header)
        case .body(let since, let lastRead, let bytes):
            guard let body = limits.bodyTimeout else { return nil }
            let allowance = TimeAmount.nanoseconds(Int64(bytes) * 1_000_000_000 / Int64(limits.minimumBodyRate))
            return min(lastRead + TimeAmount(body), since + TimeAmount(body) + allowance)
        }
    }

    private func scheduleTimer() {
        guard let context, let deadline else { return }
        if let scheduled = timerDeadline, scheduled <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard !closing, let context, let deadline else { return }
        guard NIODeadline.now() >= deadline else {
            scheduleTimer()
            return
        }
        switch phase {
        case .waiting:
            closing = true
            context.close(promise: nil)
        case .head:
            answerAndClose(FHIRError(.requestTimeout, "the request head did not arrive in time"), context: context)
        case .body:
            context.fireErrorCaught(BodyTimeout())
            if inFlight > 0 && !responseStarted {
                answerAndClose(FHIRError(.requestTimeout, "the request body did not arrive in time"), context: context)
            } else {
                closing = true
                context.close(promise: nil)
            }
        }
    }

    // MARK: Answers

    /// Writes `error` as an OperationOutcome with `Connection: close` and closes. With `linger` (the client may still be
    /// sending the head that was refused), the connection first stops sending and drops what comes for ``linger``:
    /// closing with unread bytes would reset the connection, and the client might never see the answer.
    private func answerAndClose(_ error: FHIRError, linger: Bool = false, context: ChannelHandlerContext) {
        closing = true
        finish()
        var response = FHIRResponse.error(error, pretty: false)
        if production { SecurityHeaders.apply(to: &response.headers) }
        response.headers[.contentLength] = String(response.body.count)
        response.headers[.connection] = "close"
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: Int(response.status.code)),
            headers: HTTPHeaders(response.headers.map { ($0.name.rawName, $0.value) }))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            guard linger else {
                context.close(promise: nil)
                return
            }
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) { context.close(promise: nil) }
        }
    }
}

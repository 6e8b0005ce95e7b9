import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 channel with a ``ConnectionGuard`` behind the parser and a ``ByteCounter`` before it:
/// the connection's timeouts, its part in the connection limit, and FHIR answers to heads the parser refuses.
/// Hummingbird's own idle timer is left off; the guard times each phase of a request instead.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let limits: ConnectionLimits
    let governor: ConnectionGovernor?
    let production: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = limits, governor = governor, production = production
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let connection = ConnectionGuard(limits: limits, governor: governor, production: production)
            let parser = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(connection, position: .after(parser.handler))
            try pipeline.addHandler(ByteCounter(connection: connection), position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the connection guard (see ``GuardedHTTP1Channel``).
    static func guardedHTTP1(limits: ConnectionLimits, governor: ConnectionGovernor?, production: Bool) -> HTTPServerBuilder {
        .init { responder in
            GuardedHTTP1Channel(
                base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: nil)), limits: limits,
                governor: governor, production: production)
        }
    }
}

/// Sits before the HTTP parser and tells the ``ConnectionGuard`` when bytes arrive: a head is timed from its first
/// byte, which the parser does not report, and a body's progress is counted in bytes.
final class ByteCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let connection: ConnectionGuard

    init(connection: ConnectionGuard) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard connection.bytesArrived(unwrapInboundIn(data).readableBytes) else { return }
        context.fireChannelRead(data)
    }
}

import FHIRServer
import Hummingbird
import Logging
import Membership
import ServiceLifecycle

/// SIGTERM (or SIGINT) stops the server in this order: readiness fails (and stays failing for
/// `SHUTDOWN_DRAIN_DELAY`, so a load balancer stops sending), the listener closes, requests in flight finish, the
/// services behind the server stop — error reports are sent, the database pool closes — all within
/// `SHUTDOWN_GRACE`; then queued one-time-code messages get a last moment to go out.
enum GracefulShutdown {
    /// Runs `app` until a signal, with the order above.
    static func run(_ app: some ApplicationProtocol, configuration: OperationsConfiguration, logger: Logger) async throws {
        var group = ServiceGroupConfiguration(
            services: [
                .init(service: app),
                // Last in the list: the first to hear of the shutdown.
                .init(service: DrainFirst(lifecycle: configuration.lifecycle, delay: configuration.drainDelay, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        group.maximumCancellationDuration = .seconds(1)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            // Past the grace period the rest was cancelled: the process still ends as asked.
            logger.warning("shutdown did not finish within SHUTDOWN_GRACE", metadata: ["error": "\(type(of: error))"])
        }
    }

    /// Waits at most `bound` for the messages being sent in the background.
    static func flush(_ otp: OTPService, within bound: Duration) async {
        let (done, finish) = AsyncStream<Void>.makeStream()
        let drain = Task {
            await otp.drainDeliveries()
            finish.finish()
        }
        let timer = Task {
            try? await Task.sleep(for: bound)
            finish.finish()
        }
        for await _ in done {}
        timer.cancel()
        drain.cancel()
    }
}

/// Waits for the shutdown signal, then makes readiness fail before anything else stops.
struct DrainFirst: Service {
    let lifecycle: LifecycleState
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        lifecycle.startDraining()
        logger.info("draining: readiness fails from now on")
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}

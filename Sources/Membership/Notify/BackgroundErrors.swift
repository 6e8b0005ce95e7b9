import NIOConcurrencyHelpers

/// Where errors of background work (deliveries, sweeps) are reported beyond the log: the server's error reporting
/// sets ``handler`` while it runs. The handler gets the name of the work and the error, and must not block.
public enum BackgroundErrors {
    /// The reporting of the running process, if any.
    public static let handler = NIOLockedValueBox<(@Sendable (String, any Error) -> Void)?>(nil)

    /// Reports `error` of `component` (`otp-delivery`, `subscription-delivery`).
    public static func report(_ component: String, _ error: any Error) {
        handler.withLockedValue { $0 }?(component, error)
    }
}

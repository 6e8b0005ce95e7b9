import Foundation

/// How self-enrolment runs (settings `ENROLMENT_PAYMENT_TTL`, `ENROLMENT_RATE`, `ENROLMENT_SWEEP_INTERVAL` and the
/// PayPal ones).
public struct EnrolmentSettings: Sendable, Hashable {
    /// PayPal, when configured; without it enrolments are paid through the payment layer (PaymentNotice) only.
    public var paypal: PayPalSettings?
    /// How long an enrolment may stay unpaid before it lapses (default 24 hours).
    public var lifetime: TimeInterval
    /// At most `perAddress` enrolments from one address per `window` (default 5 per hour).
    public var perAddress: Int
    public var window: TimeInterval
    /// How often lapsed enrolments are swept (default every 5 minutes).
    public var sweepInterval: TimeInterval
    /// The largest family and photo accepted.
    public var maxMembers: Int
    public var maxPhotoBytes: Int

    /// The defaults, or the settings given.
    public init(paypal: PayPalSettings? = nil, lifetime: TimeInterval = 86_400, perAddress: Int = 5,
                window: TimeInterval = 3_600, sweepInterval: TimeInterval = 300, maxMembers: Int = 30,
                maxPhotoBytes: Int = 1_000_000) {
        self.paypal = paypal; self.lifetime = lifetime; self.perAddress = perAddress; self.window = window
        self.sweepInterval = sweepInterval; self.maxMembers = maxMembers; self.maxPhotoBytes = maxPhotoBytes
    }
}

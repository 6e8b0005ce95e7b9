import FHIRServer
import Foundation
import Membership

/// The self-enrolment settings.
extension Settings {
    /// Self-enrolment: `ENROLMENT_PAYMENT_TTL` (how long an enrolment may stay unpaid, default 24h),
    /// `ENROLMENT_RATE` (enrolments per address, default 5/h), `ENROLMENT_SWEEP_INTERVAL` (default 5m), and PayPal:
    /// `PAYPAL_BASE_URL`, `PAYPAL_CLIENT_ID`, `PAYPAL_CLIENT_SECRET` (all three or none), `PAYPAL_RETURN_URL`,
    /// `PAYPAL_CANCEL_URL`.
    func enrolmentSettings(production: Bool) throws -> EnrolmentSettings {
        var settings = EnrolmentSettings()
        settings.lifetime = try duration("ENROLMENT_PAYMENT_TTL", settings.lifetime)
        settings.sweepInterval = try duration("ENROLMENT_SWEEP_INTERVAL", settings.sweepInterval)
        if let rate = try rate("ENROLMENT_RATE", "5/h") {
            settings.perAddress = rate.requests
            settings.window = TimeInterval(rate.seconds)
        } else {
            settings.perAddress = Int.max
        }
        func text(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        let base = text("PAYPAL_BASE_URL"), id = text("PAYPAL_CLIENT_ID"), secret = text("PAYPAL_CLIENT_SECRET")
        guard base != nil || id != nil || secret != nil else { return settings }
        guard let base, let id, let secret else {
            throw SettingsError(key: "PAYPAL_BASE_URL", message: "PAYPAL_BASE_URL, PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET go together")
        }
        guard let url = URL(string: base), let scheme = url.scheme, scheme == "https" || (!production && scheme == "http"),
              url.host != nil
        else { throw SettingsError(key: "PAYPAL_BASE_URL", message: production ? "must be an https URL" : "must be an http(s) URL") }
        settings.paypal = PayPalSettings(baseURL: url, clientID: id, clientSecret: secret, returnURL: text("PAYPAL_RETURN_URL"),
                                         cancelURL: text("PAYPAL_CANCEL_URL"))
        return settings
    }
}

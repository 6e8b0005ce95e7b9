import Foundation
import IMISData
import Logging
import Membership
import ServiceLifecycle

/// The background sweep of self-enrolments left unpaid past `ENROLMENT_PAYMENT_TTL`: each is marked expired, its
/// invoice cancelled, and its idle policy, members and family closed (versioned deletes, history kept), so nothing of
/// it stays active or payable and its insurance numbers are free to enrol again. An enrolment paid meanwhile is left
/// active.
public struct EnrolmentSweep: Service {
    let store: any EnrolmentStore
    let interval: TimeInterval
    let logger: Logger

    /// A sweep of `auth`'s enrolments every `auth.enrolment.sweepInterval`; nil when the store keeps none.
    public init?(auth: AuthServices, logger: Logger) {
        guard let store = auth.enrolments else { return nil }
        self.store = store
        self.interval = max(1, auth.enrolment.sweepInterval)
        self.logger = logger
    }

    /// Sweeps now, then every interval, until the service is cancelled; a failed sweep is logged and tried again.
    public func run() async throws {
        while !Task.isCancelled {
            do {
                let expired = try await store.expireEnrolments()
                if !expired.isEmpty { logger.info("expired unpaid enrolments", metadata: ["count": "\(expired.count)"]) }
            } catch {
                logger.error("enrolment sweep failed", metadata: ["error": "\(type(of: error))"])
            }
            do {
                try await Task.sleep(for: .seconds(interval))
            } catch {
                return
            }
        }
    }
}

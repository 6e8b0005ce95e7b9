import FHIRModels
import Foundation
import IMISData

/// `GET Subscription/[id]/$events` and `POST Subscription/[id]/$resend`, on the FHIR base and the alias.
///
/// `$events` answers a `Parameters` in the shape of the Subscriptions Backport IG's R4 SubscriptionStatus
/// (http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition-backport-subscription-status-r4.html): the
/// representation an R4 client of Subscriptions already reads for `$status` and `$events`: `subscription`, `status`,
/// `type` `query-event`, `events-since-subscription-start`, then one `notification-event` per event with its
/// `event-number`, `timestamp` and `focus`, and the delivery state as further parts (`webhook-id`, `state`,
/// `attempts`, `last-status`, `last-error`, `delivered`, `reason`). `eventsSinceNumber` (inclusive) and `_count`
/// (at most 1000, default 100) page through them.
///
/// `$resend` makes every undelivered event due again, attempts and retry horizon starting afresh, and a
/// subscription in `error` active again; the answer is an OperationOutcome saying how many.
extension FHIRService {
    /// The operations declared on Subscription in the CapabilityStatement.
    static let subscriptionOperations: [CapabilityStatementRestResourceOperation] = [
        CapabilityStatementRestResourceOperation(
            name: "events", definition: "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events",
            documentation: FHIRPrimitive(FHIRMarkdown(
                "GET Subscription/[id]/$events: the subscription's events in order with their delivery state, as a Backport "
                    + "SubscriptionStatus Parameters; eventsSinceNumber, _count."))),
        CapabilityStatementRestResourceOperation(
            name: "resend", definition: "urn:imis-fhir:OperationDefinition/subscription-resend",
            documentation: FHIRPrimitive(FHIRMarkdown(
                "POST Subscription/[id]/$resend: every undelivered event is delivered again, in order; a subscription in "
                    + "error becomes active."))),
    ]

    /// `GET Subscription/[id]/$events`.
    func subscriptionEvents(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let (provider, events, record) = try await subscriptionTarget(request)
        let since = try Self.positiveInteger(request.query.first("eventsSinceNumber"), name: "eventsSinceNumber") ?? 1
        let count = try Self.positiveInteger(request.query.first("_count"), name: "_count") ?? 100
        guard count <= 1_000 else { throw FHIRError(.invalid, "_count is at most 1000 for $events") }
        let found = try await provider.storage { () async throws in
            try await events.events(subscriptionID: record.id, afterSeq: Int64(since - 1), limit: count)
        }
        let total = try await provider.storage { () async throws in
            try await events.events(subscriptionID: record.id, afterSeq: Int64(max(since - 1, 0) + found.count), limit: 1)
        }
        var parameters: [ParametersParameter] = [
            Self.parameter("subscription", .reference(Reference(reference: FHIRPrimitive(FHIRString("Subscription/\(record.id)"))))),
            Self.parameter("status", .code(FHIRPrimitive(FHIRCode(SubscriptionSearch.effectiveStatus(record, now: Date()))))),
            Self.parameter("type", .code(FHIRPrimitive(FHIRCode("query-event")))),
        ]
        if let last = found.last?.seq {
            parameters.append(Self.parameter("events-since-subscription-start", .string(FHIRPrimitive(FHIRString(String(last))))))
        }
        if let error = record.error { parameters.append(Self.parameter("error", .string(FHIRPrimitive(FHIRString(error))))) }
        parameters += found.map(Self.notificationEvent)
        if !total.isEmpty {
            parameters.append(Self.parameter("next-events-since-number", .string(FHIRPrimitive(FHIRString(String(since + found.count))))))
        }
        return .resource(.parameters(Parameters(parameter: parameters)), pretty: request.pretty)
    }

    /// `POST Subscription/[id]/$resend`.
    func subscriptionResend(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let (provider, events, record) = try await subscriptionTarget(request)
        let due = try await provider.storage { () async throws in
            try await events.resetPending(subscriptionID: record.id, now: Date())
        }
        if record.status == "error" { try await provider.reactivate(record) }
        let outcome = OperationOutcome(issue: [OperationOutcomeIssue(
            severity: FHIRPrimitive(.information), code: FHIRPrimitive(.informational),
            diagnostics: FHIRPrimitive(FHIRString("\(due) undelivered event(s) will be delivered again, in order")))])
        return .resource(.operationOutcome(outcome), pretty: request.pretty)
    }

    /// The subscription of the request and its stores; 404 for another type or an unknown id, 410 when deleted.
    func subscriptionTarget(_ request: FHIRRequest) async throws(FHIRError)
        -> (SubscriptionProvider, any SubscriptionEventStore, SubscriptionRecord)
    {
        guard request.match.type == "Subscription", let provider = providers["Subscription"] as? SubscriptionProvider,
            let events = provider.store as? any SubscriptionEventStore
        else { throw FHIRError(.notFound, "this operation is defined on Subscription only") }
        let record = try await provider.current(request.match.id ?? "")
        guard !record.deleted else { throw FHIRError(.gone, "Subscription/\(record.id) was deleted") }
        return (provider, events, record)
    }

    /// One `notification-event` with the event's delivery state.
    static func notificationEvent(_ event: SubscriptionEvent) -> ParametersParameter {
        var parts: [ParametersParameter] = [
            parameter("event-number", .string(FHIRPrimitive(FHIRString(String(event.seq))))),
            parameter("timestamp", .instant(FHIRPrimitive(FHIRInstant(event.time)))),
            parameter("focus", .reference(Reference(reference: FHIRPrimitive(FHIRString(
                "\(event.resourceType)/\(event.resourceID)/_history/\(event.versionID)"))))),
            parameter("webhook-id", .string(FHIRPrimitive(FHIRString(event.id)))),
            parameter("state", .code(FHIRPrimitive(FHIRCode(event.state)))),
            parameter("attempts", .integer(FHIRPrimitive(FHIRInteger(Int32(clamping: event.attempts))))),
        ]
        if let status = event.lastStatus {
            parts.append(parameter("last-status", .integer(FHIRPrimitive(FHIRInteger(Int32(clamping: status))))))
        }
        if let error = event.lastError, event.state != "delivered" {
            parts.append(parameter("last-error", .string(FHIRPrimitive(FHIRString(error)))))
        }
        if let delivered = event.delivered { parts.append(parameter("delivered", .instant(FHIRPrimitive(FHIRInstant(delivered))))) }
        if event.state == "pending" { parts.append(parameter("next-attempt", .instant(FHIRPrimitive(FHIRInstant(event.nextAttempt))))) }
        if let reason = event.reason { parts.append(parameter("reason", .string(FHIRPrimitive(FHIRString(reason))))) }
        return ParametersParameter(name: FHIRPrimitive(FHIRString("notification-event")), part: parts)
    }

    static func parameter(_ name: String, _ value: ParametersParameterValue) -> ParametersParameter {
        ParametersParameter(name: FHIRPrimitive(FHIRString(name)), value: value)
    }

    /// A positive integer query value; nil when absent, 400 when not one.
    static func positiveInteger(_ text: String?, name: String) throws(FHIRError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 1, value <= 1_000_000_000 else {
            throw FHIRError(.invalid, "\(name) must be a positive integer")
        }
        return value
    }
}

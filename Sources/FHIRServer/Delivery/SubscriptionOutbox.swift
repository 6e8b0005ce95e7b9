import FHIRModels
import Foundation
import IMISData
import Logging
import Membership
import NIOConcurrencyHelpers

/// Records Subscription events in the transaction of the change (the database's ``WriteOutbox`` hook).
///
/// Criteria are evaluated here, inside the writing transaction, right before it commits: the server's own search
/// (the criteria with `_id` of the changed resource) runs on the transaction's connection and sees exactly the new
/// version, and the body to send is rendered from that version and stored with the event. A dispatcher reading a
/// change log after commit could not do this: several tables (Invoice, PaymentNotice, Organization of a policy
/// holder) keep no earlier versions, so by the time it reads, a later change may have replaced the version the
/// event is about. Evaluating here also means a rolled-back change records nothing, and a committed one has its
/// event committed with it (a process killed right after the commit still delivers it).
///
/// The cost for a write no subscription follows is a dictionary look-up: the active subscriptions are kept in
/// memory, reloaded when this process changes one and every `refresh` by the delivery service (the time another
/// instance's new subscription takes to be followed here).
final class SubscriptionOutbox: Sendable {
    /// A subscription as evaluated: its record, the search part of its criteria, its mode and owner.
    struct Entry: Sendable {
        var record: SubscriptionRecord
        var type: String
        var query: String?
        var openIMIS: Bool
        var hasPayload: Bool
        var owner: Principal?
    }

    /// The FHIR types rendered from each followed table.
    static let tableTypes: [String: [String]] = [
        "tblInvoice": ["Invoice"], "tblPaymentInvoice": ["PaymentNotice"], "tblPolicy": ["Coverage", "Contract"],
        "tblClaim": ["Claim", "ClaimResponse"], "tblInsuree": ["Patient"], "tblFamilies": ["Group"],
        "tblHF": ["Organization"], "tblPolicyHolder": ["Organization"],
    ]

    let store: any SubscriptionStore & SubscriptionEventStore
    let logger: Logger
    let now: @Sendable () -> Date
    private let state = NIOLockedValueBox<(entries: [String: [Entry]], stale: Bool)>(([:], true))
    private let service = NIOLockedValueBox<FHIRService?>(nil)

    init(store: any SubscriptionStore & SubscriptionEventStore, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// Gives the outbox the service whose providers render and search (built after the providers).
    func attach(_ service: FHIRService) {
        self.service.withLockedValue { $0 = service }
    }

    /// Makes the next write reload the subscriptions (this process changed one).
    func invalidate() {
        state.withLockedValue { $0.stale = true }
    }

    /// Reloads the subscriptions now (the delivery service does it periodically).
    func refresh() async throws {
        let entries = try await load()
        state.withLockedValue { $0 = (entries, false) }
    }

    /// The subscriptions that record events: not deleted, not `off`, not past `end` (those in `error` still record).
    func load() async throws -> [String: [Entry]] {
        let records = try await store.currentSubscriptions()
        let owners = records.isEmpty ? [:] : try await store.owners()
        let time = now()
        var entries: [String: [Entry]] = [:]
        for record in records where record.status != "off" && (record.end.map { $0 > time } ?? true) {
            let text = record.criteria.trimmed
            let type: String
            var query: String?
            if let question = text.firstIndex(of: "?") {
                type = String(text[..<question])
                let rest = String(text[text.index(after: question)...])
                query = rest.isEmpty ? nil : rest
            } else {
                type = text.hasPrefix("resourceType=") ? String(text.dropFirst("resourceType=".count)) : text
            }
            let decoded = try? Subscription.decode(record.resource)
            entries[type, default: []].append(Entry(
                record: record, type: type, query: query, openIMIS: record.mode == "openimis",
                hasPayload: decoded?.channel.payload != nil, owner: owners[record.id].flatMap(SubscriptionOwner.decode)))
        }
        return entries
    }

    /// The hook: events for the followed resources written by the committing transaction.
    func record(_ rows: [ChangedRow]) async throws {
        var (entries, stale) = state.withLockedValue { ($0.entries, $0.stale) }
        if stale {
            entries = try await load()
            state.withLockedValue { $0 = (entries, false) }
        }
        guard !entries.isEmpty, let service = service.withLockedValue({ $0 }) else { return }
        for row in rows {
            for type in Self.tableTypes[row.table] ?? [] {
                guard let followers = entries[type], !followers.isEmpty, let provider = service.providers[type] else { continue }
                try await record(row, type: type, provider: provider, followers: followers, service: service)
            }
        }
    }

    /// The events of one changed resource for the subscriptions following its type.
    private func record(_ row: ChangedRow, type: String, provider: any ResourceProvider, followers: [Entry],
                        service: FHIRService) async throws {
        let stored: StoredResource
        do {
            stored = try await provider.read(id: row.uuid)
        } catch {
            return  // deleted, or not of this type (a policy holder is not a facility): nothing to notify
        }
        guard let id = stored.resourceID?.lowercased() else { return }
        let body = String(decoding: FHIRResponse.stored(stored, pretty: false).body, as: UTF8.self)
        var matches: [String: Bool] = [:]
        let time = now()
        for entry in followers {
            var reason: String?
            if let query = entry.query {
                let selected: Bool
                if let known = matches[query] {
                    selected = known
                } else {
                    do {
                        selected = try await Self.selects(query, id: id, provider: provider)
                    } catch {
                        selected = true
                        reason = "the criteria could not be evaluated: \(error.message)"
                    }
                    if reason == nil { matches[query] = selected }
                }
                guard selected else { continue }
            }
            if entry.openIMIS {
                // openIMIS's module notifies a resource once (the payment mediators fail on a repeat): the first
                // version the criteria select, at create or when a change makes them select it.
                guard try await store.markNotified(subscriptionID: entry.record.id, type: type, id: id) else { continue }
            }
            if reason == nil {
                if let owner = entry.owner {
                    let readable = (try? await service.readable([stored], type: type, principal: owner)) ?? []
                    if readable.isEmpty { reason = "the subscription's owner may not read \(type)/\(id)" }
                } else {
                    reason = "the subscription has no recorded owner"
                }
            }
            let event = SubscriptionEvent(
                id: UUID().uuidString.lowercased(), subscriptionID: entry.record.id, resourceType: type, resourceID: id,
                versionID: stored.versionId, time: time,
                body: reason == nil && (entry.openIMIS || entry.hasPayload) ? body : nil,
                state: reason == nil ? "pending" : "refused", reason: reason)
            try await store.recordEvent(event)
        }
    }

    /// Whether the search `query` of `provider`'s type finds the resource `id` (on the transaction's connection).
    static func selects(_ query: String, id: String, provider: any ResourceProvider) async throws(FHIRError) -> Bool {
        var parameters = QueryParameters(parsing: Substring(query))
        parameters.items.append((name: "_id", value: id))
        var search = try SearchQuery.parse(parameters, for: provider, strict: true)
        search.total = .none
        let found = try await provider.search(search)
        return found.resources.contains { $0.resourceID?.lowercased() == id }
    }
}

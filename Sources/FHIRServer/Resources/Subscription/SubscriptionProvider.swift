import FHIRModels
import Foundation
import IMISData

/// R4 `Subscription` (http://hl7.org/fhir/R4/subscription.html) over the project's own table: create, read, update,
/// delete and search by `status`, `url`, `criteria` and `type`. Only the current version is kept, so `vread` and
/// `history` are not offered (a `vread` of the current version still answers it). A create answers the signing secret once, in the `subscription-secret` extension; no later
/// answer carries it. Who creates one is stored as its owner (notifications carry only what the owner may read);
/// setting the status back to `requested`/`active` makes its undelivered events due again (``DeliveryService``).
struct SubscriptionProvider: ResourceProvider {
    let resourceType = "Subscription"
    let interactions: Set<Interaction> = [.read, .create, .update, .delete, .searchType]
    let store: any SubscriptionStore
    /// The providers of the other types, whose search parameters criteria are checked against.
    let providers: [String: any ResourceProvider]
    let policy: EndpointPolicy
    let now: @Sendable () -> Date
    /// Told of every change to a subscription (the events recorded for writes depend on them).
    var outbox: SubscriptionOutbox?

    var documentation: String {
        """
        rest-hook subscriptions to changes of \(SubscriptionCriteria.followedTypes.sorted().joined(separator: ", ")); \
        criteria are checked against the server's own search parameters; status requested is stored as active; \
        the signing secret is answered once, at create, in the extension \(SubscriptionInput.secretExtension). \
        Notifications are recorded in the transaction of the change and delivered in order, at least once, signed as \
        Standard Webhooks do; $events lists them with their delivery state, $resend delivers the undelivered again.
        """
    }

    var searchParameters: [SearchParameter] { SubscriptionSearch.parameters }

    /// The provider over `store`, checking criteria with `providers` and endpoints with `policy`.
    init(store: any SubscriptionStore, providers: [any ResourceProvider], policy: EndpointPolicy,
         now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.providers = Dictionary(providers.map { ($0.resourceType, $0) }, uniquingKeysWith: { a, _ in a })
        self.policy = policy
        self.now = now
    }

    func read(id: String) async throws(FHIRError) -> StoredResource {
        let record = try await current(id)
        guard !record.deleted else { throw FHIRError(.gone, "Subscription/\(id) was deleted") }
        return try render(record)
    }

    func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource {
        let record = try await current(id)
        guard record.versionId == version, !record.deleted else {
            throw FHIRError(.notFound, "Subscription/\(id) has no version \(version) kept")
        }
        return try render(record)
    }

    func history(id: String) async throws(FHIRError) -> [StoredResource] {
        throw FHIRError(.methodNotAllowed, "history is not kept for Subscription")
    }

    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches {
        let records = try await storage { () async throws in try await store.currentSubscriptions() }
        return try await SubscriptionSearch.run(query, records: records, now: now()) { record throws(FHIRError) in
            try render(record)
        }
    }

    func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        try await create(resource, viaAlias: false)
    }

    func create(_ resource: Resource, viaAlias: Bool) async throws(FHIRError) -> StoredResource {
        let input = try await checked(resource)
        let status = try Self.status(input.subscription.status.value, stored: nil)
        let record = SubscriptionRecord(
            id: UUID().uuidString.lowercased(), versionId: 1, lastUpdated: now(), status: status,
            criteria: input.subscription.criteria.value?.string ?? "", channelType: "rest-hook", endpoint: input.endpoint,
            mode: input.mode(viaAlias: viaAlias), createdViaAlias: viaAlias, end: input.end,
            secret: input.suppliedSecret ?? SubscriptionInput.newSecret(), resource: try Self.body(input.subscription, status: status))
        guard try await storage({ () async throws in try await store.insertSubscription(record) }) else {
            throw FHIRError(.conflict, "a subscription with this id already exists")
        }
        if let principal = RequestPrincipal.current, let events = store as? any SubscriptionEventStore {
            try await storage { () async throws in
                try await events.setOwner(subscriptionID: record.id, owner: SubscriptionOwner.encode(principal))
            }
        }
        outbox?.invalidate()
        return try render(record, withSecret: true)
    }

    func update(id: String, _ resource: Resource, ifMatch: Int?) async throws(FHIRError) -> StoredResource {
        let stored = try await current(id)
        guard !stored.deleted else { throw FHIRError(.gone, "Subscription/\(id) was deleted") }
        if let ifMatch, ifMatch != stored.versionId {
            throw FHIRError(.preconditionFailed, "Subscription/\(id) is at version \(stored.versionId), not \(ifMatch)")
        }
        let input = try await checked(resource)
        if input.suppliedSecret != nil {
            throw SubscriptionInput.refusal("Subscription.extension", "the subscription-secret is set at create only")
        }
        let status = try Self.status(input.subscription.status.value, stored: stored.status)
        var record = stored
        record.lastUpdated = max(now(), stored.lastUpdated)
        record.status = status
        record.error = status == "error" ? stored.error : nil
        record.criteria = input.subscription.criteria.value?.string ?? ""
        record.endpoint = input.endpoint
        record.mode = input.mode(viaAlias: stored.createdViaAlias)
        record.end = input.end
        record.resource = try Self.body(input.subscription, status: status)
        guard let written = try await storage({ () async throws in
            try await store.replaceSubscription(record, expectedVersion: stored.versionId)
        }) else {
            throw FHIRError(.conflict, "Subscription/\(id) was changed at the same time; read it again")
        }
        outbox?.invalidate()
        if written.status == "active", stored.status != "active", let events = store as? any SubscriptionEventStore {
            // Back to requested/active: what is pending is delivered again, in order.
            _ = try await storage { () async throws in try await events.resetPending(subscriptionID: id.lowercased(), now: now()) }
        }
        return try render(written)
    }

    func delete(id: String) async throws(FHIRError) {
        let stored = try await current(id)
        guard !stored.deleted else { return }
        var record = stored
        record.deleted = true
        record.lastUpdated = max(now(), stored.lastUpdated)
        guard try await storage({ () async throws in
            try await store.replaceSubscription(record, expectedVersion: stored.versionId)
        }) != nil else {
            throw FHIRError(.conflict, "Subscription/\(id) was changed at the same time; try again")
        }
        outbox?.invalidate()
    }

    /// Puts a subscription in `error` back to `active` (``FHIRService/subscriptionResend(_:)``).
    func reactivate(_ stored: SubscriptionRecord) async throws(FHIRError) {
        var record = stored
        record.status = "active"
        record.error = nil
        record.lastUpdated = max(now(), stored.lastUpdated)
        guard try await storage({ () async throws in
            try await store.replaceSubscription(record, expectedVersion: stored.versionId)
        }) != nil else {
            throw FHIRError(.conflict, "Subscription/\(stored.id) was changed at the same time; try again")
        }
        outbox?.invalidate()
    }

    /// The body decoded as a Subscription and checked.
    func checked(_ resource: Resource) async throws(FHIRError) -> SubscriptionInput {
        guard case .subscription(let subscription) = resource else {
            throw FHIRError(.invalid, "expected a Subscription, got a \(resource.resourceType)")
        }
        return try await SubscriptionInput(subscription, providers: providers, policy: policy)
    }

    /// The stored status for a written one: `requested` and `active` are `active` (no handshake), `off` stays off;
    /// `error` is the server's, kept only on an update of a subscription already in error.
    static func status(_ written: SubscriptionStatus?, stored: String?) throws(FHIRError) -> String {
        switch written {
        case .requested?, .active?: return "active"
        case .off?: return "off"
        case .error?:
            guard stored == "error" else {
                throw SubscriptionInput.refusal("Subscription.status", "status error is set by the server's delivery")
            }
            return "error"
        case nil: throw SubscriptionInput.refusal("Subscription.status", "status is required")
        }
    }

    /// The JSON kept for a subscription: as written, with the stored status, without id and version metadata.
    static func body(_ subscription: Subscription, status: String) throws(FHIRError) -> String {
        var kept = subscription
        kept.id = nil
        kept.status = FHIRPrimitive(SubscriptionStatus(rawValue: status))
        if var meta = kept.meta {
            meta.versionId = nil
            meta.lastUpdated = nil
            kept.meta = meta == Meta() ? nil : meta
        }
        return kept.jsonString()
    }

    /// The served resource of `record`: its id, version, effective status, delivery error and, for the create
    /// answer only, the secret.
    func render(_ record: SubscriptionRecord, withSecret: Bool = false) throws(FHIRError) -> StoredResource {
        var subscription: Subscription
        do {
            subscription = try Subscription.decode(record.resource)
        } catch {
            throw FHIRError(.server, "a stored subscription could not be read back")
        }
        subscription.id = record.id
        var meta = subscription.meta ?? Meta()
        meta.versionId = FHIRPrimitive(FHIRId(String(record.versionId)))
        meta.lastUpdated = FHIRPrimitive(FHIRInstant(record.lastUpdated))
        subscription.meta = meta
        subscription.status = FHIRPrimitive(SubscriptionStatus(rawValue: SubscriptionSearch.effectiveStatus(record, now: now())))
        subscription.error = record.error.map { FHIRPrimitive(FHIRString($0)) }
        if withSecret {
            subscription.extension = (subscription.extension ?? []) + [
                Extension(url: SubscriptionInput.secretExtension, value: .string(FHIRPrimitive(FHIRString(record.secret))))
            ]
        }
        return StoredResource(resource: .subscription(subscription), versionId: record.versionId, lastUpdated: record.lastUpdated,
                              deleted: record.deleted)
    }

    /// The current version of `id`; 404 when there never was one.
    func current(_ id: String) async throws(FHIRError) -> SubscriptionRecord {
        let key = id.lowercased()
        guard let record = try await storage({ () async throws in try await store.subscription(id: key) }) else {
            throw FHIRError(.notFound, "Subscription/\(id) is not known")
        }
        return record
    }

    /// A store call; a storage failure becomes the server's error.
    func storage<T: Sendable>(_ body: () async throws -> T) async throws(FHIRError) -> T {
        do {
            return try await body()
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
    }
}

extension SubscriptionProvider {
    /// `providers` and, when the storage keeps subscriptions, the Subscription provider over them (checking
    /// criteria against `providers`, endpoints by `MODE` and `SUBSCRIPTION_ALLOWED_HOSTS`).
    static func adding(to providers: [any ResourceProvider], environment: ApplicationEnvironment,
                       outbox: SubscriptionOutbox? = nil) -> [any ResourceProvider] {
        guard let store = environment.storage.subscriptions else { return providers }
        var provider = SubscriptionProvider(store: store, providers: providers, policy: environment.configuration.endpointPolicy)
        provider.outbox = outbox
        return providers + [provider]
    }
}

import Hummingbird
import IMISData
import Logging
import Membership
import NIOCore
import ServiceLifecycle

/// Everything the application is built from.
public struct ApplicationEnvironment: Sendable {
    public var configuration: ServerConfiguration
    /// The stores of the database, SQLite or PostgreSQL.
    public var storage: Storage
    public var mapping: MappingContext
    public var logger: Logger
    /// Tokens, users and the membership stores.
    public var auth: AuthServices
    /// Long-running parts that run beside the HTTP server and stop with it (the PostgreSQL connection pool).
    public var services: [any Service] = []
    /// Work done once the services run and before the server accepts requests (PostgreSQL migrations).
    public var beforeServerStarts: [@Sendable () async throws -> Void] = []
    /// The counters of Subscription delivery, for metrics.
    public var deliveryMeter = DeliveryMeter()
    /// Called with the listening channel once the server accepts connections (its `localAddress` has the port).
    public var onServerRunning: (@Sendable (any Channel) async -> Void)?

    public init(configuration: ServerConfiguration, storage: Storage, mapping: MappingContext = MappingContext(),
                auth: AuthServices, logger: Logger) {
        self.configuration = configuration
        self.storage = storage
        self.mapping = mapping
        self.auth = auth
        self.logger = logger
    }

    /// An environment over an SQLite database.
    public init(configuration: ServerConfiguration, database: IMISDatabase, mapping: MappingContext = MappingContext(),
                auth: AuthServices, logger: Logger) {
        self.init(configuration: configuration, storage: .sqlite(database), mapping: mapping, auth: auth, logger: logger)
    }
}

/// Builds the HTTP application: one place where storage, providers and the responder are wired.
///
/// Raises the process's soft open-file limit to its hard limit, and serves HTTP/1.1 through the connection guard
/// (``ConnectionLimits``: idle, header and body timeouts; at most `HTTP_MAX_CONNECTIONS`, idle ones closed to make
/// room).
public func buildApplication(_ environment: ApplicationEnvironment) -> some ApplicationProtocol {
    let (service, delivery) = buildServiceAndDelivery(environment)
    let configuration = environment.configuration
    let limits = configuration.connections
    let files = OpenFileLimit.raiseToHardLimit()
    let maximum = limits.effectiveMaxConnections(openFileLimit: files)
    if maximum < limits.maxConnections {
        environment.logger.warning(
            "HTTP_MAX_CONNECTIONS lowered to what the open-file limit allows",
            metadata: ["max_connections": "\(maximum)", "open_files": "\(files ?? 0)"])
    }
    let governor = ConnectionGovernor(maximum: maximum)
    var services = environment.services
    if let sentry = service.operations.sentry { services.append(sentry) }
    if let spans = service.operations.spans { services.append(spans) }
    let running = environment.onServerRunning
    var application = Application(
        responder: FHIRResponder(service: service, auth: environment.auth),
        server: .guardedHTTP1(limits: limits, governor: governor, production: configuration.production),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "imis-fhir",
            availableConnectionsDelegate: governor.delegate),
        services: services + (delivery.map { [$0] } ?? []) + (service.exports.map { [ExportSweeper(jobs: $0)] } ?? []),
        onServerRunning: { channel in
            governor.serverStarted(channel)
            await running?(channel)
        },
        logger: environment.logger)
    for process in environment.beforeServerStarts { application.beforeServerStarts(perform: process) }
    return application
}

/// The FHIR service with every provider, over the environment's storage.
public func buildService(_ environment: ApplicationEnvironment) -> FHIRService {
    buildServiceAndDelivery(environment).service
}

/// The FHIR service and, when the storage keeps subscriptions, the delivery of their events (its outbox hook
/// installed on the database, whether or not this instance delivers).
func buildServiceAndDelivery(_ environment: ApplicationEnvironment) -> (service: FHIRService, delivery: DeliveryService?) {
    let store = environment.storage.store
    let limit = environment.configuration.resourceCacheBytes
    // The cache needs to hear of every commit; storage shared with other processes cannot tell it. Storage written
    // only through this process (the embedded database) lets the cache answer reads by itself.
    let observe = environment.storage.committedChanges
    var cache = limit > 0 && observe != nil ? RenderCache(byteLimit: limit, seesEveryWrite: true) : nil
    let metrics = ServerMetrics()
    if let cache, let observe {
        // Every commit drops the renderings made from the rows it changed, before the write returns.
        observe { changes in
            cache.apply(changes)
            if !changes.isEmpty { metrics.renderCacheInvalidated() }
        }
    } else if limit > 0, let feed = environment.storage.changeFeed {
        // A shared database reports every writer's commits while its feed is connected; until then, nothing cached.
        let shared = RenderCache(byteLimit: limit, seesEveryWrite: true, trusted: false)
        feed { event in
            switch event {
            case .changed(let changes):
                shared.apply(changes)
                if !changes.isEmpty { metrics.renderCacheInvalidated() }
            case .flush(let trusted): shared.reset(trusted: trusted)
            }
        }
        cache = shared
    }
    let events = environment.storage.subscriptions as? any SubscriptionStore & SubscriptionEventStore
    let outbox = events.map { SubscriptionOutbox(store: $0, logger: environment.logger) }
    var service = FHIRService(
        configuration: environment.configuration,
        providers: SubscriptionProvider.adding(
            to: RegistryProviders.all(store: store, mapping: environment.mapping, cache: cache,
                                      notices: environment.auth.peopleNotices),
            environment: environment, outbox: outbox),
        units: store, renderCache: cache,
        compartments: { familyID in
            guard let family = try await store.record(Family.self, id: familyID) else { return nil }
            let members = try await store.familyMembers(familyID: familyID).map(\.uuid)
            return FamilyCompartment(familyUUID: family.uuid, memberUUIDs: members)
        },
        logger: environment.logger)
    if let store = environment.storage.exportJobs, let directory = environment.configuration.export.directory {
        let jobs = ExportJobs(
            store: store, settings: environment.configuration.export, directory: directory,
            singleInstance: environment.storage.engine == .sqlite, logger: environment.logger)
        service.exports = jobs
    }
    let configuration = environment.configuration
    service.operations = Operations(
        configuration: configuration.operations, production: configuration.production, store: store,
        engine: environment.storage.engine, cache: cache, metrics: metrics, logger: environment.logger)
    guard let events, let outbox, let hook = environment.storage.outbox else { return (service, nil) }
    outbox.attach(service)
    hook.install { rows in try await outbox.record(rows) }
    let settings = environment.configuration.delivery
    guard settings.enabled else { return (service, nil) }
    environment.deliveryMeter.connect { outcome, lag in metrics.subscriptionDelivery(outcome: outcome, lag: lag) }
    return (service, DeliveryService(store: events, outbox: outbox, settings: settings,
                                     policy: environment.configuration.endpointPolicy, logger: environment.logger,
                                     meter: environment.deliveryMeter))
}

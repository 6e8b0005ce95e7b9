import Hummingbird
import IMISData
import Logging
import Membership

/// Everything the application is built from.
public struct ApplicationEnvironment: Sendable {
    public var configuration: ServerConfiguration
    public var database: IMISDatabase
    public var mapping: MappingContext
    public var logger: Logger
    /// Tokens, users and the membership stores.
    public var auth: AuthServices

    public init(configuration: ServerConfiguration, database: IMISDatabase, mapping: MappingContext = MappingContext(),
                auth: AuthServices, logger: Logger) {
        self.configuration = configuration
        self.database = database
        self.mapping = mapping
        self.auth = auth
        self.logger = logger
    }
}

/// Builds the HTTP application: one place where storage, providers and the responder are wired.
public func buildApplication(_ environment: ApplicationEnvironment) -> some ApplicationProtocol {
    let service = buildService(environment)
    return Application(
        responder: FHIRResponder(service: service, auth: environment.auth),
        configuration: .init(
            address: .hostname(environment.configuration.host, port: environment.configuration.port),
            serverName: "imis-fhir"),
        logger: environment.logger)
}

/// The FHIR service with every provider, over the environment's database.
public func buildService(_ environment: ApplicationEnvironment) -> FHIRService {
    let store = SQLiteRegistryStore(database: environment.database)
    let limit = environment.configuration.resourceCacheBytes
    let cache = limit > 0 ? RenderCache(byteLimit: limit) : nil
    if let cache {
        // Every commit drops the renderings made from the rows it changed, before the write returns.
        environment.database.observeCommittedChanges { changes in cache.apply(changes) }
    }
    return FHIRService(
        configuration: environment.configuration,
        providers: RegistryProviders.all(store: store, mapping: environment.mapping, cache: cache),
        renderCache: cache,
        compartments: { familyID in
            guard let family = try store.record(Family.self, id: familyID) else { return nil }
            let members = try store.familyMembers(familyID: familyID).map(\.uuid)
            return FamilyCompartment(familyUUID: family.uuid, memberUUIDs: members)
        },
        logger: environment.logger)
}

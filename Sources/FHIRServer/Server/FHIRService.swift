import FHIRModels
import Foundation
import IMISData
import Logging
import NIOConcurrencyHelpers

/// The FHIR API: the providers per resource type and the request handlers over them.
public struct FHIRService: Sendable {
    public let configuration: ServerConfiguration
    public let providers: [String: any ResourceProvider]
    public let capabilityStatement: CapabilityStatement
    /// The cache of rendered resources, when on (`RESOURCE_CACHE_MB`). Writes through the database
    /// invalidate it by themselves; ``RenderCache/invalidate(type:id:)`` is for anything else.
    public let renderCache: RenderCache?
    /// Runs the entries of a transaction Bundle as one database transaction.
    let units: any UnitOfWorkStore
    let logger: Logger
    /// The rendered CapabilityStatement per request base.
    let capabilityCache = NIOLockedValueBox<[String: [UInt8]]>([:])
    /// The family compartment of an insuree (by `FamilyID`), for access control.
    let compartments: (@Sendable (Int64) async throws -> FamilyCompartment?)?
    /// The bulk export jobs (`$export`); nil when exports are not offered.
    public var exports: ExportJobs?
    /// Readiness, metrics, the status page and error reports (``Operations``).
    public internal(set) var operations = Operations()

    public init(configuration: ServerConfiguration, providers: [any ResourceProvider], units: any UnitOfWorkStore,
                renderCache: RenderCache? = nil, compartments: (@Sendable (Int64) async throws -> FamilyCompartment?)? = nil,
                logger: Logger) {
        self.configuration = configuration
        self.units = units
        self.compartments = compartments
        self.renderCache = renderCache
        self.providers = Dictionary(providers.map { ($0.resourceType, $0) }, uniquingKeysWith: { a, _ in a })
        self.capabilityStatement = CapabilityBuilder.statement(providers: providers)
        self.logger = logger
    }

    /// The provider of a type, or 404 for a type this server does not serve.
    func provider(_ type: String?) throws(FHIRError) -> any ResourceProvider {
        guard let type, let provider = providers[type] else {
            throw FHIRError(.notFound, "resource type '\(type ?? "")' is not served here")
        }
        return provider
    }
}

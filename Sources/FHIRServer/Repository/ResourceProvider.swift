import FHIRModels
import Foundation
import NIOConcurrencyHelpers

/// A resource as stored: the FHIR model with its version metadata.
public struct StoredResource: Sendable {
    /// The resource. One served from the cache of renderings has only its JSON until something asks for
    /// the model, which is then decoded once.
    public var resource: Resource {
        get { model ?? cached?.resource ?? .operationOutcome(FHIRError(.server, "no resource").operationOutcome) }
        set {
            model = newValue
            cached = nil
            json = nil
        }
    }
    private var model: Resource?
    private var cached: CachedJSONResource?
    /// The compact FHIR JSON of `resource`, when already known (a cached rendering); cleared when
    /// `resource` is set.
    public var json: [UInt8]?
    public var versionId: Int
    public var lastUpdated: Date
    /// True for the tombstone of a deleted resource (history and vread show it; read answers 410).
    public var deleted: Bool
    /// True when a create found the resource already stored (an idempotent create): answered 200, not 201.
    public var existing: Bool

    public init(resource: Resource, versionId: Int, lastUpdated: Date, deleted: Bool = false, existing: Bool = false) {
        self.model = resource
        self.versionId = versionId
        self.lastUpdated = lastUpdated
        self.deleted = deleted
        self.existing = existing
    }
}

extension StoredResource {
    /// A current resource known by its compact JSON (from ``RenderCache``); `id` is its id.
    init(json: [UInt8], id: String, versionId: Int, lastUpdated: Date) {
        self.init(resource: .patient(Patient()), versionId: versionId, lastUpdated: lastUpdated)
        self.model = nil
        self.cached = CachedJSONResource(json: json, id: id)
        self.json = json
    }

    /// The resource's id, without decoding a cached rendering.
    var resourceID: String? { model?.id ?? cached?.id }
}

/// The model of a cached rendering, decoded from its JSON on first use (the JSON is this server's own
/// output, which the tests hold to decode and validate).
final class CachedJSONResource: Sendable {
    let json: [UInt8]
    let id: String
    private let decoded = NIOLockedValueBox<Resource?>(nil)

    init(json: [UInt8], id: String) {
        self.json = json
        self.id = id
    }

    var resource: Resource {
        if let resource = decoded.withLockedValue({ $0 }) { return resource }
        let resource: Resource
        do {
            resource = try Resource.decode(json)
        } catch {
            resource = .operationOutcome(FHIRError(.server, "a cached rendering could not be read back").operationOutcome)
        }
        decoded.withLockedValue { $0 = resource }
        return resource
    }
}

/// One page of search matches, in order, plus what paging needs.
public struct SearchMatches: Sendable {
    public var resources: [StoredResource]
    /// Every match across pages, when asked (`_total=accurate`) or cheap.
    public var total: Int?
    /// Opaque position after the last resource of this page, when there may be more.
    public var nextCursor: String?
    /// Opaque position before the first resource of this page, when there is a page before.
    public var previousCursor: String?

    public init(resources: [StoredResource], total: Int?, nextCursor: String?, previousCursor: String? = nil) {
        self.resources = resources
        self.total = total
        self.nextCursor = nextCursor
        self.previousCursor = previousCursor
    }
}

/// What the handlers need of one resource type. Implementations translate to the openIMIS
/// stores and map rows to FHIR with the pure functions of `Mapping/`; they hold no HTTP concerns.
///
/// Every method throws ``FHIRError``: `.notFound`, `.gone`, `.preconditionFailed`,
/// `.unprocessable` for business rules, `.methodNotAllowed` for interactions not offered.
public protocol ResourceProvider: Sendable {
    /// The FHIR type served.
    var resourceType: String { get }
    /// The interactions offered (the CapabilityStatement lists them).
    var interactions: Set<Interaction> { get }
    /// The search parameters understood, beyond the common ones.
    var searchParameters: [SearchParameter] { get }
    /// How writes handle elements without a column (mapping.md §Decisions 5), for the CapabilityStatement.
    var documentation: String { get }
    /// The type a create answers with, when not the created type itself (a posted Claim is answered
    /// with its ClaimResponse, as openIMIS does).
    var createAnswerType: String? { get }
    /// A create that only computes an answer and stores nothing (CoverageEligibilityRequest): it is
    /// answered 200 with the computed resource and no `Location`.
    var createIsEnquiry: Bool { get }

    /// Whether search matches come as cached renderings whose rows the ``RenderCache`` knows, and the search
    /// records the rows it reads: then a whole search answer may be cached (``CachedSearch``).
    var cachesRenderings: Bool { get }

    /// How row security keeps this type's rows within districts; nil for the types it cannot narrow (an account
    /// limited to districts is refused them).
    var districtScope: DistrictScope? { get }

    /// The current version (http://hl7.org/fhir/R4/http.html#read); `.gone` when deleted.
    func read(id: String) async throws(FHIRError) -> StoredResource
    /// One version (http://hl7.org/fhir/R4/http.html#vread).
    func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource
    /// Every version, newest first (http://hl7.org/fhir/R4/http.html#history).
    func history(id: String) async throws(FHIRError) -> [StoredResource]
    /// One page of matches (http://hl7.org/fhir/R4/search.html).
    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches
    /// Creates a resource (http://hl7.org/fhir/R4/http.html#create).
    func create(_ resource: Resource) async throws(FHIRError) -> StoredResource
    /// Creates a resource, knowing whether it came through the openIMIS alias (a Subscription created there
    /// notifies in openIMIS's form); by default the same as ``create(_:)``.
    func create(_ resource: Resource, viaAlias: Bool) async throws(FHIRError) -> StoredResource
    /// Updates a resource; `ifMatch` is the version the client saw (http://hl7.org/fhir/R4/http.html#update).
    func update(id: String, _ resource: Resource, ifMatch: Int?) async throws(FHIRError) -> StoredResource
    /// Deletes a resource (soft delete; http://hl7.org/fhir/R4/http.html#delete).
    func delete(id: String) async throws(FHIRError)
}

extension ResourceProvider {
    public var documentation: String { "Read-only view of the openIMIS registry." }
    public var createAnswerType: String? { nil }
    public var createIsEnquiry: Bool { false }
    public var cachesRenderings: Bool { false }
    public var districtScope: DistrictScope? { nil }

    public func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        throw FHIRError(.methodNotAllowed, "create is not supported for \(resourceType)")
    }

    public func create(_ resource: Resource, viaAlias: Bool) async throws(FHIRError) -> StoredResource {
        try await create(resource)
    }

    public func update(id: String, _ resource: Resource, ifMatch: Int?) async throws(FHIRError) -> StoredResource {
        throw FHIRError(.methodNotAllowed, "update is not supported for \(resourceType)")
    }

    public func delete(id: String) async throws(FHIRError) {
        throw FHIRError(.methodNotAllowed, "delete is not supported for \(resourceType)")
    }
}

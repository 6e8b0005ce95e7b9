import Foundation

/// The openIMIS registry as the FHIR layer sees it: current-row lookups, searches, history and versioned writes
/// (reference §5.1) over insurees, families, locations, health facilities, officers, claim administrators,
/// products, items, services and policy holders.
///
/// Requirements are `async` so that a PostgreSQL implementation can suspend. A store that runs workflows
/// (``WorkflowStore``) gets them from `Workflows/Registry/`, written once over the engines' primitives; an
/// engine implements one itself only as a declared fast path. Lookups by UUID ignore case. Lookups return current
/// rows only unless said otherwise.
public protocol RegistryStore: Sendable {
    /// The clock that stamps versioned writes (`ValidityFrom`, `ValidityTo`); also "today" of business rules.
    var clock: RegistryClock { get }
    /// Whether a read outside a unit of work may come from a replica that lags behind the primary (see
    /// ``ReadRouting``); a cache of renderings then fills only from reads routed to the primary.
    var readsMayLag: Bool { get }

    // MARK: Generic versioned tables

    /// The current row with this UUID; with `includeDeleted`, also a soft-deleted row (never a history row).
    func record<R: VersionedRecord>(_ type: R.Type, uuid: String, includeDeleted: Bool) async throws -> Versioned<R>?
    /// The current row with this business code (`CHFID`, `LocationCode`, `HFCode`, `Code`, `ClaimAdminCode`,
    /// `ProductCode`, `ItemCode`, `ServiceCode`); the newest when a code repeats (products).
    func record<R: VersionedRecord>(_ type: R.Type, code: String) async throws -> Versioned<R>?
    /// The current row with this integer id (how rows reference each other).
    func record<R: VersionedRecord>(_ type: R.Type, id: Int64) async throws -> Versioned<R>?
    /// Current rows in `_lastUpdated` order (`ValidityFrom`, then id), one page.
    func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery) async throws -> SearchPage<R>
    /// A keyset-paged search over the current rows of `type` (see ``RowQuery``).
    func search<R: VersionedRecord>(_ type: R.Type, _ query: RowQuery) async throws -> RowPage<R>
    /// Every version of the row `id`: history rows oldest first, then the current (or deleted) row; numbered from 1.
    func versions<R: VersionedRecord>(_ type: R.Type, id: Int64) async throws -> [Versioned<R>]
    /// Inserts a new current row (`ValidityFrom` = now) and returns it as version 1.
    func insert<R: VersionedRecord>(_ record: R) async throws -> Versioned<R>
    /// Versioned update of the current row `record.id`: a history copy is written, then the row is updated in place
    /// (its id and UUID never change). `ifVersion` rejects the write when the current version differs.
    func update<R: VersionedRecord>(_ record: R, ifVersion: Int?) async throws -> Versioned<R>
    /// Soft delete of the current row `id`: a history copy is written, then `ValidityFrom = ValidityTo = now`.
    func delete<R: VersionedRecord>(_ type: R.Type, id: Int64, auditUserID: Int64) async throws -> Versioned<R>

    // MARK: Insurees and families

    /// The current insuree with this insurance number.
    func insuree(chfid: String) async throws -> Versioned<Insuree>?
    /// FHIR Patient search over current insurees.
    func searchInsurees(_ query: InsureeQuery) async throws -> SearchPage<Insuree>
    /// The current members of a family, head first.
    func familyMembers(familyID: Int64) async throws -> [Versioned<Insuree>]
    /// The current family whose head has this insurance number (openIMIS's Group "code").
    func family(headCHFID: String) async throws -> Versioned<Family>?
    /// Inserts a family and its head in one transaction (`tblFamilies.InsureeID` = head,
    /// `tblInsuree.FamilyID` = family, `IsHead` = true).
    func createFamily(_ family: Family, head: Insuree) async throws -> CreatedFamily
    /// Creates (when `family.id` is nil) or updates a family and moves `members` into it in one transaction:
    /// every listed insuree gets `FamilyID` = the family and `IsHead` = (id == `headID`), each through a versioned
    /// update when something changes; `ifVersion` guards the family's update (`If-Match`).
    func saveFamily(_ family: Family, members: [Int64], headID: Int64, ifVersion: Int?) async throws -> Versioned<Family>
    /// The rows an insuree is shown with (family, head, address chain, photo, facility), read together (one
    /// snapshot where the backend offers it). `addressLocation` picks the location of the address.
    func insureeSurroundings(
        _ insuree: Insuree, addressLocation: @Sendable (Insuree, Family?) -> Int64?
    ) async throws -> InsureeSurroundings
    /// The current photos of an insuree, newest first.
    func photos(insureeID: Int64) async throws -> [InsureePhoto]
    /// Stores a photo row and returns it with its id.
    func insertPhoto(_ photo: InsureePhoto) async throws -> InsureePhoto

    // MARK: Locations, facilities, staff

    /// The location and its parents up to the region: `[village, ward, district, region]` for a village.
    func locationAncestors(id: Int64) async throws -> [Location]
    /// The current locations directly under `parentID` (regions when `nil`), by code.
    func childLocations(parentID: Int64?) async throws -> [Location]
    /// The current claim administrators of a health facility, by code.
    func claimAdministrators(healthFacilityID: Int64) async throws -> [Versioned<ClaimAdministrator>]

    // MARK: Policy holders (history-model table)

    /// The live policy holder with this UUID.
    func policyHolder(uuid: String) async throws -> Versioned<PolicyHolder>?
    /// The policy holder with this UUID, also a deleted one (`isDeleted`) when `includeDeleted`.
    func policyHolder(uuid: String, includeDeleted: Bool) async throws -> Versioned<PolicyHolder>?
    /// The live policy holder with this code.
    func policyHolder(code: String) async throws -> Versioned<PolicyHolder>?
    /// Inserts a policy holder (version 1).
    func insertPolicyHolder(_ holder: PolicyHolder) async throws -> Versioned<PolicyHolder>
    /// Updates a live policy holder; `Version` + 1, `DateUpdated` = now.
    func updatePolicyHolder(_ holder: PolicyHolder, ifVersion: Int?) async throws -> Versioned<PolicyHolder>
    /// Marks a policy holder deleted (`isDeleted`); `Version` + 1.
    func deletePolicyHolder(uuid: String) async throws -> Versioned<PolicyHolder>

    // MARK: Reference data

    /// The entries of a reference table (gender, relations, ...), by sort order.
    func referenceCodes(_ table: ReferenceTable) async throws -> [ReferenceCode]

    /// Whether each read waits on a database server (a round trip): reads of several renderings are then worth
    /// running at once. False for an embedded database, whose reads hold a thread while they run.
    var readsWaitOnServer: Bool { get }

    /// Runs `body` with all its reads on one connection of the database server, leased once for the whole of
    /// `body` rather than once per read (a run of reads, such as a worker rendering its share of a page). An
    /// embedded database runs `body` as is.
    func withOneConnection<T>(_ body: () async throws -> T) async throws -> T
}

extension RegistryStore {
    public var readsWaitOnServer: Bool { false }

    public func withOneConnection<T>(_ body: () async throws -> T) async throws -> T { try await body() }
}

/// The rows around an insuree that a Patient shows (see ``RegistryStore/insureeSurroundings(_:addressLocation:)``).
public struct InsureeSurroundings: Sendable, Hashable {
    /// The insuree's family (`FamilyID`).
    public var family: Family?
    /// The family's head (the insuree itself when it is the head).
    public var familyHead: Insuree?
    /// The address location and its parents up to the region.
    public var addressLocations: [Location]
    /// The current photo (`PhotoID`).
    public var photo: InsureePhoto?
    /// The first point of service (`HFID`).
    public var healthFacility: HealthFacility?

    /// Empty surroundings.
    public init(family: Family? = nil, familyHead: Insuree? = nil, addressLocations: [Location] = [],
                photo: InsureePhoto? = nil, healthFacility: HealthFacility? = nil) {
        self.family = family
        self.familyHead = familyHead
        self.addressLocations = addressLocations
        self.photo = photo
        self.healthFacility = healthFacility
    }
}

/// The family and head written by `createFamily`.
public struct CreatedFamily: Sendable, Hashable {
    /// The new family.
    public var family: Versioned<Family>
    /// The new head insuree.
    public var head: Versioned<Insuree>
}

extension RegistryStore {
    /// No replicas.
    public var readsMayLag: Bool { false }

    /// The current insuree with this UUID.
    public func insuree(uuid: String) async throws -> Versioned<Insuree>? {
        try await record(Insuree.self, uuid: uuid, includeDeleted: false)
    }
    /// The current family with this UUID.
    public func family(uuid: String) async throws -> Versioned<Family>? {
        try await record(Family.self, uuid: uuid, includeDeleted: false)
    }
    /// The current location with this UUID.
    public func location(uuid: String) async throws -> Versioned<Location>? {
        try await record(Location.self, uuid: uuid, includeDeleted: false)
    }
    /// The current location with this code.
    public func location(code: String) async throws -> Versioned<Location>? {
        try await record(Location.self, code: code)
    }
    /// The current health facility with this UUID.
    public func healthFacility(uuid: String) async throws -> Versioned<HealthFacility>? {
        try await record(HealthFacility.self, uuid: uuid, includeDeleted: false)
    }
    /// The current health facility with this code.
    public func healthFacility(code: String) async throws -> Versioned<HealthFacility>? {
        try await record(HealthFacility.self, code: code)
    }
}


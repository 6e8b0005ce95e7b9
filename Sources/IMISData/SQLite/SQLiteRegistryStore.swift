import Foundation
import GRDB

/// The SQLite implementation of `RegistryStore`, over an `IMISDatabase`.
///
/// Every method is synchronous (one short read or write) and also satisfies the protocol's `async`
/// requirement, so request handlers pay no thread hop per query. Single-statement lookups run without an
/// explicit transaction (a statement is atomic on its own); `read(_:)` groups several lookups in one snapshot.
public struct SQLiteRegistryStore: RegistryStore {
    /// The database.
    public let database: IMISDatabase
    /// The clock of versioned writes.
    public let clock: RegistryClock

    /// A store over `database`, stamping writes with `clock`.
    public init(database: IMISDatabase, clock: RegistryClock = .system) {
        self.database = database
        self.clock = clock
    }

    /// Runs several lookups in one read transaction (one connection, one consistent snapshot).
    public func read<T>(_ body: (SQLiteRegistryReader) throws -> T) throws -> T {
        try database.read { db in try body(SQLiteRegistryReader(db)) }
    }

    static func mapped<R: VersionedRecord>(_ type: R.Type) throws -> any VersionedTableRecord.Type {
        try SQLiteRegistryReader.mapped(type)
    }

    static func cast<R, S>(_ value: S, to: R.Type) -> R { SQLiteRegistryReader.cast(value, to: to) }

    /// One lookup made of a single statement: no transaction around it.
    func lookup<T>(_ body: (SQLiteRegistryReader) throws -> T) throws -> T {
        try database.readStatement { db in try body(SQLiteRegistryReader(db)) }
    }

    // MARK: Reads (see `RegistryStore`)

    /// See `RegistryStore.record(_:uuid:includeDeleted:)`.
    public func record<R: VersionedRecord>(_ type: R.Type, uuid: String,
                                           includeDeleted: Bool = false) throws -> Versioned<R>? {
        try lookup { try $0.record(type, uuid: uuid, includeDeleted: includeDeleted) }
    }

    /// See `RegistryStore.record(_:code:)`.
    public func record<R: VersionedRecord>(_ type: R.Type, code: String) throws -> Versioned<R>? {
        try lookup { try $0.record(type, code: code) }
    }

    /// See `RegistryStore.record(_:id:)`.
    public func record<R: VersionedRecord>(_ type: R.Type, id: Int64) throws -> Versioned<R>? {
        try lookup { try $0.record(type, id: id) }
    }

    /// See `RegistryStore.page(_:_:)`.
    public func page<R: VersionedRecord>(_ type: R.Type, _ query: PageQuery) throws -> SearchPage<R> {
        try read { try $0.page(type, query) }
    }

    /// See `RegistryStore.versions(_:id:)`.
    public func versions<R: VersionedRecord>(_ type: R.Type, id: Int64) throws -> [Versioned<R>] {
        try read { try $0.versions(type, id: id) }
    }

    /// See `RegistryStore.insuree(chfid:)`.
    public func insuree(chfid: String) throws -> Versioned<Insuree>? {
        try lookup { try $0.insuree(chfid: chfid) }
    }

    /// See `RegistryStore.searchInsurees(_:)`.
    public func searchInsurees(_ query: InsureeQuery) throws -> SearchPage<Insuree> {
        try read { try $0.searchInsurees(query) }
    }

    /// See `RegistryStore.familyMembers(familyID:)`.
    public func familyMembers(familyID: Int64) throws -> [Versioned<Insuree>] {
        try lookup { try $0.familyMembers(familyID: familyID) }
    }

    /// See `RegistryStore.family(headCHFID:)`.
    public func family(headCHFID: String) throws -> Versioned<Family>? {
        try lookup { try $0.family(headCHFID: headCHFID) }
    }

    /// See `RegistryStore.photos(insureeID:)`.
    public func photos(insureeID: Int64) throws -> [InsureePhoto] {
        try lookup { try $0.photos(insureeID: insureeID) }
    }

    /// See `RegistryStore.locationAncestors(id:)`.
    public func locationAncestors(id: Int64) throws -> [Location] {
        try read { try $0.locationAncestors(id: id) }
    }

    /// See `RegistryStore.childLocations(parentID:)`.
    public func childLocations(parentID: Int64?) throws -> [Location] {
        try lookup { try $0.childLocations(parentID: parentID) }
    }

    /// See `RegistryStore.claimAdministrators(healthFacilityID:)`.
    public func claimAdministrators(healthFacilityID: Int64) throws -> [Versioned<ClaimAdministrator>] {
        try lookup { try $0.claimAdministrators(healthFacilityID: healthFacilityID) }
    }

    /// See `RegistryStore.referenceCodes(_:)`.
    public func referenceCodes(_ table: ReferenceTable) throws -> [ReferenceCode] {
        try lookup { try $0.referenceCodes(table) }
    }
}

extension SQLiteRegistryStore {
    /// See `RegistryStore.insureeSurroundings(_:addressLocation:)`: one read, one snapshot.
    public func insureeSurroundings(
        _ insuree: Insuree, addressLocation: @Sendable (Insuree, Family?) -> Int64?
    ) throws -> InsureeSurroundings {
        try read { reader in
            var result = InsureeSurroundings()
            if let familyID = insuree.familyID, let family = try reader.record(Family.self, id: familyID)?.record {
                result.family = family
                let headID = family.headInsureeID
                result.familyHead = headID == insuree.id ? insuree : try reader.record(Insuree.self, id: headID)?.record
            }
            if let locationID = addressLocation(insuree, result.family) {
                result.addressLocations = try reader.locationAncestors(id: locationID)
            }
            if let photoID = insuree.photoID {
                result.photo = try reader.photo(id: photoID, insureeID: insuree.id ?? 0)
            }
            if let hfID = insuree.hfID {
                result.healthFacility = try reader.record(HealthFacility.self, id: hfID)?.record
            }
            return result
        }
    }
}

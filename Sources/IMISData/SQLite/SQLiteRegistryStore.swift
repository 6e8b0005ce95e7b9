import Foundation
import GRDB

/// The SQLite implementation of `RegistryStore`, over an `IMISDatabase`.
///
/// The registry's methods are the workflows of `Workflows/Registry/`, run over this engine's primitives
/// (``SQLiteTransaction``), whose reads are synchronous on their connection: a lookup costs no thread hop. The
/// engine keeps one fast path of its own here: the rows a Patient is rendered from, read in one snapshot.
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

    /// See `RegistryStore.insureeSurroundings(_:addressLocation:)`: one read transaction, so that a rendering
    /// sees one snapshot of the family, head, address chain, photo and facility (the Patient read without a
    /// cached rendering), for the price of a single database access.
    public func insureeSurroundings(
        _ insuree: Insuree, addressLocation: @Sendable (Insuree, Family?) -> Int64?
    ) throws -> InsureeSurroundings {
        try database.read { db in
            var result = InsureeSurroundings()
            if let familyID = insuree.familyID, let family = try RegistrySQL.byID(db, Family.self, familyID)?.record {
                result.family = family
                let headID = family.headInsureeID
                result.familyHead = headID == insuree.id ? insuree : try RegistrySQL.byID(db, Insuree.self, headID)?.record
            }
            if let locationID = addressLocation(insuree, result.family) {
                var next: Int64? = locationID
                while let current = next, result.addressLocations.count < RegistryPlaces.depthLimit,
                      let location = try RegistrySQL.byID(db, Location.self, current)?.record {
                    result.addressLocations.append(location)
                    next = location.parentID
                }
            }
            // One row: a cached rendering depends on that photo only, not on the insuree's whole photo list.
            if let photoID = insuree.photoID, let photo = try RegistrySQL.byID(db, InsureePhoto.self, photoID)?.record,
               photo.insureeID == insuree.id ?? 0 {
                result.photo = photo
            }
            if let hfID = insuree.hfID {
                result.healthFacility = try RegistrySQL.byID(db, HealthFacility.self, hfID)?.record
            }
            return result
        }
    }
}

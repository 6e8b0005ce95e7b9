import FHIRModels
import Foundation
import IMISData

/// The administrative chain of a location, from the village up to the region (reference §3.1
/// address block: `city` = village, `address-municipality` = ward, `district`, `state` = region).
public struct LocationChain: Sendable, Hashable {
    public var village: IMISData.Location?
    public var ward: IMISData.Location?
    public var district: IMISData.Location?
    public var region: IMISData.Location?

    public init(
        village: IMISData.Location? = nil, ward: IMISData.Location? = nil, district: IMISData.Location? = nil,
        region: IMISData.Location? = nil
    ) {
        self.village = village
        self.ward = ward
        self.district = district
        self.region = region
    }

    /// Sorts `RegistryStore.locationAncestors(id:)` (`[village, ward, district, region]`, or a
    /// shorter chain for a higher location) into the four levels by `LocationType`.
    public init(ancestors: [IMISData.Location]) {
        for location in ancestors {
            switch location.kind {
            case .village: village = location
            case .ward: ward = location
            case .district: district = location
            case .region: region = location
            case nil: continue
            }
        }
    }

    /// The lowest level present (the location the chain was loaded for).
    public var leaf: IMISData.Location? { village ?? ward ?? district ?? region }

    public static let empty = LocationChain()
}

/// Display names of the openIMIS reference tables (`tblEducations`, `tblProfessions`,
/// `tblRelations`, `tblIdentificationTypes`, `tblFamilyTypes`, `tblConfirmationTypes`,
/// `tblLegalForms`; reference §3.14), loaded once by the caller.
public struct CodeDisplays: Sendable, Hashable {
    private var tables: [ReferenceTable: [String: String]]

    public init(_ tables: [ReferenceTable: [ReferenceCode]] = [:]) {
        var byTable: [ReferenceTable: [String: String]] = [:]
        for (table, codes) in tables {
            byTable[table] = Dictionary(codes.map { ($0.code, $0.display) }, uniquingKeysWith: { first, _ in first })
        }
        self.tables = byTable
    }

    /// Loads every reference table from a store.
    public static func load(from store: some RegistryStore) async throws -> CodeDisplays {
        var tables: [ReferenceTable: [ReferenceCode]] = [:]
        for table in ReferenceTable.allCases {
            tables[table] = try await store.referenceCodes(table)
        }
        return CodeDisplays(tables)
    }

    /// The display of `code` in `table`, if known.
    public func display(_ table: ReferenceTable, _ code: String) -> String? { tables[table]?[code] }

    /// Whether `code` may be written to a column that references `table`: true when the table was
    /// loaded and has the code, or when the table was not loaded at all (nothing to check against).
    public func accepts(_ table: ReferenceTable, _ code: String) -> Bool {
        guard let entries = tables[table], !entries.isEmpty else { return true }
        return entries[code] != nil
    }

    /// The code whose display is `display` (case-insensitive), for clients that send only a display.
    public func code(_ table: ReferenceTable, display: String) -> String? {
        tables[table]?.first { $0.value.caseInsensitiveCompare(display) == .orderedSame }?.key
    }
}

/// What an inbound reference names: a row UUID or a business code (reference §1.6).
public enum ReferenceTarget: Sendable, Hashable, CustomStringConvertible {
    /// A UUID, lower-cased.
    case uuid(String)
    /// A business code: CHF ID, location code, HF code, ...
    case code(String)

    /// A UUID-shaped value is a UUID, anything else a code (openIMIS's fallback rule).
    public init(_ value: String) {
        if let uuid = RowUUID.normalized(value) { self = .uuid(uuid) } else { self = .code(value) }
    }

    public var description: String {
        switch self {
        case .uuid(let value), .code(let value): value
        }
    }
}

/// How inbound references are resolved to current rows. The mapping functions call these with
/// the target parsed from `Type/<uuid or code>` (or `Reference.identifier`); nil means "no such
/// row" and becomes a ``MappingError`` naming the element. Errors thrown by a lookup (database
/// failures) propagate unchanged.
public struct ReferenceResolver: Sendable {
    /// `Location/<uuid or LocationCode>`.
    public var location: @Sendable (ReferenceTarget) async throws -> IMISData.Location?
    /// `Group/<uuid or head CHF ID>`.
    public var family: @Sendable (ReferenceTarget) async throws -> Family?
    /// `Organization/<uuid or HFCode>`.
    public var healthFacility: @Sendable (ReferenceTarget) async throws -> HealthFacility?
    /// `Patient/<uuid or CHF ID>`.
    public var insuree: @Sendable (ReferenceTarget) async throws -> Insuree?

    public init(
        location: @escaping @Sendable (ReferenceTarget) async throws -> IMISData.Location?,
        family: @escaping @Sendable (ReferenceTarget) async throws -> Family?,
        healthFacility: @escaping @Sendable (ReferenceTarget) async throws -> HealthFacility?,
        insuree: @escaping @Sendable (ReferenceTarget) async throws -> Insuree?
    ) {
        self.location = location
        self.family = family
        self.healthFacility = healthFacility
        self.insuree = insuree
    }

    /// Resolves against the current rows of a registry store.
    public static func store(_ store: some RegistryStore) -> ReferenceResolver {
        ReferenceResolver(
            location: { target in
                switch target {
                case .uuid(let uuid): try await store.record(IMISData.Location.self, uuid: uuid, includeDeleted: false)?.record
                case .code(let code): try await store.record(IMISData.Location.self, code: code)?.record
                }
            },
            family: { target in
                switch target {
                case .uuid(let uuid): try await store.record(Family.self, uuid: uuid, includeDeleted: false)?.record
                case .code(let chfid): try await store.family(headCHFID: chfid)?.record
                }
            },
            healthFacility: { target in
                switch target {
                case .uuid(let uuid): try await store.record(HealthFacility.self, uuid: uuid, includeDeleted: false)?.record
                case .code(let code): try await store.record(HealthFacility.self, code: code)?.record
                }
            },
            insuree: { target in
                switch target {
                case .uuid(let uuid): try await store.record(Insuree.self, uuid: uuid, includeDeleted: false)?.record
                case .code(let chfid): try await store.insuree(chfid: chfid)?.record
                }
            })
    }
}

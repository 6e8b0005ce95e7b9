import Foundation
import GRDB

/// Locations, claim administrators and reference codes (reference §3.4–§3.6), written once over the workflow
/// primitives.
extension RegistryStore where Self: WorkflowStore {
    /// See ``RegistryStore/locationAncestors(id:)``: the parent chain read one keyed row at a time, at most
    /// ``RegistryPlaces/depthLimit`` levels.
    public func locationAncestors(id: Int64) async throws -> [Location] {
        try await KeyedReadMemo.value(MemoizedRead.LocationAncestors.self, id: id) {
            try await workflowEngine.read { tx in try await RegistryPlaces.ancestors(tx, id: id) }
        }
    }

    /// See ``RegistryStore/childLocations(parentID:)``.
    public func childLocations(parentID: Int64?) async throws -> [Location] {
        let parent: RowPredicate = parentID.map { .compare("ParentLocationId", .equal, .integer($0)) }
            ?? .isNull("ParentLocationId")
        return try await workflowEngine.read { tx in
            try await tx.rows(Location.self, where: [parent], order: [.ascending("LocationCode")])
        }.map(\.record)
    }

    /// See ``RegistryStore/claimAdministrators(healthFacilityID:)``.
    public func claimAdministrators(healthFacilityID: Int64) async throws -> [Versioned<ClaimAdministrator>] {
        try await workflowEngine.read { tx in
            try await tx.rows(ClaimAdministrator.self, where: [.compare("HFId", .equal, .integer(healthFacilityID))],
                              order: [.ascending("ClaimAdminCode")])
        }
    }

    /// See ``RegistryStore/referenceCodes(_:)``: by sort order (none first), then by code (as numbers when both
    /// are numbers). A reference table the database lacks has no entries.
    public func referenceCodes(_ table: ReferenceTable) async throws -> [ReferenceCode] {
        let selection = ColumnSelection(table: table.tableName,
                                        columns: [table.codeColumn, table.displayColumn, "AltLanguage", "SortOrder"],
                                        live: false)
        let rows = try await workflowEngine.read { tx in try await tx.values(selection) }
        return rows.map { row in
            ReferenceCode(code: RegistryPlaces.text(row.values[0]) ?? "", display: RegistryPlaces.text(row.values[1]) ?? "",
                          altLanguage: RegistryPlaces.text(row.values[2]), sortOrder: Int.fromDatabaseValue(row.values[3]))
        }.sorted(by: RegistryPlaces.referenceOrder)
    }
}

/// The reads of the place and reference workflows.
enum RegistryPlaces {
    /// The most levels of a location chain (village, ward, district, region, and room for deeper trees).
    static let depthLimit = 8

    /// The location `id` and its current parents, nearest first.
    static func ancestors(_ tx: any StoreTransaction, id: Int64) async throws -> [Location] {
        var chain: [Location] = []
        var next: Int64? = id
        while let current = next, chain.count < depthLimit, let location = try await tx.one(Location.self, id: current) {
            chain.append(location.record)
            next = location.record.parentID
        }
        return chain
    }

    /// A column value as text (integers in decimal), nil for NULL.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return text
        case .blob(let data): return String(decoding: data, as: UTF8.self)
        }
    }

    /// Sort order first (entries without one first), then the code: numerically when both codes are numbers.
    static func referenceOrder(_ a: ReferenceCode, _ b: ReferenceCode) -> Bool {
        if a.sortOrder != b.sortOrder {
            guard let left = a.sortOrder else { return true }
            guard let right = b.sortOrder else { return false }
            return left < right
        }
        if let left = Int64(a.code), let right = Int64(b.code), left != right { return left < right }
        return a.code < b.code
    }
}

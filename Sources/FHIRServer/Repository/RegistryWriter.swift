import FHIRModels
import IMISData

/// The writes a ``RegistryProvider`` accepts: each turns a FHIR resource into versioned rows
/// (mapping.md §Decisions 4: an update writes a history row, a delete closes the row).
public struct RegistryWriter<Record: VersionedRecord>: Sendable {
    /// Creates the rows for a new resource and returns its current row.
    public var create: (@Sendable (Resource) async throws -> Versioned<Record>)?
    /// Updates the current row `existing` from the resource; `ifMatch` is the expected version.
    public var update: (@Sendable (Versioned<Record>, Resource, Int?) async throws -> Versioned<Record>)?
    /// Soft-deletes the current row `existing`.
    public var delete: (@Sendable (Versioned<Record>) async throws -> Void)?

    public init(
        create: (@Sendable (Resource) async throws -> Versioned<Record>)? = nil,
        update: (@Sendable (Versioned<Record>, Resource, Int?) async throws -> Versioned<Record>)? = nil,
        delete: (@Sendable (Versioned<Record>) async throws -> Void)? = nil
    ) {
        self.create = create
        self.update = update
        self.delete = delete
    }

    var interactions: Set<Interaction> {
        var set: Set<Interaction> = []
        if create != nil { set.insert(.create) }
        if update != nil { set.insert(.update) }
        if delete != nil { set.insert(.delete) }
        return set
    }
}

extension RegistryProvider {
    public func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        guard let create = writer?.create else {
            throw FHIRError(.methodNotAllowed, "create is not supported for \(resourceType)")
        }
        let row: Versioned<Record>
        do { row = try await create(resource) } catch { throw Self.writeError(error) }
        return try await stored(row)
    }

    public func update(id: String, _ resource: Resource, ifMatch: Int?) async throws(FHIRError) -> StoredResource {
        guard let update = writer?.update else {
            throw FHIRError(.methodNotAllowed, "update is not supported for \(resourceType)")
        }
        let existing = try await row(id)
        if existing.record.isDeleted { throw FHIRError(.gone, "\(resourceType)/\(id) was deleted") }
        if let ifMatch, ifMatch != existing.versionId {
            throw FHIRError(.preconditionFailed, "If-Match names version \(ifMatch); the current version is \(existing.versionId)")
        }
        let row: Versioned<Record>
        do { row = try await update(existing, resource, ifMatch ?? existing.versionId) } catch { throw Self.writeError(error) }
        return try await stored(row)
    }

    public func delete(id: String) async throws(FHIRError) {
        guard let delete = writer?.delete else {
            throw FHIRError(.methodNotAllowed, "delete is not supported for \(resourceType)")
        }
        let existing = try await row(id)
        if existing.record.isDeleted { return }
        do { try await delete(existing) } catch { throw Self.writeError(error) }
    }

    static func writeError(_ error: any Error) -> FHIRError {
        if let mapping = error as? MappingError { return mapping.fhirError }
        return FHIRError.storage(error)
    }
}

import FHIRModels
import Foundation
import IMISData
import Testing

@testable import FHIRServer

/// The demo world in a fresh in-memory database, with what the mapping tests need to load the
/// related rows the way a provider does.
struct MappingFixture {
    let store: any RegistryStore
    let codes: CodeDisplays
    let context: MappingContext

    static func make(context: MappingContext = MappingContext()) async throws -> MappingFixture {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        try DemoDataset.load(into: database, clock: .fixed(Date(timeIntervalSince1970: 1_709_287_200)))
        let store: any RegistryStore = SQLiteRegistryStore(database: database)
        return MappingFixture(store: store, codes: try await CodeDisplays.load(from: store), context: context)
    }

    var resolver: ReferenceResolver { ReferenceResolver.store(store) }

    static let all = PageQuery(count: 1000)

    func insuree(_ uuid: String) async throws -> Versioned<Insuree> {
        try #require(try await store.record(Insuree.self, uuid: uuid, includeDeleted: false))
    }

    func family(_ uuid: String) async throws -> Versioned<Family> {
        try #require(try await store.record(Family.self, uuid: uuid, includeDeleted: false))
    }

    func chain(_ locationID: Int64?) async throws -> LocationChain {
        guard let locationID else { return .empty }
        return LocationChain(ancestors: try await store.locationAncestors(id: locationID))
    }

    func patientRelations(_ insuree: Insuree) async throws -> PatientRelations {
        var relations = PatientRelations(codes: codes)
        if let familyID = insuree.familyID {
            relations.family = try await store.record(Family.self, id: familyID)?.record
        }
        if let family = relations.family {
            relations.familyHead = try await store.record(Insuree.self, id: family.headInsureeID)?.record
        }
        relations.addressLocations = try await chain(PatientMapping.addressLocationID(of: insuree, family: relations.family))
        if let id = insuree.id { relations.photo = try await store.photos(insureeID: id).first }
        if let hfID = insuree.hfID { relations.healthFacility = try await store.record(HealthFacility.self, id: hfID)?.record }
        return relations
    }

    func patient(_ uuid: String) async throws -> Patient {
        let row = try await insuree(uuid)
        return PatientMapping.patient(row, try await patientRelations(row.record), context: context)
    }

    func groupRelations(_ family: Family) async throws -> GroupRelations {
        let members = try await store.familyMembers(familyID: try #require(family.id)).map(\.record)
        let head = try await store.record(Insuree.self, id: family.headInsureeID)?.record
        return GroupRelations(head: head, members: members, locations: try await chain(family.locationID), codes: codes)
    }

    func group(_ uuid: String) async throws -> FHIRGroup {
        let row = try await family(uuid)
        return GroupMapping.group(row, try await groupRelations(row.record), context: context)
    }
}

/// The extension with IG id `id`, if present.
func igExt(_ extensions: [Extension]?, _ id: String) -> Extension? {
    extensions?.first { $0.url == OpenIMISIG.structureDefinition(id) }
}

/// The value of the identifier with openimis-identifiers type `type`.
func mappedIdentifier(_ identifiers: [Identifier]?, _ type: String) -> String? {
    identifiers?.first { $0.type?.coding?.first?.code?.value?.string == type }?.value?.value?.string
}

func firstCoding(_ concept: CodeableConcept?) -> (system: String?, code: String?, display: String?) {
    let coding = concept?.coding?.first
    return (coding?.system?.value?.string, coding?.code?.value?.string, coding?.display?.value?.string)
}

/// Checks that a rendered resource is valid R4 and says which resource failed.
func expectValidR4(_ resource: Resource, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let issues = Resource.validate(resource)
    #expect(issues.isEmpty, "\(label): \(issues)", sourceLocation: sourceLocation)
}

/// Runs an inbound mapping expected to fail and returns its MappingError.
func expectMappingError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> MappingError? {
    do {
        try await body()
        Issue.record("expected a MappingError", sourceLocation: sourceLocation)
        return nil
    } catch let error as MappingError {
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

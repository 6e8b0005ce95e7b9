import FHIRModels
import Foundation
import IMISData
import Logging
import Testing

@testable import FHIRServer

@Suite struct CapabilityTests {
    static let committedURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("capability-statement.json")

    func service() throws -> FHIRService {
        let database = try IMISDatabase.inMemory()
        try database.migrate()
        return buildService(
            testEnvironment(database: database, logger: Logger(label: "test")))
    }

    @Test func committedCapabilityStatementIsWhatTheServerServes() throws {
        let committed = try CapabilityStatement.decode(Array(try Data(contentsOf: Self.committedURL)))
        #expect(committed == (try service()).capabilityStatement, "regenerate: imis-fhir capability-statement > capability-statement.json")
    }

    @Test func everyDeclaredInteractionHasARouteAndEveryProviderIsDeclared() throws {
        let service = try service()
        let declared = service.capabilityStatement.rest?.first?.resource ?? []
        #expect(Set(declared.compactMap { $0.type.value?.rawValue }) == Set(service.providers.keys))
        let routed = Set(FHIRRoutes.table.compactMap(\.interaction?.rawValue))
        // System interactions (batch, transaction): declared exactly when routed.
        let system = Set(SystemRestfulInteraction.allCases.map(\.rawValue))
        let declaredSystem = Set((service.capabilityStatement.rest?.first?.interaction ?? []).compactMap { $0.code.value?.rawValue })
        #expect(declaredSystem == routed.intersection(system))
        #expect(declaredSystem == ["batch", "transaction"])
        for resource in declared {
            for interaction in resource.interaction ?? [] {
                #expect(routed.contains(interaction.code.value?.rawValue ?? ""), "\(interaction) has no route")
            }
            let provider = try #require(service.providers[resource.type.value?.rawValue ?? ""])
            let names = Set(provider.searchParameters.map(\.name))
            #expect(Set((resource.searchParam ?? []).compactMap { $0.name.value?.string }) == names)
        }
    }
}

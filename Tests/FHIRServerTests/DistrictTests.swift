import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

@Suite("Address search and row security by district")
struct DistrictTests {
    @Test func patientsAreFoundByTheVillageDistrictAndRegionOfTheirAddress() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let jamula = try await client.entryIDs("/fhir/Patient?address-city=Jamula")
            #expect(Set(jamula) == [DemoDataset.UUIDs.johnDoe, DemoDataset.UUIDs.janeDoe])
            let rapta = try await client.entryIDs("/fhir/Patient?address-district=rapta&_count=100")
            #expect(rapta.count == 5)
            let tahida = try await client.entryIDs("/fhir/Patient?address-district=Tahida&_count=100")
            #expect(tahida.count == 3)
            let exact = try await client.entryIDs("/fhir/Patient?address-district:exact=Rapt")
            #expect(exact.isEmpty)
            let region = try await client.entryIDs("/fhir/Patient?address-state=Ultha&_count=100")
            #expect(region.count == 8)
            let both = try await client.entryIDs("/fhir/Patient?address-district=Tahida&family=Pe")
            #expect(both.count == 2)
        }
    }

    @Test func aDistrictParameterFromAClientIsAnUnknownParameterNorDeclared() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            let strict = try await client.fhir(uri: "/fhir/Patient?_imis-district=1", method: .get,
                                               headers: [HTTPField.Name("Prefer")!: "handling=strict"]) { $0.status }
            #expect(strict == .badRequest)
            // Without strict handling it is ignored, as any unknown parameter: the search finds what it finds without.
            let all = try await client.entryIDs("/fhir/Patient?_count=100")
            let sent = try await client.entryIDs("/fhir/Patient?_imis-district=1&_count=100")
            #expect(!all.isEmpty)
            #expect(Set(sent) == Set(all))
            let statement = try await client.fhir(uri: "/fhir/metadata", method: .get) { String(buffer: $0.body) }
            #expect(!statement.contains("_imis-district"))
            #expect(statement.contains("address-district"))
        }
    }

    @Test func underRowSecurityAUserSeesTheInsureesOfItsDistrictsOnly() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let rapta = try await world.locationID("R1D1")
        try await world.user("rapta-clerk", districts: [rapta])
        try await world.user("no-district-clerk")
        try await world.run { client in
            let clerk = try await client.signIn("rapta-clerk")
            #expect(try await client.entryIDs("/fhir/Patient?_count=100", token: clerk).count == 5)
            #expect(try await client.status("/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)", token: clerk) == .ok)
            #expect(try await client.status("/fhir/Patient/3c9a7e10-5b2d-4f1e-8a6c-000000000504", token: clerk) == .notFound)
            #expect(try await client.entryIDs("/fhir/Group?_count=100", token: clerk).count == 2)
            #expect(try await client.entryIDs("/fhir/Coverage", token: clerk).count == 1)
            let none = try await client.signIn("no-district-clerk")
            #expect(try await client.entryIDs("/fhir/Patient", token: none).isEmpty)
            // The administrator is never limited.
            #expect(try await client.entryIDs("/fhir/Patient?_count=100").count == 8)
        }
    }

    /// Name searches have plans of their own (index-only paging on both engines); a restricted caller's must still
    /// be narrowed to what it may read, as the general plan is.
    @Test func aNameSearchUnderRowSecurityFindsTheInsureesOfTheUsersDistrictsOnly() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let rapta = try await world.locationID("R1D1")
        try await world.user("rapta-names", districts: [rapta])
        try await world.run { client in
            let clerk = try await client.signIn("rapta-names")
            var narrowed = false
            for prefix in ["Pe", "D", "M", "B", "K", "Z", "S", "J"] {
                for parameter in ["family", "name", "given"] {
                    let mine = try await client.entryIDs("/fhir/Patient?\(parameter)=\(prefix)&_count=100", token: clerk)
                    let all = try await client.entryIDs("/fhir/Patient?\(parameter)=\(prefix)&_count=100")
                    let inRapta = try await client.entryIDs("/fhir/Patient?\(parameter)=\(prefix)&address-district=Rapta&_count=100")
                    #expect(Set(mine) == Set(inRapta), "\(parameter)=\(prefix)")
                    if all.count > mine.count { narrowed = true }
                }
            }
            #expect(narrowed, "no prefix matched an insuree outside Rapta")
        }
    }

    @Test func rowSecurityNarrowsPoliciesAndClaimsAndRefusesWritesOutsideTheDistricts() async throws {
        let world = try await AuthTestWorld.withRowSecurity()
        let rapta = try await world.locationID("R1D1")
        let tahida = try await world.locationID("R1D2")
        // Enrolment officers: insurees (read, add, edit), families, policies, claims (read, submit).
        try await world.auth.accounts.defineRole(
            RoleDefinition(name: "Enroller", systemFlags: 8, rights: [101101, 101102, 101103, 101001, 101201, 111001, 111002]),
            now: Date())
        try await world.user("rapta", roles: ["Enroller"], districts: [rapta])
        try await world.user("tahida", roles: ["Enroller"], districts: [tahida])
        try await world.run { client in
            let inRapta = try await client.signIn("rapta"), inTahida = try await client.signIn("tahida")
            // The Doe family's policy (Jamula, Rapta) and claim Code001 at Rapta District Hospital.
            for type in ["Coverage", "Contract", "Claim", "ClaimResponse"] {
                #expect(try await client.entryIDs("/fhir/\(type)", token: inRapta).count == 1, "\(type)")
                #expect(try await client.entryIDs("/fhir/\(type)", token: inTahida).isEmpty, "\(type)")
            }
            #expect(try await client.status("/fhir/Claim/Code001", token: inRapta) == .ok)
            #expect(try await client.status("/fhir/Claim/Code001", token: inTahida) == .notFound)
            #expect(try await client.status("/fhir/Coverage/d30f70df-d10b-43d4-bf31-5137c118ad84", token: inTahida) == .notFound)
            #expect(try await client.status("/fhir/Invoice", token: inRapta) == .forbidden)

            // A new head of family in Jamula: refused to the Tahida officer (and nothing written), created for Rapta's.
            func create(_ token: String, chfid: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/fhir/Patient", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/fhir+json"],
                    body: ByteBuffer(string: WriteTests().newPatient(chfid: chfid))) { $0.status }
            }
            #expect(try await create(inTahida, chfid: "987650001") == .forbidden)
            #expect(try await client.entryIDs("/fhir/Patient?identifier=987650001").isEmpty)
            #expect(try await client.entryIDs("/fhir/Group?name=Banda").isEmpty)
            #expect(try await create(inRapta, chfid: "987650002") == .created)
            #expect(try await client.entryIDs("/fhir/Patient?identifier=987650002", token: inRapta).count == 1)
        }
    }
}

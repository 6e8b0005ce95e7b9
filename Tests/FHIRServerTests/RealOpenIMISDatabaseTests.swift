import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// The server in front of a real, current openIMIS database (``RealOpenIMIS``), served as it is and migrated:
/// every served resource type searched and read, with the project's validator on every body.
@Suite(.enabled(if: TestPostgres.url != nil, RealOpenIMIS.skipReason))
struct RealOpenIMISDatabaseTests {
    /// Every resource type of the CapabilityStatement, with whether the demo data has rows of it.
    static let types: [(type: String, hasRows: Bool)] = [
        ("ActivityDefinition", true), ("Claim", true), ("ClaimResponse", true), ("Contract", true), ("Coverage", true),
        ("Group", true), ("InsurancePlan", true), ("Invoice", false),
        ("Location", true), ("Medication", true), ("Organization", true), ("Patient", true), ("PaymentNotice", false),
        ("PaymentReconciliation", false), ("Practitioner", true), ("PractitionerRole", true),
    ]

    @Test(arguments: [false, true])
    func everyResourceTypeIsSearchedAndEveryRowOfAPageRead(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, _ in
            for (type, hasRows) in Self.types {
                let (status, bundle) = try await client.fhir(uri: "/fhir/\(type)?_count=20", method: .get) {
                    ($0.status, fhirBody($0))
                }
                #expect(status == .ok, "\(type) search: \(bundle)")
                let ids = entryIDs(bundle)
                if hasRows { #expect(!ids.isEmpty, "\(type) search finds the demo rows") }
                for id in ids {
                    let (read, resource) = try await client.fhir(uri: "/fhir/\(type)/\(id)", method: .get) {
                        ($0.status, fhirBody($0))
                    }
                    #expect(read == .ok, "\(type)/\(id): \(resource)")
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func theAdministratorSignsInWithTheOpenIMISPassword(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, _ in
            let token = try await client.signIn(RealOpenIMIS.adminLogin, password: RealOpenIMIS.adminPassword)
            #expect(try await client.status("/fhir/Patient?_count=1", token: token) == .ok)
        }
    }

    /// Served as it is, the database has no `imisfhir_subscription`: it keeps no subscriptions (a search finds none)
    /// and a create is a 500 naming the missing table; migrated, a create is stored.
    @Test(arguments: [false, true])
    func subscriptionsNeedTheProjectsOwnTable(migrated: Bool) async throws {
        try await RealOpenIMIS.withServer(migrated: migrated) { client, _ in
            let (searched, bundle) = try await client.fhir(uri: "/fhir/Subscription", method: .get) { ($0.status, fhirBody($0)) }
            #expect(searched == .ok)
            #expect(entryIDs(bundle).isEmpty)
            let (status, answer) = try await SubscriptionTests.create(client, SubscriptionTests.body())
            if migrated {
                #expect(status == .created, "\(answer)")
            } else {
                #expect(status == .internalServerError, "\(answer)")
                #expect(issueCode(answer) == "exception")
            }
        }
    }
}

import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// Every declared Patient search parameter, with its modifiers, through HTTP.
@Suite struct PatientParameterTests {
    typealias IDs = DemoDataset.UUIDs

    /// The demo world, with John Doe given a phone, an e-mail and a facility.
    func app() async throws -> some ApplicationProtocol {
        let (app, database) = try await makeTestApplication()
        let store = database.store()
        var john = try #require(try await store.insuree(chfid: DemoDataset.johnDoeCHFID)).record
        john.phone = "+220 555 0101"
        john.email = "John.Doe@example.org"
        john.hfID = try await store.record(HealthFacility.self, uuid: IDs.raptaDistrictHospital, includeDeleted: false)?.record.id
        _ = try await store.update(john, ifVersion: nil)
        return app
    }

    func ids(_ app: some ApplicationProtocol, _ query: String) async throws -> Set<String> {
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient?\(query)&_count=100", method: .get) { response in
                #expect(response.status == .ok, "\(query)")
                return Set(entryIDs(fhirBody(response)))
            }
        }
    }

    @Test func nameGivenAndFamilyAreAccentAndCaseInsensitiveWithExactAndContains() async throws {
        let app = try await app()
        let muller = try await ids(app, "family=muller")
        #expect(muller.count == 3)
        #expect(try await ids(app, "given=zoe").count == 1)
        #expect(try await ids(app, "name=ZOË").count == 1)
        #expect(try await ids(app, "name=lukas") == (try await ids(app, "given=Lukas")))
        #expect(try await ids(app, "family:exact=Muller").isEmpty)
        #expect(try await ids(app, "family:exact=Müller").count == 3)
        #expect(try await ids(app, "given:contains=mar").count == 1)
        #expect(try await ids(app, "family=Doe,Peña").count == 4)
        #expect(try await ids(app, "family=Doe&given=John") == [IDs.johnDoe])
    }

    @Test func telecomPhoneAndEmail() async throws {
        let app = try await app()
        #expect(try await ids(app, "phone=%2B220%20555%200101") == [IDs.johnDoe])
        #expect(try await ids(app, "email=john.doe@example.org") == [IDs.johnDoe])
        #expect(try await ids(app, "telecom=john.doe@example.org") == [IDs.johnDoe])
        #expect(try await ids(app, "email:missing=false") == [IDs.johnDoe])
        #expect(!(try await ids(app, "email:missing=true")).contains(IDs.johnDoe))
    }

    @Test func generalPractitionerAndGroupReferences() async throws {
        let app = try await app()
        // Every demo insuree has Rapta District Hospital as first point of service.
        let all = try await ids(app, "_count=100")
        #expect(try await ids(app, "general-practitioner=Organization/\(IDs.raptaDistrictHospital)") == all)
        #expect(try await ids(app, "general-practitioner=RAHOS001") == all)
        #expect(try await ids(app, "general-practitioner=Organization/00000000-0000-4000-8000-000000000000").isEmpty)
        #expect(try await ids(app, "general-practitioner:missing=true").isEmpty)
        #expect(try await ids(app, "group=\(IDs.doeFamily)") == [IDs.johnDoe, IDs.janeDoe])
        #expect(try await ids(app, "group=Group/\(IDs.doeFamily)&gender:not=female") == [IDs.johnDoe])
        #expect(try await ids(app, "general-practitioner=Location/\(IDs.raptaDistrictHospital)").isEmpty)
    }

    @Test func idAndLastUpdated() async throws {
        let app = try await app()
        #expect(try await ids(app, "_id=\(IDs.janeDoe),\(IDs.johnDoe)") == [IDs.johnDoe, IDs.janeDoe])
        // The demo data was written at the fixed instant; John Doe's update is later (now).
        #expect(try await ids(app, "_lastUpdated=gt2024-01-01") == [IDs.johnDoe])
        #expect(!(try await ids(app, "_lastUpdated=le2023-11-14")).contains(IDs.johnDoe))
        #expect(try await ids(app, "_lastUpdated=2023-11-14").contains(IDs.janeDoe))
    }

    @Test func sortByLastUpdatedDescending() async throws {
        let app = try await app()
        let first = try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Patient?_sort=-_lastUpdated&_count=1", method: .get) { response in
                entryIDs(fhirBody(response))
            }
        }
        #expect(first == [IDs.johnDoe])
    }
}

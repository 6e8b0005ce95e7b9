import FHIRModels
import Foundation
import IMISData
import Testing

@testable import FHIRServer

/// Outbound mappings against the demo world (the IG examples, reference §7.1).
@Suite struct MappingTests {
    typealias IDs = DemoDataset.UUIDs
    typealias X = OpenIMISIG.Ext

    @Test func johnDoeRendersAsTheIGExample() async throws {
        let fixture = try await MappingFixture.make()
        let patient = try await fixture.patient(IDs.johnDoe)

        #expect(patient.id == IDs.johnDoe)
        #expect(patient.meta?.versionId?.value?.string == "1")
        #expect(patient.meta?.lastUpdated?.value?.text == "2024-03-01T10:00:00.000Z")
        #expect(mappedIdentifier(patient.identifier, "UUID") == IDs.johnDoe)
        #expect(mappedIdentifier(patient.identifier, "Code") == "123456789")
        #expect(patient.identifier?.count == 2)
        #expect(patient.identifier?.first?.type?.coding?.first?.system?.value?.string
            == "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers")
        let name = try #require(patient.name?.first)
        #expect(name.use?.value == .official)
        #expect(name.family?.value?.string == "Doe")
        #expect(name.given?.map { $0.value?.string } == ["John"])
        #expect(patient.gender?.value == .male)
        #expect(patient.birthDate?.value?.text == "1962-02-05")
        #expect(firstCoding(patient.maritalStatus).system == "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus")
        #expect(firstCoding(patient.maritalStatus).code == "M")

        let address = try #require(patient.address?.first)
        #expect(patient.address?.count == 1)
        #expect(address.use?.value == .home)
        #expect(address.type?.value == .physical)
        #expect(address.line?.map { $0.value?.string } == ["5 Tsoka"])
        #expect(address.text?.value?.string == "5 Tsoka")
        #expect(address.city?.value?.string == "Jamula")
        #expect(address.district?.value?.string == "Rapta")
        #expect(address.state?.value?.string == "Ultha")
        guard case .string(let ward)? = igExt(address.extension, X.addressMunicipality)?.value else {
            Issue.record("no address-municipality")
            return
        }
        #expect(ward.value?.string == "Jamu")
        guard case .reference(let village)? = igExt(address.extension, X.addressLocationReference)?.value else {
            Issue.record("no address-location-reference")
            return
        }
        #expect(village.reference?.value?.string == "Location/\(IDs.jamulaVillage)")

        #expect(igExt(patient.extension, X.patientIsHead)?.value == .boolean(false))
        #expect(igExt(patient.extension, X.patientCardIssued)?.value == .boolean(true))
        #expect(igExt(patient.extension, X.patientVulnerabilityStatus)?.value == .boolean(true))
        guard case .codeableConcept(let education)? = igExt(patient.extension, X.patientEducationLevel)?.value,
            case .codeableConcept(let profession)? = igExt(patient.extension, X.patientProfession)?.value,
            case .reference(let group)? = igExt(patient.extension, X.patientGroupReference)?.value
        else {
            Issue.record("missing patient extensions")
            return
        }
        #expect(firstCoding(education).system == OpenIMISIG.codeSystem("patient-education-level"))
        #expect(firstCoding(education).code == "4")
        #expect(firstCoding(education).display == "University")
        #expect(firstCoding(profession).code == "2")
        #expect(firstCoding(profession).display == "Employee")
        #expect(group.reference?.value?.string == "Group/\(IDs.doeFamily)")
        #expect(group.display?.value?.string == "123456788")

        let identification = try #require(igExt(patient.extension, X.patientIdentification))
        #expect(identification.extension?.first { $0.url == "number" }?.value == .string("NationaID1"))
        guard case .codeableConcept(let idType)? = identification.extension?.first(where: { $0.url == "type" })?.value else {
            Issue.record("no identification type")
            return
        }
        #expect(firstCoding(idType).code == "N")
        #expect(firstCoding(idType).display == "National ID")

        let contact = try #require(patient.contact?.first)
        #expect(firstCoding(contact.relationship?.first).code == "8")
        #expect(firstCoding(contact.relationship?.first).display == "Spouse")
        #expect(contact.name?.given?.first?.value?.string == "Jane")
        #expect(patient.generalPractitioner?.first?.reference?.value?.string == "Organization/\(IDs.raptaDistrictHospital)")
        expectValidR4(.patient(patient), "john-doe")
    }

    @Test func janeDoeIsTheHead() async throws {
        let fixture = try await MappingFixture.make()
        let patient = try await fixture.patient(IDs.janeDoe)
        #expect(mappedIdentifier(patient.identifier, "Code") == "123456788")
        #expect(patient.name?.first?.given?.first?.value?.string == "Jane")
        #expect(patient.gender?.value == .female)
        #expect(patient.birthDate?.value?.text == "1964-05-15")
        #expect(patient.address?.first?.line?.first?.value?.string == "5 Tsoka")
        #expect(igExt(patient.extension, X.patientIsHead)?.value == .boolean(true))
        #expect(igExt(patient.extension, X.patientVulnerabilityStatus) == nil)
        guard case .codeableConcept(let profession)? = igExt(patient.extension, X.patientProfession)?.value else {
            Issue.record("no profession")
            return
        }
        #expect(firstCoding(profession).display == "Self Employee")
        #expect(igExt(patient.extension, X.patientIdentification)?.extension?.first?.value == .string("NationaID2"))
        #expect(patient.contact == nil)
        expectValidR4(.patient(patient), "jane-doe")
    }

    @Test func doeFamilyRendersAsTheIGExample() async throws {
        let fixture = try await MappingFixture.make()
        let group = try await fixture.group(IDs.doeFamily)
        #expect(group.id == "d30f70df-d10b-43d4-bf31-5137c118ad82")
        #expect(mappedIdentifier(group.identifier, "UUID") == "d30f70df-d10b-43d4-bf31-5137c118ad82")
        #expect(mappedIdentifier(group.identifier, "Code") == "123456788")
        #expect(group.type.value == .person)
        #expect(group.actual.value == true)
        #expect(group.name?.value?.string == "Doe")
        #expect(group.quantity?.value?.value == 2)
        #expect(group.active == nil)
        let members = group.member?.map { $0.entity.reference?.value?.string } ?? []
        #expect(Set(members) == ["Patient/\(IDs.janeDoe)", "Patient/\(IDs.johnDoe)"])
        #expect(group.member?.first?.entity.display?.value?.string == "123456788")

        guard case .address(let address)? = igExt(group.extension, X.groupAddress)?.value else {
            Issue.record("no group-address")
            return
        }
        #expect(address.use?.value == .home)
        #expect(address.line?.first?.value?.string == "5 Tsoka")
        #expect(address.city?.value?.string == "Jamula")
        guard case .reference(let village)? = igExt(address.extension, X.addressLocationReference)?.value else {
            Issue.record("no location reference")
            return
        }
        #expect(village.reference?.value?.string == "Location/\(IDs.jamulaVillage)")
        #expect(igExt(group.extension, X.groupPovertyStatus)?.value == .boolean(false))
        guard case .codeableConcept(let type)? = igExt(group.extension, X.groupType)?.value else {
            Issue.record("no group-type")
            return
        }
        #expect(firstCoding(type).code == "H")
        #expect(firstCoding(type).display == "Household")
        let confirmation = try #require(igExt(group.extension, X.groupConfirmation))
        #expect(confirmation.extension?.first { $0.url == "number" }?.value == .string("Reg123456"))
        guard case .codeableConcept(let confirmationType)? = confirmation.extension?.first(where: { $0.url == "type" })?.value
        else {
            Issue.record("no confirmation type")
            return
        }
        #expect(firstCoding(confirmationType).code == "B")
        #expect(firstCoding(confirmationType).display == "Municipality")
        expectValidR4(.group(group), "doe-family")
    }

    @Test func passportWithoutTypeIsAPPNIdentifierAndPhotoHasAURL() async throws {
        var context = MappingContext(identifierSystems: [.insuranceNumber: "urn:oid:1.2.3.4"], photoBaseURL: "https://imis.example.org/photo/")
        context.currency = "XOF"
        let fixture = try await MappingFixture.make(context: context)
        var row = try await fixture.insuree(IDs.johnDoe)
        row.record.typeOfId = nil
        row.record.marital = "N"
        var relations = try await fixture.patientRelations(row.record)
        relations.photo = InsureePhoto(insureeID: 1, photoFolder: "Images/Updated", photoFileName: "123456789_E00001.jpg",
                                       photoDate: LocalDate("2021-02-03"))
        let patient = PatientMapping.patient(row, relations, context: context)
        let ppn = try #require(patient.identifier?.first { $0.type?.coding?.first?.code?.value?.string == "PPN" })
        #expect(ppn.value?.value?.string == "NationaID1")
        #expect(patient.identifier?.first { $0.type?.coding?.first?.code?.value?.string == "Code" }?.system?.value?.string
            == "urn:oid:1.2.3.4")
        #expect(igExt(patient.extension, X.patientIdentification) == nil)
        #expect(firstCoding(patient.maritalStatus).code == "UNK")
        let photo = try #require(patient.photo?.first)
        #expect(photo.url?.value?.string == "https://imis.example.org/photo/Images/Updated/123456789_E00001.jpg")
        #expect(photo.contentType?.value?.string == "image/jpeg")
        #expect(photo.creation?.value?.text == "2021-02-03")
        expectValidR4(.patient(patient), "john-doe with photo")
    }

    @Test func genderCodes() {
        #expect(PatientMapping.gender("M") == .male)
        #expect(PatientMapping.gender("F") == .female)
        #expect(PatientMapping.gender("O") == .other)
        #expect(PatientMapping.gender(nil) == .unknown)
    }
}

import FHIRModels
import Foundation
import IMISData
import Testing

@testable import FHIRServer

/// Inbound mappings (Patient and Group writes): round trips, backend variants, refusals.
@Suite struct MappingTestsInput {
    typealias IDs = DemoDataset.UUIDs
    typealias X = OpenIMISIG.Ext

    /// A rendered resource written to JSON and read back through the strict decoder.
    func wire<T: FHIRResource>(_ resource: T) throws -> T { try T.decode(resource.jsonBytes()) }

    func draft(_ patient: Patient, existing: Insuree? = nil, _ fixture: MappingFixture) async throws -> InsureeDraft {
        try await PatientMapping.insureeDraft(
            from: patient, existing: existing, resolver: fixture.resolver, codes: fixture.codes, context: fixture.context)
    }

    func draft(_ group: FHIRGroup, existing: Family? = nil, _ fixture: MappingFixture) async throws -> FamilyDraft {
        try await GroupMapping.familyDraft(
            from: group, existing: existing, resolver: fixture.resolver, codes: fixture.codes, context: fixture.context)
    }

    @Test(arguments: [IDs.johnDoe, IDs.janeDoe, "3c9a7e10-5b2d-4f1e-8a6c-000000000503"])
    func patientRoundTripKeepsTheMappedFields(uuid: String) async throws {
        let fixture = try await MappingFixture.make()
        let stored = try await fixture.insuree(uuid)
        let relations = try await fixture.patientRelations(stored.record)
        let patient = PatientMapping.patient(stored, relations, context: fixture.context)

        let draft = try await draft(try wire(patient), existing: stored.record, fixture)
        #expect(draft.newFamily == nil)
        let row = draft.insuree(updating: stored.record, auditUserID: stored.record.auditUserID)
        #expect(row == stored.record)
        if let family = relations.family { #expect(draft.familyAddressUpdate(of: family) == nil) }
        let again = PatientMapping.patient(Versioned(record: row, versionId: stored.versionId), relations, context: fixture.context)
        #expect(again == patient)
    }

    @Test func groupRoundTripKeepsTheMappedFields() async throws {
        let fixture = try await MappingFixture.make()
        let stored = try await fixture.family(IDs.doeFamily)
        let group = GroupMapping.group(stored, try await fixture.groupRelations(stored.record), context: fixture.context)
        let draft = try await draft(try wire(group), existing: stored.record, fixture)
        let jane = try await fixture.insuree(IDs.janeDoe).record
        let john = try await fixture.insuree(IDs.johnDoe).record
        #expect(draft.headInsureeID == jane.id)
        #expect(draft.memberInsureeIDs == [jane.id, john.id].compactMap { $0 })
        #expect(draft.family(updating: stored.record, auditUserID: stored.record.auditUserID) == stored.record)
    }

    @Test func backendVariantsAreAcceptedForAPatient() async throws {
        let fixture = try await MappingFixture.make()
        let json = """
            {"resourceType": "Patient",
             "identifier": [{"type": {"coding": [{"system": "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "123456790"}],
             "name": [{"use": "usual", "family": "Doe", "given": ["Joe", "Junior"]}],
             "gender": "male", "birthDate": "2001-07-01",
             "maritalStatus": {"coding": [{"system": "http://hl7.org/fhir/valueset-marital-status.html", "code": "U"}]},
             "telecom": [{"system": "phone", "value": "+220 000 00", "use": "home"}, {"system": "email", "value": "joe@example.org"}],
             "address": [{"use": "temp", "type": "physical", "text": "12 Kalamata Road", "city": "Kalamata",
                          "extension": [{"url": "https://openimis.github.io/openimis_fhir_r4_ig//StructureDefinition/address-location-reference",
                                         "valueReference": {"reference": "Location/R1D1M2V2"}}]}],
             "generalPractitioner": [{"reference": "Organization/RAHOS001"}],
             "contact": [{"relationship": [{"coding": [{"system": "CodeSystem/patient-contact-relationship", "code": "4"}]}]}],
             "extension": [
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition-patient-is-head", "valueBoolean": false},
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-group-reference", "valueReference": {"reference": "Group/123456788"}},
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-education-level",
                "valueCodeableConcept": {"coding": [{"system": "CodeSystem/patient-education-level", "code": "2"}]}},
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-profession",
                "valueCodeableConcept": {"coding": [{"display": "Housewife"}]}}
             ]}
            """
        let draft = try await draft(try Patient.decode(json), fixture)
        let doe = try await fixture.family(IDs.doeFamily).record
        let kalamata = try #require(try await fixture.store.record(IMISData.Location.self, uuid: IDs.kalamataVillage, includeDeleted: false))
        let hospital = try #require(try await fixture.store.record(HealthFacility.self, uuid: IDs.raptaDistrictHospital, includeDeleted: false))
        #expect(draft.chfid == "123456790")
        #expect(draft.lastName == "Doe")
        #expect(draft.otherNames == "Joe Junior")
        #expect(draft.gender == "M")
        #expect(draft.dob == LocalDate("2001-07-01"))
        #expect(draft.marital == "N")
        #expect(draft.isHead == false)
        #expect(draft.familyID == doe.id)
        #expect(draft.currentVillage == kalamata.record.id)
        #expect(draft.currentAddress == "12 Kalamata Road")
        #expect(draft.hfID == hospital.record.id)
        #expect(draft.relationship == 4)
        #expect(draft.education == 2)
        #expect(draft.profession == 1)
        #expect(draft.phone == "+220 000 00")
        #expect(draft.email == "joe@example.org")
        #expect(draft.newFamily == nil)
        #expect(draft.uuid == nil)
        let row = draft.insuree()
        #expect(row.familyID == doe.id)
        #expect(RowUUID.normalized(row.uuid) == row.uuid)
    }

    @Test func aHeadWithoutAFamilyFoundsOne() async throws {
        let fixture = try await MappingFixture.make()
        let stored = try await fixture.insuree(IDs.janeDoe)
        var patient = PatientMapping.patient(stored, try await fixture.patientRelations(stored.record), context: fixture.context)
        patient.identifier = [Build.identifier("Code", "555000111", system: nil)]
        patient.extension = patient.extension?.filter { $0.url != OpenIMISIG.structureDefinition(X.patientGroupReference) }
        patient.address?[0].line = ["1 New Road"]
        patient.address?[0].text = "1 New Road"
        let draft = try await draft(patient, fixture)
        let jamula = try #require(try await fixture.store.record(IMISData.Location.self, uuid: IDs.jamulaVillage, includeDeleted: false))
        #expect(draft.isHead)
        #expect(draft.familyID == nil)
        #expect(draft.newFamily?.locationID == jamula.record.id)
        #expect(draft.newFamily?.familyAddress == "1 New Road")
        #expect(draft.newFamily?.family().locationID == jamula.record.id)
    }

    @Test func theHeadsHomeAddressUpdatesTheFamily() async throws {
        let fixture = try await MappingFixture.make()
        let stored = try await fixture.insuree(IDs.janeDoe)
        var patient = PatientMapping.patient(stored, try await fixture.patientRelations(stored.record), context: fixture.context)
        patient.address?[0].line = ["7 Tsoka"]
        patient.address?[0].text = "7 Tsoka"
        let draft = try await draft(patient, existing: stored.record, fixture)
        let family = try await fixture.family(IDs.doeFamily).record
        #expect(draft.familyAddressUpdate(of: family)?.familyAddress == "7 Tsoka")
    }

    @Test func aGroupPostedAsTheBackendWritesIt() async throws {
        let fixture = try await MappingFixture.make()
        let json = """
            {"resourceType": "Group", "type": "Person", "actual": true,
             "identifier": [{"type": {"coding": [{"system": "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "100000006"}],
             "member": [{"entity": {"reference": "Patient/100000006"}}, {"entity": {"reference": "Patient/\(IDs.johnDoe.uppercased())"}}],
             "extension": [
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/group-address",
                "valueAddress": {"use": "home", "type": "physical", "text": "8 Hill Street",
                  "extension": [{"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/address-location-reference",
                                 "valueReference": {"type": "Location", "identifier": {"type": {"coding": [{"code": "Code"}]}, "value": "R1D2M1V1"}}}]}},
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/group-poverty-status", "valueBoolean": true},
               {"url": "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/group-type",
                "valueCodeableConcept": {"coding": [{"system": "CodeSystem/group-type", "code": "S"}]}}
             ]}
            """
        #expect(throws: FHIRValidationError.self) { try FHIRGroup.decode(json) }
        let normalized = BackendVariants.normalize(try JSONParser.parse(json))
        guard case .group(let group) = try Resource.decode(json: normalized) else {
            Issue.record("not a Group")
            return
        }
        let draft = try await draft(group, fixture)
        let francois = try #require(try await fixture.store.insuree(chfid: "100000006"))
        let john = try await fixture.insuree(IDs.johnDoe)
        let rulu = try #require(try await fixture.store.record(IMISData.Location.self, uuid: IDs.ruluVillage, includeDeleted: false))
        #expect(draft.headInsureeID == francois.record.id)
        #expect(draft.memberInsureeIDs == [francois.record.id, john.record.id].compactMap { $0 })
        #expect(draft.locationID == rulu.record.id)
        #expect(draft.familyAddress == "8 Hill Street")
        #expect(draft.poverty == true)
        #expect(draft.familyType == "S")
    }

    @Test func invalidPatientsNameTheElement() async throws {
        let fixture = try await MappingFixture.make()
        let stored = try await fixture.insuree(IDs.johnDoe)
        let john = PatientMapping.patient(stored, try await fixture.patientRelations(stored.record), context: fixture.context)
        let extensionCount = john.extension?.count ?? 0
        let groupIndex = try #require(john.extension?.firstIndex { $0.url == OpenIMISIG.structureDefinition(X.patientGroupReference) })
        let educationIndex = try #require(john.extension?.firstIndex { $0.url == OpenIMISIG.structureDefinition(X.patientEducationLevel) })
        let cases: [(String, MappingError.Kind, (inout Patient) -> Void)] = [
            ("Patient.identifier", .required, { $0.identifier = $0.identifier?.filter { mappedIdentifier([$0], "Code") == nil } }),
            ("Patient.name", .required, { $0.name = nil }),
            ("Patient.name[0].given", .required, { $0.name?[0].given = nil }),
            ("Patient.name[1]", .unmappedElement, { $0.name?.append(HumanName(family: "Other")) }),
            ("Patient.gender", .required, { $0.gender = nil }),
            ("Patient.birthDate", .required, { $0.birthDate = nil }),
            ("Patient.birthDate", .invalidValue, { $0.birthDate = FHIRPrimitive(FHIRDate(uncheckedText: "1962-02")) }),
            ("Patient.extension", .required, { $0.extension = $0.extension?.filter { !$0.url.hasSuffix(X.patientIsHead) } }),
            ("Patient.extension[\(extensionCount)]", .unmappedElement, {
                $0.extension?.append(Extension(url: "https://example.org/fhir/StructureDefinition/shoe-size", value: .integer(42)))
            }),
            ("Patient.deceased", .unmappedElement, { $0.deceased = .boolean(false) }),
            ("Patient.text", .unmappedElement, {
                $0.text = Narrative(status: FHIRPrimitive(.generated), div: FHIRPrimitive(FHIRXHTML("<div>John</div>")))
            }),
            ("Patient.telecom[0]", .unmappedElement, { $0.telecom = [ContactPoint(system: FHIRPrimitive(.sms), value: "1")] }),
            ("Patient.extension[\(groupIndex)].valueReference", .unknownReference, {
                $0.extension?[groupIndex].value = .reference(Reference(reference: "Group/999999999"))
            }),
            ("Patient.extension[\(groupIndex)].valueReference", .invalidValue, {
                $0.extension?[groupIndex].value = .reference(Reference(reference: "Organization/RAHOS001"))
            }),
            ("Patient.extension", .required, { $0.extension?.remove(at: groupIndex) }),
            ("Patient.extension[\(groupIndex)]", .invalidValue, {
                $0.extension = $0.extension?.map { $0.url.hasSuffix(X.patientIsHead) ? Extension(url: $0.url, value: .boolean(true)) : $0 }
            }),
            ("Patient.extension[\(educationIndex)]", .invalidValue, {
                $0.extension?[educationIndex].value = .codeableConcept(Build.igConcept(X.patientEducationLevel, "99"))
            }),
            ("Patient.address[0]", .invalidValue, {
                $0.address?[0].extension = [Build.ext(X.addressLocationReference, .reference(Reference(reference: "Location/R1D2M1V1")))]
            }),
            ("Patient.address[0].extension[0].valueReference", .unknownReference, {
                $0.address?[0].extension = [Build.ext(X.addressLocationReference, .reference(Reference(reference: "Location/NOPE")))]
            }),
            ("Patient.address[0].extension[0].valueReference", .invalidValue, {
                $0.address?[0].use = FHIRPrimitive(.temp)
                $0.address?[0].extension = [Build.ext(X.addressLocationReference, .reference(Reference(reference: "Location/R1D1")))]
            }),
            ("Patient.address[0].postalCode", .unmappedElement, { $0.address?[0].postalCode = "1000" }),
            ("Patient.maritalStatus", .invalidValue, { $0.maritalStatus = CodeableConcept(text: "married") }),
            ("Patient.generalPractitioner[0]", .unknownReference, { $0.generalPractitioner = [Reference(reference: "Organization/NOHF")] }),
            ("Patient.meta.tag", .unmappedElement, { $0.meta?.tag = [Build.coding("urn:tags", "x")] }),
        ]
        for (path, kind, mutate) in cases {
            var patient = john
            mutate(&patient)
            let error = await expectMappingError { _ = try await draft(patient, fixture) }
            #expect(error?.path == path, "expected \(path), got \(String(describing: error))")
            #expect(error?.kind == kind, "\(path): \(String(describing: error))")
        }
    }

    @Test func invalidGroupsNameTheElement() async throws {
        let fixture = try await MappingFixture.make()
        let stored = try await fixture.family(IDs.doeFamily)
        let doe = GroupMapping.group(stored, try await fixture.groupRelations(stored.record), context: fixture.context)
        let cases: [(String, MappingError.Kind, (inout FHIRGroup) -> Void)] = [
            ("Group.identifier", .required, { $0.identifier = $0.identifier?.filter { mappedIdentifier([$0], "Code") == nil } }),
            ("Group.identifier", .invalidValue, { $0.identifier = [Build.identifier("Code", "100000001", system: nil)] }),
            ("Group.member", .required, { $0.member = nil }),
            ("Group.member[1].entity", .unknownReference, { $0.member?[1].entity = Reference(reference: "Patient/000000000") }),
            ("Group.member[1].entity", .invalidValue, { group in
                let first = group.member![0].entity
                group.member?[1].entity = first
            }),
            ("Group.extension", .required, { $0.extension = $0.extension?.filter { !$0.url.hasSuffix(X.groupAddress) } }),
            ("Group.extension[2]", .invalidValue, {
                $0.extension?[2].value = .codeableConcept(Build.igConcept(X.groupType, "Z"))
            }),
            ("Group.characteristic", .unmappedElement, {
                $0.characteristic = [FHIRGroupCharacteristic(
                    code: CodeableConcept(text: "x"), value: .boolean(true), exclude: false)]
            }),
            ("Group.actual", .invalidValue, { $0.actual = false }),
        ]
        for (path, kind, mutate) in cases {
            var group = doe
            mutate(&group)
            let error = await expectMappingError { _ = try await draft(group, existing: stored.record, fixture) }
            #expect(error?.path == path, "expected \(path), got \(String(describing: error))")
            #expect(error?.kind == kind, "\(path): \(String(describing: error))")
        }
    }

    @Test func urlSpellings() {
        #expect(OpenIMISIG.extensionId(of: "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-is-head") == "patient-is-head")
        #expect(OpenIMISIG.extensionId(of: "https://openimis.github.io/openimis_fhir_r4_ig//StructureDefinition/organization-hf-level") == "organization-hf-level")
        #expect(OpenIMISIG.extensionId(of: "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition-patient-is-head.html") == "patient-is-head")
        #expect(OpenIMISIG.extensionId(of: "https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/organization-legal-form") == "organization-hf-legal-form")
        #expect(OpenIMISIG.extensionId(of: "https://example.org/StructureDefinition/patient-is-head") == nil)
        #expect(OpenIMISIG.isCodeSystem("CodeSystem/patient-profession", "patient-profession"))
        #expect(OpenIMISIG.isCodeSystem("https://openimis.github.io/openimis_fhir_r4_ig//CodeSystem/location-type", "location-type"))
        #expect(!OpenIMISIG.isCodeSystem("https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/patient-profession", "patient-education-level"))
    }
}

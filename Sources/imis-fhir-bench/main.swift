// Micro-benchmarks of the FHIR JSON layer: decode (parse + validate into typed models) and encode
// of a ~2 KB Patient and of a 50-entry searchset Bundle. Run in release mode:
//
//     swift run -c release imis-fhir-bench
//
// It prints one line per measurement (operations per second, microseconds per operation, MB/s).
import FHIRModels
import Foundation

func samplePatient(index: Int) -> Patient {
    let base = "https://openimis.github.io/openimis_fhir_r4_ig"
    func ident(_ code: String, _ value: String) -> Identifier {
        Identifier(
            type: CodeableConcept(coding: [Coding(system: FHIRPrimitive(FHIRURI("\(base)/CodeSystem/openimis-identifiers")), code: FHIRPrimitive(FHIRCode(code)))]),
            value: FHIRPrimitive(FHIRString(value)))
    }
    let uuid = String(format: "8a2b1c3d-0000-4000-8000-%012d", index)
    return Patient(
        id: uuid,
        meta: Meta(versionId: "3", lastUpdated: FHIRPrimitive(FHIRInstant("2024-05-01T10:20:30.123Z"))),
        extension: [
            Extension(url: "\(base)/StructureDefinition/patient-is-head", value: .boolean(true)),
            Extension(url: "\(base)/StructureDefinition/patient-card-issued", value: .boolean(false)),
            Extension(
                url: "\(base)/StructureDefinition/patient-education-level",
                value: .codeableConcept(CodeableConcept(coding: [Coding(system: FHIRPrimitive(FHIRURI("\(base)/CodeSystem/patient-education-level")), code: "4", display: "University")]))),
            Extension(
                url: "\(base)/StructureDefinition/patient-profession",
                value: .codeableConcept(CodeableConcept(coding: [Coding(system: FHIRPrimitive(FHIRURI("\(base)/CodeSystem/patient-profession")), code: "2", display: "Employee")]))),
            Extension(url: "\(base)/StructureDefinition/patient-group-reference", value: .reference(Reference(reference: "Group/d30f70df-1c7e-4e3c-9d3a-5f1c5d8bad82", type: "Group"))),
        ],
        identifier: [ident("UUID", uuid), ident("Code", String(format: "%09d", 100_000_000 + index))],
        name: [HumanName(use: FHIRPrimitive(.official), family: "Doe", given: ["John", "Michael"])],
        telecom: [ContactPoint(system: FHIRPrimitive(.phone), value: "+255 777 123 456", use: FHIRPrimitive(.home)), ContactPoint(system: FHIRPrimitive(.email), value: "john.doe@example.org", use: FHIRPrimitive(.home))],
        gender: FHIRPrimitive(.male),
        birthDate: FHIRPrimitive(FHIRDate("1962-02-05")),
        address: [
            Address(
                extension: [
                    Extension(url: "\(base)/StructureDefinition/address-municipality", value: .string("Jamu")),
                    Extension(url: "\(base)/StructureDefinition/address-location-reference", value: .reference(Reference(reference: "Location/0b3b9a1e-41a5-4e0c-a0b1-d1c2e3f4a5b6", type: "Location"))),
                ],
                use: FHIRPrimitive(.home), type: FHIRPrimitive(.physical), line: ["5 Tsoka"], city: "Jamula", district: "Rapta", state: "Ultha")
        ],
        maritalStatus: CodeableConcept(coding: [Coding(system: "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", code: "M", display: "Married")]),
        generalPractitioner: [Reference(reference: "Organization/d8a25f21-5c46-4d3b-9c0a-1b2c3d4e5f60", type: "Organization", display: "RAHOS001")])
}

func measure(_ label: String, bytesPerOp: Int, seconds: Double = 2.0, _ body: () -> Void) {
    for _ in 0..<50 { body() }  // warm-up
    var ops = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed = 0.0
    while elapsed < seconds {
        for _ in 0..<50 { body() }
        ops += 50
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    let perSecond = Double(ops) / elapsed
    let mbps = perSecond * Double(bytesPerOp) / 1_048_576
    print(
        label.padding(toLength: 34, withPad: " ", startingAt: 0)
            + String(format: "%10.0f ops/s %9.1f µs/op %8.1f MB/s", perSecond, 1e6 / perSecond, mbps))
}

let patient = samplePatient(index: 1)
let patientBytes = patient.jsonBytes()
var bundle = FHIRBundle(type: FHIRPrimitive(.searchset))
bundle.total = FHIRPrimitive(FHIRUnsignedInt(50))
bundle.link = [FHIRBundleLink(relation: "self", url: "http://localhost:8080/fhir/Patient?_count=50")]
bundle.entry = (0..<50).map { i in
    let p = samplePatient(index: i)
    return FHIRBundleEntry(
        fullUrl: FHIRPrimitive(FHIRURI("http://localhost:8080/fhir/Patient/\(p.id!)")), resource: .patient(p),
        search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.match)))
}
let bundleBytes = bundle.jsonBytes()
precondition(Resource.validate(.patient(patient)).isEmpty && Resource.validate(.bundle(bundle)).isEmpty)

print("Patient: \(patientBytes.count) bytes; searchset Bundle of 50: \(bundleBytes.count) bytes")
var sink = 0
measure("decode Patient (~2 KB)", bytesPerOp: patientBytes.count) {
    sink &+= (try? Patient.decode(patientBytes))?.name?.count ?? 0
}
measure("encode Patient (~2 KB)", bytesPerOp: patientBytes.count) { sink &+= patient.jsonBytes().count }
measure("decode Bundle (50 Patients)", bytesPerOp: bundleBytes.count) {
    sink &+= (try? FHIRBundle.decode(bundleBytes))?.entry?.count ?? 0
}
measure("encode Bundle (50 Patients)", bytesPerOp: bundleBytes.count) { sink &+= bundle.jsonBytes().count }
measure("Foundation JSONSerialization Patient", bytesPerOp: patientBytes.count) {
    sink &+= ((try? JSONSerialization.jsonObject(with: Data(patientBytes))) as? [String: Any])?.count ?? 0
}
print("(checksum \(sink))")

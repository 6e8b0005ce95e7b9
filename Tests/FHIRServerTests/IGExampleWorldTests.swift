import FHIRModels
import Foundation
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// The demo dataset served through HTTP says what the openIMIS IG examples say
/// (fixtures/valid/*: john-doe, jane-doe, doe-family, Jamula-village, RaptaDistrictHospital):
/// the same business identifiers, names, codes and extension values. Ids and reference targets
/// differ by design (the server's ids are row UUIDs).
@Suite struct IGExampleWorldTests {
    static let fixturesURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/valid")

    func fixture(_ name: String) throws -> JSON {
        try JSONParser.parse(Array(try Data(contentsOf: Self.fixturesURL.appendingPathComponent("\(name).json"))))
    }

    /// The business code (identifier of type `Code`).
    func code(_ resource: JSON) -> String? {
        resource["identifier"]?.array?.first { $0["type"]?["coding"]?.array?.first?["code"]?.string == "Code" }?["value"]?.string
    }

    /// The comparable value of an extension: its primitive, its first coding's code, or its
    /// nested extensions' values.
    func extensionValue(_ ext: JSON) -> String {
        guard case .object(let members) = ext else { return "" }
        var parts: [String] = []
        for m in members where m.key.hasPrefix("value") {
            switch m.value {
            case .string(let s): parts.append(s)
            case .bool(let b): parts.append(String(b))
            case .number(let n): parts.append(n)
            default:
                if let c = m.value["coding"]?.array?.first?["code"]?.string { parts.append(c) }
                if let city = m.value["city"]?.string { parts.append(city) }
                if m.key == "valueReference" { parts.append("reference") }
            }
        }
        for nested in ext["extension"]?.array ?? [] {
            parts.append("\(nested["url"]?.string ?? ""):\(extensionValue(nested))")
        }
        return parts.sorted().joined(separator: "|")
    }

    func expectSameExtensions(_ ig: JSON, _ ours: JSON, ignoring: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) {
        for ext in ig["extension"]?.array ?? [] {
            guard let url = ext["url"]?.string, !ignoring.contains(where: url.hasSuffix) else { continue }
            let mine = ours["extension"]?.array?.first { $0["url"]?.string == url }
            #expect(mine != nil, "missing \(url)", sourceLocation: sourceLocation)
            if let mine { #expect(extensionValue(mine) == extensionValue(ext), "\(url)", sourceLocation: sourceLocation) }
        }
    }

    @Test(arguments: [("Patient-john-doe", DemoDataset.johnDoeCHFID), ("Patient-jane-doe", DemoDataset.janeDoeCHFID)])
    func patientsMatchTheIGExamples(_ name: String, _ chfid: String) async throws {
        let ig = try fixture(name)
        let ours = try await servedJSON("/fhir/Patient/\(chfid)")
        #expect(code(ours) == code(ig))
        #expect(ours["name"]?.array?.first?["family"] == ig["name"]?.array?.first?["family"])
        #expect(ours["name"]?.array?.first?["given"] == ig["name"]?.array?.first?["given"])
        #expect(ours["name"]?.array?.first?["use"]?.string == "official")
        #expect(ours["gender"] == ig["gender"])
        #expect(ours["birthDate"] == ig["birthDate"])
        #expect(ours["maritalStatus"]?["coding"]?.array?.first?["code"] == ig["maritalStatus"]?["coding"]?.array?.first?["code"])
        let igAddress = ig["address"]?.array?.first
        let address = ours["address"]?.array?.first
        for field in ["city", "district", "state", "use", "type"] {
            #expect(address?[field] == igAddress?[field], "address.\(field)")
        }
        #expect(address?["line"] == igAddress?["line"])
        expectSameExtensions(ig, ours, ignoring: ["patient-vulnerability-status"])
    }

    @Test func doeFamilyMatchesTheIGExample() async throws {
        let ig = try fixture("Group-doe-family")
        let ours = try await servedJSON("/fhir/Group/\(DemoDataset.UUIDs.doeFamily)")
        #expect(code(ours) == code(ig))
        for field in ["type", "actual", "quantity"] { #expect(ours[field] == ig[field], "\(field)") }
        #expect(ours["member"]?.array?.count == ig["member"]?.array?.count)
        expectSameExtensions(ig, ours)
    }

    @Test func jamulaVillageMatchesTheIGExample() async throws {
        let ig = try fixture("Location-Jamula-village")
        let ours = try await servedJSON("/fhir/Location/\(DemoDataset.UUIDs.jamulaVillage)")
        #expect(code(ours) == code(ig))
        for field in ["name", "status", "mode"] { #expect(ours[field] == ig[field], "\(field)") }
        #expect(ours["physicalType"]?["coding"]?.array?.first?["code"] == ig["physicalType"]?["coding"]?.array?.first?["code"])
        #expect(ours["partOf"] != nil)
    }

    @Test func raptaDistrictHospitalMatchesTheIGExample() async throws {
        let ig = try fixture("Organization-RaptaDistrictHospital")
        let ours = try await servedJSON("/fhir/Organization/\(DemoDataset.UUIDs.raptaDistrictHospital)")
        #expect(code(ours) == code(ig))
        #expect(ours["name"] == ig["name"])
        #expect(ours["type"]?.array?.first?["coding"]?.array?.first?["code"] == ig["type"]?.array?.first?["coding"]?.array?.first?["code"])
        expectSameExtensions(ig, ours)
    }
}

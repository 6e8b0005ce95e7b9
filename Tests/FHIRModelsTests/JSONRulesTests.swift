import Foundation
import Testing

@testable import FHIRModels

@Suite struct JSONRulesTests {
    @Test func decimalsKeepTheirExactText() throws {
        for text in ["1.50", "1e2", "1E-3", "-0.0", "0.000100", "123456789012345678.1234", "10.0"] {
            let json = #"{"resourceType":"Parameters","parameter":[{"name":"x","valueDecimal":\#(text)}]}"#
            let params = try Parameters.decode(json)
            guard case .decimal(let d)? = params.parameter?.first?.value else {
                Issue.record("no decimal for \(text)")
                continue
            }
            #expect(d.value?.text == text)
            #expect(params.jsonString() == json)
        }
    }

    @Test func primitiveArrayKeepsNullPlaceholdersBothWays() throws {
        let json = #"{"resourceType":"Patient","name":[{"given":["John",null,"Q"],"_given":[null,{"extension":[{"url":"http://example.org/x","valueString":"y"}]},null]}]}"#
        let patient = try Patient.decode(json)
        let given = try #require(patient.name?.first?.given)
        #expect(given.count == 3)
        #expect(given[1].value == nil)
        #expect(given[1].extension?.count == 1)
        #expect(patient.jsonString() == json)
    }

    @Test func primitiveWithOnlyAnExtensionIsKept() throws {
        let json = #"{"resourceType":"Patient","_birthDate":{"id":"b1","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}"#
        let patient = try Patient.decode(json)
        #expect(patient.birthDate?.value == nil)
        #expect(patient.birthDate?.id == "b1")
        #expect(patient.jsonString() == json)
    }

    @Test func outputOmitsEmptyStringsArraysAndObjects() {
        let patient = Patient(
            id: "p1",
            identifier: [],
            active: nil,
            name: [HumanName(family: "", given: []), HumanName(family: "Doe")],
            telecom: [ContactPoint()],
            address: [Address(line: [FHIRPrimitive(nil)])])
        #expect(patient.jsonString() == #"{"resourceType":"Patient","id":"p1","name":[{"family":"Doe"}]}"#)
    }

    @Test func choiceRejectsTwoVariants() {
        let json = #"{"resourceType":"Patient","deceasedBoolean":true,"deceasedDateTime":"2020"}"#
        #expect(throws: FHIRValidationError.self) { try Patient.decode(json) }
    }

    @Test func partialDatePrecisionsAreValidatedAndKept() throws {
        for good in ["2021", "2021-09", "2021-09-16", "2021-09-16T10:30:00Z", "2021-09-16T10:30:00.123+02:00"] {
            let json = #"{"resourceType":"Claim","status":"active","use":"claim","type":{"text":"x"},"patient":{"reference":"Patient/1"},"created":"\#(good)","provider":{"reference":"Organization/1"},"priority":{"text":"normal"},"insurance":[{"sequence":1,"focal":true,"coverage":{"reference":"Coverage/1"}}]}"#
            let claim = try Claim.decode(json)
            #expect(claim.created.value?.text == good)
        }
        for bad in ["2021-13", "2021-02-30", "2021-09-16T10:30Z", "2021-09-16T10:30:00", "21-09-16", "2021-9-1"] {
            var ctx = DecodingContext(root: "x")
            #expect(FHIRDateTime.decodeValue(.string(bad), ctx: &ctx) == nil, "accepted \(bad)")
        }
        var ctx = DecodingContext(root: "x")
        #expect(FHIRInstant.decodeValue(.string("2021-09-16"), ctx: &ctx) == nil)
        #expect(FHIRDate.decodeValue(.string("2021-09-16T10:30:00Z"), ctx: &ctx) == nil)
        #expect(FHIRTime.decodeValue(.string("25:00:00"), ctx: &ctx) == nil)
        #expect(FHIRTime.decodeValue(.string("10:30:00.5"), ctx: &ctx) != nil)
    }

    @Test func dateRangesFollowPrecision() throws {
        let day = try #require(FHIRDate(validating: "2021-09-16")?.parts)
        #expect(day.upperBound.timeIntervalSince(day.lowerBound) == 86_400)
        let year = try #require(FHIRDate(validating: "2020")?.parts)
        #expect(year.upperBound.timeIntervalSince(year.lowerBound) == 366 * 86_400)
        let withZone = try #require(FHIRDateTime(validating: "2021-09-16T10:30:00+02:00")?.parts)
        #expect(FHIRInstant(withZone.lowerBound).text == "2021-09-16T08:30:00.000Z")
    }

    @Test func parserRejectsMalformedAndTooDeepDocuments() throws {
        for bad in ["", "{", #"{"a":}"#, #"{"a":1,}"#, "[1 2]", #""\ud800""#, "01", "1.", "{} x", "\"a\u{01}\""] {
            #expect(throws: JSONSyntaxError.self, "accepted \(bad)") { try JSONParser.parse(bad) }
        }
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        #expect(try JSONParser.parse(#""\ud83d\ude00 \u00e9""#) == .string("😀 é"))
    }

    @Test func stringEscapingRoundTrips() throws {
        let patient = Patient(id: "p", name: [HumanName(text: "quote \" backslash \\ newline \n tab \t bell \u{07} é")])
        let decoded = try Patient.decode(patient.jsonBytes())
        #expect(decoded == patient)
    }

    @Test func validateReportsProblemsOfInMemoryResources() {
        var bad = Patient(id: "not valid id!")
        bad.gender = FHIRPrimitive(.male)
        let issues = Resource.validate(.patient(bad))
        #expect(issues.contains { $0.path == "Patient.id" && $0.code == .value })
        #expect(Resource.validate(.patient(Patient(id: "ok"))).isEmpty)
    }
}

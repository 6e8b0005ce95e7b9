import IMISData
import Testing

@testable import FHIRServer

/// Reference values (`id`, `Type/id`, absolute and versioned URLs, a `:Type` modifier) and their translation to a
/// condition on the referenced row's UUID or business code.
@Suite struct ReferenceSearchTranslationTests {
    func reference(_ text: String, defaultType: String? = "Patient") throws -> ReferenceValue {
        try ReferenceValue(parsing: text, defaultType: defaultType)
    }

    func translate(
        _ values: [String], _ modifier: String? = nil, codeColumn: Insuree.Column? = Insuree.Column.chfid
    ) throws -> RowPredicate {
        try Translate.reference(SearchCriterion(name: "beneficiary", modifier: modifier, values: values, type: .reference),
                                column: IMISData.Claim.Column.insureeID, target: "Patient", key: Insuree.Column.insureeID,
                                uuid: Insuree.Column.insureeUUID, code: codeColumn)
    }

    /// The condition that the row references the patient `id` (by UUID or CHFID).
    func patient(_ id: String) -> RowPredicate {
        .related(table: "tblInsuree", column: "InsureeID", outerColumn: "InsureeID",
                 where: [.or([.equalsIgnoringCase("InsureeUUID", id), .compare("CHFID", .equal, .text(id))])])
    }

    @Test func typeSlashIdNamesBoth() throws {
        #expect(try reference("Group/abc").typeAndID == ["Group", "abc"])
    }

    @Test func aBareIdTakesTheDefaultType() throws {
        #expect(try reference("abc").typeAndID == ["Patient", "abc"])
        #expect(try reference("abc", defaultType: nil).typeAndID == [nil, "abc"])
    }

    @Test func anAbsoluteURLIsReadFromItsLastTwoSegments() throws {
        #expect(try reference("https://imis.example.org/fhir/Patient/abc").typeAndID == ["Patient", "abc"])
        #expect(try reference("https://imis.example.org/fhir/Patient/abc/").typeAndID == ["Patient", "abc"])
    }

    @Test func aVersionedReferenceDropsTheVersion() throws {
        #expect(try reference("Patient/abc/_history/3").typeAndID == ["Patient", "abc"])
        #expect(try reference("https://x.org/fhir/Group/g1/_history/1").typeAndID == ["Group", "g1"])
    }

    @Test func anEmptyReferenceIsABadSearch() {
        #expect(throws: FHIRError.self) { try reference("") }
        #expect(throws: FHIRError.self) { try reference("/") }
    }

    @Test func aTypeModifierIsTheTypeOfBareIdsButOtherModifiersAreNot() throws {
        let typed = SearchCriterion(name: "subject", modifier: "Group", values: ["g1"], type: .reference)
        #expect(try typed.references(defaultType: "Patient") .map(\.typeAndID) == [["Group", "g1"]])
        let other = SearchCriterion(name: "subject", modifier: "missing", values: ["g1"], type: .reference)
        #expect(try other.references(defaultType: "Patient") .map(\.typeAndID) == [["Patient", "g1"]])
    }

    @Test func aReferenceMatchesTheTargetRowByUUIDOrBusinessCode() throws {
        #expect(try translate(["Patient/abc", "def"]) == .or([patient("abc"), patient("def")]))
        #expect(try translate(["https://x.org/fhir/Patient/abc"]) == .or([patient("abc")]))
    }

    @Test func withoutABusinessCodeOnlyTheUUIDIsAsked() throws {
        let byUUID = RowPredicate.related(table: "tblInsuree", column: "InsureeID", outerColumn: "InsureeID",
                                          where: [.or([.equalsIgnoringCase("InsureeUUID", "abc")])])
        #expect(try translate(["abc"], codeColumn: nil) == .or([byUUID]))
    }

    @Test func aReferenceToAnotherTypeMatchesNothing() throws {
        #expect(try translate(["Group/abc"]) == .or([]))
        #expect(try translate(["abc"], "Group") == .or([]))
    }

    @Test func missingAsksWhetherTheForeignKeyIsNull() throws {
        #expect(try translate(["true"], "missing") == .isNull("InsureeID"))
        #expect(try translate(["false"], "missing") == .isNotNull("InsureeID"))
        #expect(throws: FHIRError.self) { try translate(["no"], "missing") }
    }
}

extension ReferenceValue {
    /// The type and the id, for comparison.
    var typeAndID: [String?] { [type, id] }
}

import IMISData
import Testing

@testable import FHIRServer

/// Token values (`code`, `system|code`, `|code`, `system|`) and their translation to row conditions: identifiers,
/// coded columns and plain text columns.
@Suite struct TokenSearchTranslationTests {
    static let system = "http://example.org/chfid"
    static let uuid = "0b4b2a8e-3c3e-4e53-9e1a-5a7d1f9b2c11"
    /// A business code with an `Identifier.system`, and a UUID.
    static let kinds = [
        Translate.IdentifierKind(typeCode: "Code", system: system, column: Insuree.Column.chfid),
        Translate.IdentifierKind(typeCode: "UUID", column: Insuree.Column.insureeUUID, ignoreCase: true),
    ]

    func token(_ values: [String], _ modifier: String? = nil) -> SearchCriterion {
        SearchCriterion(name: "identifier", modifier: modifier, values: values, type: .token)
    }

    @Test func aBareCodeHasAnySystem() {
        #expect(TokenValue(parsing: "123") == TokenValue(system: nil, code: "123"))
    }

    @Test func systemBarCodeHasBoth() {
        #expect(TokenValue(parsing: "http://s|123") == TokenValue(system: "http://s", code: "123"))
    }

    @Test func aLeadingBarMeansNoSystem() {
        #expect(TokenValue(parsing: "|123") == TokenValue(system: "", code: "123"))
    }

    @Test func aTrailingBarMeansAnyCodeOfTheSystem() {
        #expect(TokenValue(parsing: "http://s|") == TokenValue(system: "http://s", code: nil))
    }

    @Test func anEscapedBarIsPartOfTheValue() {
        #expect(TokenValue(parsing: #"a\|b"#) == TokenValue(system: nil, code: "a|b"))
        #expect(TokenValue(parsing: #"s\|t|a\|b"#) == TokenValue(system: "s|t", code: "a|b"))
    }

    @Test func aBusinessCodeAsksOnlyTheCodeColumnAndAUUIDOnlyTheUUIDColumn() throws {
        #expect(try Translate.identifier(token(["123"]), kinds: Self.kinds) == .or([.compare("CHFID", .equal, .text("123"))]))
        #expect(try Translate.identifier(token([Self.uuid]), kinds: Self.kinds) == .or([.equalsIgnoringCase("InsureeUUID", Self.uuid)]))
    }

    @Test func aSystemSelectsTheKindsOfThatSystemOnly() throws {
        #expect(try Translate.identifier(token(["\(Self.system)|123"]), kinds: Self.kinds)
                    == .or([.compare("CHFID", .equal, .text("123"))]))
        #expect(try Translate.identifier(token(["http://other|123"]), kinds: Self.kinds) == .or([]))
        // `|code` asks for an identifier without system: the code column has one.
        #expect(try Translate.identifier(token(["|123"]), kinds: Self.kinds) == .or([]))
        #expect(try Translate.identifier(token(["|\(Self.uuid)"]), kinds: Self.kinds) == .or([.equalsIgnoringCase("InsureeUUID", Self.uuid)]))
    }

    @Test func systemBarAloneMatchesEveryRowWithAnIdentifierOfTheSystem() throws {
        #expect(try Translate.identifier(token(["\(Self.system)|"]), kinds: Self.kinds) == .or([.isNotNull("CHFID")]))
    }

    @Test func valuesAreOredAndNotNegates() throws {
        let both: RowPredicate = .or([.compare("CHFID", .equal, .text("1")), .compare("CHFID", .equal, .text("2"))])
        #expect(try Translate.identifier(token(["1", "2"]), kinds: Self.kinds) == both)
        #expect(try Translate.identifier(token(["1", "2"], "not"), kinds: Self.kinds) == .not(both))
    }

    @Test func missingOnAnIdentifierIsNeverTrueAndTakesOnlyTrueOrFalse() throws {
        #expect(try Translate.identifier(token(["true"], "missing"), kinds: Self.kinds) == .constant(false))
        #expect(try Translate.identifier(token(["false"], "missing"), kinds: Self.kinds) == .constant(true))
        #expect(throws: FHIRError.self) { try Translate.identifier(token(["yes"], "missing"), kinds: Self.kinds) }
    }

    @Test func ofTypeNamesTheIdentifierTypeAndNeedsThreeParts() throws {
        let value = "\(Translate.identifierTypeSystem)|uuid|\(Self.uuid)"
        #expect(try Translate.identifier(token([value], "of-type"), kinds: Self.kinds) == .or([.equalsIgnoringCase("InsureeUUID", Self.uuid)]))
        #expect(try Translate.identifier(token(["http://other|UUID|\(Self.uuid)"], "of-type"), kinds: Self.kinds) == .or([]))
        #expect(throws: FHIRError.self) { try Translate.identifier(token(["\(Translate.identifierTypeSystem)|UUID"], "of-type"), kinds: Self.kinds) }
        #expect(throws: FHIRError.self) { try Translate.identifier(token(["\(Translate.identifierTypeSystem)|UUID|"], "of-type"), kinds: Self.kinds) }
    }

    @Test func aCodeIsMappedToItsStoredValueInTheParametersSystemOnly() throws {
        let codes = ["male": "M", "female": "F"]
        func code(_ values: [String], _ modifier: String? = nil) throws -> RowPredicate {
            try Translate.code(SearchCriterion(name: "gender", modifier: modifier, values: values, type: .token),
                               column: Insuree.Column.gender, system: "http://g", codes: codes)
        }
        #expect(try code(["male"]) == .oneOf("Gender", [.text("M")]))
        #expect(try code(["http://g|female", "male"]) == .oneOf("Gender", [.text("F"), .text("M")]))
        #expect(try code(["http://other|male"]) == .oneOf("Gender", []))
        #expect(try code(["unknown"]) == .oneOf("Gender", []))
        #expect(try code(["male"], "not") == .not(.oneOf("Gender", [.text("M")])))
        #expect(try code(["true"], "missing") == .isNull("Gender"))
        #expect(try code(["false"], "missing") == .isNotNull("Gender"))
    }

    @Test func aTextTokenMatchesTheColumnIgnoringCase() throws {
        func text(_ values: [String], _ modifier: String? = nil) throws -> RowPredicate {
            try Translate.text(SearchCriterion(name: "phone", modifier: modifier, values: values, type: .token), column: Insuree.Column.phone)
        }
        #expect(try text(["A@b.org"]) == .or([.equalsIgnoringCase("Phone", "A@b.org")]))
        #expect(try text(["a"], "not") == .not(.or([.equalsIgnoringCase("Phone", "a")])))
        #expect(try text(["true"], "missing") == .isNull("Phone"))
    }
}

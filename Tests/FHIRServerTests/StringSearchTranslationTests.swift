import IMISData
import Testing

@testable import FHIRServer

/// String search: the folding of values and the translation of the default, `:exact`, `:contains` and `:missing`.
@Suite struct StringSearchTranslationTests {
    func string(_ values: [String], _ modifier: String? = nil, columns: [any SchemaColumn] = [Insuree.Column.lastName, Insuree.Column.otherNames]) throws -> RowPredicate {
        try Translate.string(SearchCriterion(name: "name", modifier: modifier, values: values, type: .string), columns: columns)
    }

    @Test func foldingLowersCaseRemovesAccentsAndCollapsesWhitespace() {
        #expect(foldForSearch("  Élodie \t MÜLLER\n") == "elodie muller")
        #expect(foldForSearch("Peña") == "pena")
        #expect(foldForSearch("") == "")
    }

    @Test func byDefaultEachValueStartsAnyOfTheColumns() throws {
        #expect(try string(["Do", "Mü"]) == .or([
            .foldedStartsWith("LastName", "Do"), .foldedStartsWith("OtherNames", "Do"),
            .foldedStartsWith("LastName", "Mü"), .foldedStartsWith("OtherNames", "Mü"),
        ]))
    }

    @Test func exactComparesTheWholeValueAsWritten() throws {
        #expect(try string(["Doe"], "exact", columns: [Insuree.Column.lastName]) == .or([.exact("LastName", "Doe")]))
    }

    @Test func containsFindsTheValueAnywhere() throws {
        #expect(try string(["oe"], "contains", columns: [Insuree.Column.lastName]) == .or([.foldedContains("LastName", "oe")]))
    }

    @Test func missingMeansEveryColumnIsEmpty() throws {
        let missing = RowPredicate.and([.isNull("LastName"), .isNull("OtherNames")])
        #expect(try string(["true"], "missing") == missing)
        #expect(try string(["false"], "missing") == .not(missing))
        #expect(throws: FHIRError.self) { try string(["1"], "missing") }
    }

    @Test func aParameterWithTooManyValuesIsRefusedByName() async throws {
        let parameter = SearchParameter.text("name", columns: [Insuree.Column.lastName])
        let many = Array(repeating: "a", count: SearchLimits.valuesPerParameter + 1)
        await #expect(throws: FHIRError.self) {
            try await parameter.translate(SearchCriterion(name: "name", modifier: nil, values: many, type: .string))
        }
        let most = Array(repeating: "a", count: SearchLimits.valuesPerParameter)
        _ = try await parameter.translate(SearchCriterion(name: "name", modifier: nil, values: most, type: .string))
    }
}

import Testing

@testable import IMISData

/// Every column of the schema vocabulary (``SchemaColumn``) is a column of its record's table mapping, so a
/// rename or a dropped column in the mapping fails here rather than at run time.
@Suite struct SchemaVocabularyTests {
    /// One vocabulary and the mapping it must match.
    struct Vocabulary: Sendable, CustomStringConvertible {
        let table: String
        let names: [String]
        let mappedTable: String
        let mappedColumns: [String]
        var description: String { table }
    }

    static func vocabulary<C: SchemaColumn & CaseIterable, R: TableRecord>(_: C.Type, _: R.Type) -> Vocabulary {
        Vocabulary(table: C.table, names: C.allCases.map(\.name), mappedTable: R.sql.table, mappedColumns: R.sql.columns)
    }

    static let all: [Vocabulary] = [
        vocabulary(Insuree.Column.self, Insuree.self),
        vocabulary(Family.Column.self, Family.self),
        vocabulary(InsureePhoto.Column.self, InsureePhoto.self),
        vocabulary(Location.Column.self, Location.self),
        vocabulary(HealthFacility.Column.self, HealthFacility.self),
        vocabulary(EnrolmentOfficer.Column.self, EnrolmentOfficer.self),
        vocabulary(ClaimAdministrator.Column.self, ClaimAdministrator.self),
        vocabulary(Product.Column.self, Product.self),
        vocabulary(MedicalItem.Column.self, MedicalItem.self),
        vocabulary(MedicalService.Column.self, MedicalService.self),
        vocabulary(PolicyHolder.Column.self, PolicyHolder.self),
        vocabulary(Policy.Column.self, Policy.self),
        vocabulary(Premium.Column.self, Premium.self),
        vocabulary(Payer.Column.self, Payer.self),
        vocabulary(Diagnosis.Column.self, Diagnosis.self),
        vocabulary(Claim.Column.self, Claim.self),
        vocabulary(Invoice.Column.self, Invoice.self),
        vocabulary(InvoiceLineItem.Column.self, InvoiceLineItem.self),
        vocabulary(PaymentInvoice.Column.self, PaymentInvoice.self),
        vocabulary(PaymentInvoiceDetail.Column.self, PaymentInvoiceDetail.self),
        Vocabulary(
            table: InsureePolicy.Column.table, names: InsureePolicy.Column.allCases.map(\.name),
            mappedTable: InsureePolicy.table.table, mappedColumns: InsureePolicy.table.columns),
    ]

    @Test(arguments: all) func everyVocabularyColumnIsAColumnOfItsTableMapping(_ vocabulary: Vocabulary) {
        #expect(vocabulary.table == vocabulary.mappedTable)
        let mapped = Set(vocabulary.mappedColumns)
        for name in vocabulary.names {
            #expect(mapped.contains(name), "\(vocabulary.table).\(name) is not in the table mapping")
        }
        #expect(Set(vocabulary.names).count == vocabulary.names.count)
    }

    @Test func eachTableHasOneVocabularyNamedAsOpenIMISNamesIt() {
        #expect(Set(Self.all.map(\.table)).count == Self.all.count)
        #expect(Insuree.Column.chfid.name == "CHFID")
        #expect(Insuree.Column.chfid.table == "tblInsuree")
    }

    @Test func aRelatedConditionTakesItsTableFromItsColumn() {
        let typed = RowPredicate.related(Insuree.Column.familyID, outer: Family.Column.familyID, where: [])
        #expect(typed == .related(table: "tblInsuree", column: "FamilyID", outerColumn: "FamilyID", where: []))
    }
}

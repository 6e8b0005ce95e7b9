/// The conditions of ``RowPredicate`` over typed columns (``SchemaColumn``): the column is named by its record's
/// vocabulary, and a related row's table is the table of the column it is matched on.
extension RowPredicate {
    /// `column <op> value`.
    public static func compare(_ column: some SchemaColumn, _ comparison: Comparison, _ value: SQLValue) -> RowPredicate {
        .compare(column.name, comparison, value)
    }

    /// `column` equals the value ignoring case.
    public static func equalsIgnoringCase(_ column: some SchemaColumn, _ value: String) -> RowPredicate {
        .equalsIgnoringCase(column.name, value)
    }

    /// The folded column equals the folded value.
    public static func foldedEquals(_ column: some SchemaColumn, _ value: String) -> RowPredicate {
        .foldedEquals(column.name, value)
    }

    /// The folded column starts with the folded value.
    public static func foldedStartsWith(_ column: some SchemaColumn, _ value: String) -> RowPredicate {
        .foldedStartsWith(column.name, value)
    }

    /// The folded column contains the folded value.
    public static func foldedContains(_ column: some SchemaColumn, _ value: String) -> RowPredicate {
        .foldedContains(column.name, value)
    }

    /// `column` equals the value exactly.
    public static func exact(_ column: some SchemaColumn, _ value: String) -> RowPredicate {
        .exact(column.name, value)
    }

    /// `column` is null.
    public static func isNull(_ column: some SchemaColumn) -> RowPredicate { .isNull(column.name) }

    /// `column` is not null.
    public static func isNotNull(_ column: some SchemaColumn) -> RowPredicate { .isNotNull(column.name) }

    /// `column` equals one of the values.
    public static func oneOf(_ column: some SchemaColumn, _ values: [SQLValue]) -> RowPredicate {
        .oneOf(column.name, values)
    }

    /// A current row of `column`'s table exists whose `column` equals this row's `outer` column and which matches
    /// `conditions` (e.g. the insurees of a family: `related(Insuree.Column.familyID, outer: Family.Column.familyID,
    /// where: ...)`).
    public static func related<Inner: SchemaColumn>(
        _ column: Inner, outer: some SchemaColumn, where conditions: [RowPredicate]
    ) -> RowPredicate {
        .related(table: Inner.table, column: column.name, outerColumn: outer.name, where: conditions)
    }
}

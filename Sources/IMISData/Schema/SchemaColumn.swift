/// A column of one openIMIS table, in the vocabulary the table's record owns: `Insuree.Column.chfid` is
/// `tblInsuree.CHFID`. Code that names columns through it fails to compile on a typo, and a test holds every
/// vocabulary to its record's table mapping, so a rename there fails a test.
public protocol SchemaColumn: Sendable, Hashable {
    /// The table the column belongs to.
    static var table: String { get }
    /// The column's name in openIMIS.
    var name: String { get }
}

extension SchemaColumn where Self: RawRepresentable, RawValue == String {
    public var name: String { rawValue }
}

extension SchemaColumn {
    /// The table the column belongs to.
    public var table: String { Self.table }
}

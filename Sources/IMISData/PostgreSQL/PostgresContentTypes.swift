import Foundation

/// openIMIS's content-type columns: where the project keeps a model name (`family`, `policy`, `invoice`), openIMIS
/// keeps an integer key of Django's `django_content_type` (`tblInvoice.SubjectType`, `tblInvoiceLineItem.LineType`,
/// ...). Written as the key of the model of that name, read back as the model's name.
enum ContentTypeColumns {
    /// The columns, lower-cased, that hold a content type in openIMIS's tables.
    static let names: Set<String> = ["subjecttype", "thirdpartytype", "linetype"]

    /// Whether `column` is a content-type key (an integer column of that name).
    static func holdsKey(_ column: PGColumn) -> Bool {
        column.kind == .integer && names.contains(column.name.lowercased())
    }

    /// The key written for the model name bound at `placeholder` (a key given as digits is kept).
    static func write(_ placeholder: String) -> String {
        "COALESCE((SELECT ct.\"id\" FROM \"django_content_type\" ct WHERE ct.\"model\" = \(placeholder) ORDER BY ct.\"id\" LIMIT 1), "
            + "CASE WHEN \(placeholder) ~ '^[0-9]+$' THEN CAST(\(placeholder) AS integer) END)"
    }

    /// The model name of the key in `column` of the row under `alias` (the key as text when no model has it).
    static func read(_ column: PGColumn, alias: String) -> String {
        let key = "\(alias).\(column.quoted)"
        return "COALESCE((SELECT ct.\"model\"::text FROM \"django_content_type\" ct WHERE ct.\"id\" = \(key)), \(key)::text)"
    }
}

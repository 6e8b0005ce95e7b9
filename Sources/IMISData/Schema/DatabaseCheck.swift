import Foundation

/// One thing the database check found about a table or column the server reads.
public struct DatabaseFinding: Sendable, Hashable, CustomStringConvertible {
    /// How much it matters.
    public enum Level: String, Sendable, Hashable {
        /// A table or column the server needs is absent: what uses it cannot be served.
        case missing
        /// A column holds a type the server cannot read.
        case incompatible
        /// A difference the server handles (an optional column read as NULL, a name-based UUID).
        case note
    }

    public var table: String
    public var column: String?
    public var level: Level
    /// What was expected and what was found (`expected integer, found character varying`).
    public var detail: String

    /// A finding about `table` (and `column`).
    public init(table: String, column: String?, level: Level, detail: String) {
        self.table = table
        self.column = column
        self.level = level
        self.detail = detail
    }

    /// Whether it keeps the server from serving what uses the table.
    public var blocks: Bool { level != .note }

    public var description: String { "\(level.rawValue): \(table)\(column.map { ".\($0)" } ?? "") \(detail)" }
}

/// One thing the server serves (a resource type, sign-in, the project's own tables) with the findings of the
/// tables it reads.
public struct DatabaseCheckArea: Sendable, Hashable {
    public var name: String
    public var findings: [DatabaseFinding]
    /// Whether the database can serve it.
    public var canServe: Bool { !findings.contains { $0.blocks } }
}

/// Checks a database's tables and columns against the table mappings the server reads them with (``MappedTables``,
/// the child tables of claims, policies and products, the accounts' tables): what is missing, of a type the
/// mapping cannot read, or handled differently.
public enum DatabaseCheck {
    /// The served resource types and the tables they read.
    static let areas: [(name: String, tables: [CheckedTable])] = {
        func t<R: TableRecord>(_ type: R.Type) -> CheckedTable { .mapped(MappedTable(R.self)) }
        let claims: [CheckedTable] = [t(Claim.self), t(Diagnosis.self), t(HealthFacility.self), t(Insuree.self),
                                      t(ClaimAdministrator.self)] + MedicalKind.allCases.map { .child(ClaimLine.table($0)) }
        let products: [CheckedTable] = [t(Product.self)] + MedicalKind.allCases.map { .child(ProductCoverage.table($0)) }
        let policies: [CheckedTable] = [t(Policy.self), t(Family.self), t(Insuree.self), t(Product.self),
                                        .child(InsureePolicy.table)]
        return [
            ("ActivityDefinition", [t(MedicalService.self)]),
            ("Claim", claims), ("ClaimResponse", claims),
            ("Contract", policies + [t(EnrolmentOfficer.self)]), ("Coverage", policies),
            ("Group", [t(Family.self), t(Insuree.self)]),
            ("InsurancePlan", products),
            ("Invoice", [t(Invoice.self), t(InvoiceLineItem.self)]),
            ("Location", [t(Location.self), t(HealthFacility.self)]),
            ("Medication", [t(MedicalItem.self)]),
            ("Organization", [t(HealthFacility.self), t(PolicyHolder.self), t(ClaimAdministrator.self)]),
            ("Patient", [t(Insuree.self), t(Family.self), t(InsureePhoto.self), t(Location.self), t(HealthFacility.self)]),
            ("PaymentNotice", [t(PaymentInvoice.self), t(PaymentInvoiceDetail.self), t(Premium.self)]),
            ("PaymentReconciliation", [t(PaymentInvoice.self), t(PaymentInvoiceDetail.self)]),
            ("Practitioner", [t(EnrolmentOfficer.self), t(ClaimAdministrator.self)]),
            ("PractitionerRole", [t(EnrolmentOfficer.self), t(ClaimAdministrator.self), t(HealthFacility.self)]),
        ]
    }()

    /// The findings of every area over `catalog`, then sign-in (the accounts' tables) and the project's own
    /// tables (absent until the schema is migrated; the server then keeps what they hold in memory only where
    /// it can, so their absence is a note).
    static func run(_ catalog: PostgresCatalog, ownTables: [String]) -> [DatabaseCheckArea] {
        var result = areas.map { area in
            DatabaseCheckArea(name: area.name, findings: unique(area.tables.flatMap { check($0, catalog) }))
        }
        var users: [DatabaseFinding] = []
        if catalog.has("tblUsers") {
            for names in [["id", "UserID"], ["UUID", "UserUUID"], ["LoginName"], ["StoredPassword"], ["PrivateKey"]]
            where !names.contains(where: { catalog.column("tblUsers", $0) != nil }) {
                users.append(DatabaseFinding(table: "tblUsers", column: names.joined(separator: "/"), level: .missing,
                                             detail: "is missing"))
            }
        } else {
            users.append(DatabaseFinding(table: "tblUsers", column: nil, level: .missing, detail: "is missing"))
        }
        for table in ["tblUserRole", "tblRole", "tblRoleRight"] where !catalog.has(table) {
            users.append(DatabaseFinding(table: table, column: nil, level: .missing, detail: "is missing"))
        }
        result.append(DatabaseCheckArea(name: "sign-in and accounts", findings: users))
        let own = ownTables.filter { !catalog.has($0) }.map {
            DatabaseFinding(table: $0, column: nil, level: .note, detail: "is missing (created by migrating)")
        }
        result.append(DatabaseCheckArea(name: "imis-fhir's own tables", findings: own))
        return result
    }

    /// The findings of one table.
    static func check(_ table: CheckedTable, _ catalog: PostgresCatalog) -> [DatabaseFinding] {
        let (name, columns, required, uuid): (String, [String], Set<String>, String?)
        switch table {
        case .mapped(let mapped):
            (name, columns, required) = (mapped.sql.table, mapped.sql.columns, mapped.required)
            uuid = mapped.sql.nameBasedUUID ? mapped.sql.uuidColumn : nil
        case .child(let child):
            (name, columns, required, uuid) = (child.table, child.columns, [child.columns[0]], nil)
        }
        guard catalog.has(name) else { return [DatabaseFinding(table: name, column: nil, level: .missing, detail: "is missing")] }
        var findings: [DatabaseFinding] = []
        for column in columns {
            guard let found = catalog.column(name, column) else {
                if column == uuid {
                    findings.append(DatabaseFinding(table: name, column: column, level: .note,
                                                    detail: "is missing: a name-based UUID of the key is served"))
                } else {
                    findings.append(DatabaseFinding(table: name, column: column, level: required.contains(column) ? .missing : .note,
                                                    detail: required.contains(column) ? "is missing" : "is missing: read as empty"))
                }
                continue
            }
            if found.name.lowercased() != column.lowercased() {
                findings.append(DatabaseFinding(table: name, column: column, level: .note, detail: "is read from \(found.name)"))
            }
            if case .mapped(let mapped) = table, let expected = mapped.expected[column], !expected.reads(found.kind) {
                findings.append(DatabaseFinding(table: name, column: column, level: .incompatible,
                                                detail: "expected \(expected.rawValue), found \(found.type)"))
            }
        }
        return findings
    }

    /// Findings in order, each once (an area reads some tables twice).
    static func unique(_ findings: [DatabaseFinding]) -> [DatabaseFinding] {
        var seen = Set<DatabaseFinding>()
        return findings.filter { seen.insert($0).inserted }
    }
}

/// A table the check looks at: a mapped one (with the columns its decoder needs) or a child table.
enum CheckedTable: Sendable {
    case mapped(MappedTable)
    case child(ChildTable)
}

import FHIRModels
import Foundation
import IMISData

/// One translation function per search parameter type, from FHIR search semantics to store
/// conditions (http://hl7.org/fhir/R4/search.html#ptypes).
public enum Translate {
    /// The openIMIS identifier type system (reference §1.4).
    public static let identifierTypeSystem = "https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers"

    /// One kind of identifier a resource carries: its type code, optional `Identifier.system`, column.
    public struct IdentifierKind: Sendable {
        public var typeCode: String
        public var system: String?
        public var column: any SchemaColumn
        public var ignoreCase: Bool

        public init(typeCode: String, system: String? = nil, column: any SchemaColumn, ignoreCase: Bool = false) {
            self.typeCode = typeCode
            self.system = system
            self.column = column
            self.ignoreCase = ignoreCase
        }

        func equals(_ value: String) -> RowPredicate {
            ignoreCase ? .equalsIgnoringCase(column.name, value) : .compare(column.name, .equal, .text(value))
        }
    }

    /// Token search on `identifier`: `value`, `|value`, `system|value`, `system|`, and
    /// `:of-type=typeSystem|typeCode|value`; `:not` negates, `:missing` is never true.
    public static func identifier(_ c: SearchCriterion, kinds: [IdentifierKind]) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return .constant(!(try c.missing())) }
        var alternatives: [RowPredicate] = []
        for raw in c.values {
            if c.modifier == "of-type" {
                let parts = raw.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, !parts[2].isEmpty else {
                    throw FHIRError(.badSearch, "identifier:of-type takes system|code|value")
                }
                for kind in kinds where parts[0] == identifierTypeSystem && kind.typeCode.caseInsensitiveCompare(parts[1]) == .orderedSame {
                    alternatives.append(kind.equals(parts[2]))
                }
                continue
            }
            let token = TokenValue(parsing: raw)
            // A UUID-typed identifier only ever holds a UUID, and business codes are never UUIDs:
            // asking only the kinds that can match keeps the lookup a single index hit (an OR
            // across two indexed columns makes SQLite scan the table).
            let valueIsUUID = token.code.map { RowUUID.normalized($0) != nil } ?? false
            for kind in kinds where token.code == nil || (kind.typeCode == "UUID") == valueIsUUID {
                switch (token.system, token.code) {
                case (nil, let code?):
                    alternatives.append(kind.equals(code))
                case ("", let code?):
                    if kind.system == nil { alternatives.append(kind.equals(code)) }
                case (let system?, let code?):
                    if kind.system == system { alternatives.append(kind.equals(code)) }
                case (let system?, nil):
                    if kind.system == system { alternatives.append(.isNotNull(kind.column.name)) }
                case (nil, nil):
                    break
                }
            }
        }
        let match = RowPredicate.or(alternatives)
        return c.modifier == "not" ? .not(match) : match
    }

    /// Token search on a coded column: `code` or `system|code` mapped through `codes`
    /// (FHIR code → stored code); `:not` and `:missing` apply.
    public static func code(
        _ c: SearchCriterion, column: some SchemaColumn, system: String, codes: [String: String]
    ) throws(FHIRError) -> RowPredicate {
        let column = column.name
        if c.modifier == "missing" { return try c.missing() ? .isNull(column) : .isNotNull(column) }
        var stored: [SQLValue] = []
        for token in c.tokens() {
            if let s = token.system, s != system { continue }
            if let code = token.code, let value = codes[code] { stored.append(.text(value)) }
        }
        let match = RowPredicate.oneOf(column, stored)
        return c.modifier == "not" ? .not(match) : match
    }

    /// String search over one or more columns: starts-with ignoring case and accents by default,
    /// `:exact`, `:contains`; `:missing`.
    public static func string(_ c: SearchCriterion, columns: [any SchemaColumn]) throws(FHIRError) -> RowPredicate {
        let columns = columns.map(\.name)
        if c.modifier == "missing" {
            let missing = RowPredicate.and(columns.map { .isNull($0) })
            return try c.missing() ? missing : .not(missing)
        }
        var alternatives: [RowPredicate] = []
        for value in c.values {
            for column in columns {
                switch c.modifier {
                case "exact": alternatives.append(.exact(column, value))
                case "contains": alternatives.append(.foldedContains(column, value))
                default: alternatives.append(.foldedStartsWith(column, value))
                }
            }
        }
        return .or(alternatives)
    }

    /// A condition on the location `levels` up from the one in `column` (0: that location; 1: its parent...).
    public static func locationAncestor(of column: some SchemaColumn, levels: Int, _ condition: RowPredicate) -> RowPredicate {
        var inner = condition
        for _ in 0..<levels {
            inner = .related(IMISData.Location.Column.locationId, outer: IMISData.Location.Column.parentLocationId, where: [inner])
        }
        return .related(IMISData.Location.Column.locationId, outer: column, where: [inner])
    }

    /// A condition on the location an insuree's address shows, `levels` up (0 village, 1 ward, 2 district, 3
    /// region): its `CurrentVillage` when set, else its family's `LocationId`.
    public static func insureeLocation(levels: Int, _ condition: RowPredicate) -> RowPredicate {
        .or([
            .and([.isNotNull(Insuree.Column.currentVillage), locationAncestor(of: Insuree.Column.currentVillage, levels: levels, condition)]),
            .and([.isNull(Insuree.Column.currentVillage), familyLocation(of: Insuree.Column.familyID, levels: levels, condition)]),
        ])
    }

    /// A condition on the location of the family in `family` (a `FamilyID` column), `levels` up from its village.
    public static func familyLocation(of family: some SchemaColumn, levels: Int, _ condition: RowPredicate) -> RowPredicate {
        .related(Family.Column.familyID, outer: family,
                 where: [locationAncestor(of: Family.Column.locationId, levels: levels, condition)])
    }

    /// Exact-value token search on a plain text column (phone, e-mail), ignoring case.
    public static func text(_ c: SearchCriterion, column: some SchemaColumn) throws(FHIRError) -> RowPredicate {
        let column = column.name
        if c.modifier == "missing" { return try c.missing() ? .isNull(column) : .isNotNull(column) }
        let match = RowPredicate.or(c.tokens().compactMap { $0.code.map { .equalsIgnoringCase(column, $0) } })
        return c.modifier == "not" ? .not(match) : match
    }

    /// Date search on a column holding a calendar day (`YYYY-MM-DD`): the day is the target range.
    public static func day(_ c: SearchCriterion, column: some SchemaColumn) throws(FHIRError) -> RowPredicate {
        let column = column.name
        if c.modifier == "missing" { return try c.missing() ? .isNull(column) : .isNotNull(column) }
        var alternatives: [RowPredicate] = []
        for v in try c.dates() {
            let lowerDays = v.lower.timeIntervalSince1970 / 86_400
            let upperDays = v.upper.timeIntervalSince1970 / 86_400
            func day(_ d: Double) -> SQLValue { .text(dayText(Int(d))) }
            let eq = RowPredicate.and([
                .compare(column, .greaterOrEqual, day(lowerDays.rounded(.up))),
                .compare(column, .lessOrEqual, day(upperDays.rounded(.down) - 1)),
            ])
            let gt = RowPredicate.compare(column, .greaterOrEqual, day(upperDays.rounded(.down)))
            let lt = RowPredicate.compare(column, .lessOrEqual, day(lowerDays.rounded(.up) - 1))
            switch v.prefix {
            case .eq: alternatives.append(eq)
            case .ne: alternatives.append(.and([.isNotNull(column), .not(eq)]))
            case .gt: alternatives.append(gt)
            case .lt: alternatives.append(lt)
            case .ge: alternatives.append(.or([gt, eq]))
            case .le: alternatives.append(.or([lt, eq]))
            case .sa: alternatives.append(.compare(column, .greaterOrEqual, day(upperDays.rounded(.up))))
            case .eb: alternatives.append(.compare(column, .lessOrEqual, day(lowerDays.rounded(.down) - 1)))
            case .ap:
                alternatives.append(.and([
                    .compare(column, .greaterOrEqual, day(lowerDays.rounded(.down))),
                    .compare(column, .lessOrEqual, day(upperDays.rounded(.up) - 1)),
                ]))
            }
        }
        return .or(alternatives)
    }

    /// Date search on the row's last update (`_lastUpdated`): the instant is the target.
    public static func lastUpdated(_ c: SearchCriterion) throws(FHIRError) -> RowPredicate {
        var alternatives: [RowPredicate] = []
        for v in try c.dates() {
            let eq = RowPredicate.and([.lastUpdated(.greaterOrEqual, v.lower), .lastUpdated(.less, v.upper)])
            switch v.prefix {
            case .eq, .ap: alternatives.append(eq)
            case .ne: alternatives.append(.not(eq))
            case .gt, .sa: alternatives.append(.lastUpdated(.greaterOrEqual, v.upper))
            case .lt, .eb: alternatives.append(.lastUpdated(.less, v.lower))
            case .ge: alternatives.append(.lastUpdated(.greaterOrEqual, v.lower))
            case .le: alternatives.append(.lastUpdated(.less, v.upper))
            }
        }
        return .or(alternatives)
    }

    /// Reference search: the foreign key `column` points at a current row of the key's table whose UUID
    /// (or business code) is the referenced id.
    public static func reference<Key: SchemaColumn>(
        _ c: SearchCriterion, column: some SchemaColumn, target: String, key: Key, uuid: Key, code: Key?
    ) throws(FHIRError) -> RowPredicate {
        if c.modifier == "missing" { return try c.missing() ? .isNull(column) : .isNotNull(column) }
        var alternatives: [RowPredicate] = []
        for ref in try c.references(defaultType: target) where ref.type == nil || ref.type == target {
            var keys: [RowPredicate] = [.equalsIgnoringCase(uuid, ref.id)]
            if let code { keys.append(.compare(code, .equal, .text(ref.id))) }
            alternatives.append(.related(key, outer: column, where: [.or(keys)]))
        }
        return .or(alternatives)
    }

    static func dayText(_ days: Int) -> String {
        let date = Date(timeIntervalSince1970: Double(days) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }
}

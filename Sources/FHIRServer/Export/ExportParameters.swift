import FHIRModels
import Foundation

/// What a `$export` kick-off asks for (FHIR Bulk Data Access IG v2, "Query Parameters"), checked against the server's
/// types and search parameters at kick-off, and kept with the job as JSON so that any instance can run or describe it.
public struct ExportParameters: Codable, Sendable, Equatable {
    /// Where the export was asked: the whole system, every Patient, or one Group (a family).
    public enum Level: String, Codable, Sendable {
        case system, patient, group
    }

    public var level: Level
    /// The Group of a group-level export.
    public var groupID: String?
    /// The types to export, in the order they are written; without `_type`, every type of the level.
    public var types: [String]
    /// Whether `_type` named them (then a type the caller may not read is refused, not left out).
    public var typesGiven: Bool
    /// `_since`: only resources changed strictly after it (FHIR instant, as given).
    public var since: String?
    /// `_until`: only resources changed at or before it (FHIR instant, as given).
    public var until: String?
    /// `_elements`: the elements kept (`Type.element` or `element`).
    public var elements: [String]?
    /// `patient`: Patient ids the Patient or Group export is limited to.
    public var patients: [String]?
    /// `_typeFilter`: per type, the searches whose matches are exported (ORed); a type without one exports all.
    public var typeFilters: [String: [String]]

    /// The resource types a Patient or Group export holds: the Patients and what refers to them.
    public static let compartmentTypes = [
        "Patient", "Group", "Coverage", "Contract", "Claim", "ClaimResponse", "Invoice", "PaymentNotice",
    ]
    /// Types a system export never holds: the clients' own configuration (with its secrets).
    static let systemExcluded: Set<String> = ["Subscription"]
    /// The output formats accepted (the IG's three spellings of NDJSON).
    static let formats: Set<String> = ["application/fhir+ndjson", "application/ndjson", "ndjson"]
    /// The most Patients `patient` may name.
    public static let maxPatients = 1_000
    /// Parameters that are not search criteria and so may not appear in a `_typeFilter`.
    static let resultParameters: Set<String> = [
        "_count", "_sort", "_include", "_revinclude", "_elements", "_summary", "_total", "_cursor", "_before",
        "page-offset", "_format", "_pretty", "_contained", "_containedType",
    ]
}

extension ExportParameters {
    /// The types an export at `level` holds without `_type`.
    static func levelTypes(_ level: Level, searchable: [String: any ResourceProvider]) -> [String] {
        level == .system
            ? searchable.keys.filter { !systemExcluded.contains($0) }.sorted()
            : compartmentTypes.filter { searchable[$0] != nil }
    }

    /// Parses and checks the kick-off's parameters (the query string of a GET; a Parameters resource's of a POST
    /// given as name/value pairs); 400 naming the first problem.
    /// - Parameter searchable: the types searchable here, with the search parameters each understands.
    static func parse(_ items: [(name: String, value: String)], level: Level, groupID: String?,
                      searchable: [String: any ResourceProvider]) throws(FHIRError) -> ExportParameters {
        let levelTypes = levelTypes(level, searchable: searchable)
        var result = ExportParameters(level: level, groupID: groupID, types: levelTypes, typesGiven: false,
                                      since: nil, until: nil, elements: nil, patients: nil, typeFilters: [:])
        var filters: [String] = []
        for (name, value) in items {
            switch name {
            case "_outputFormat":
                guard formats.contains(value) else {
                    throw FHIRError(.invalid, "_outputFormat \(value) is not supported: application/fhir+ndjson is")
                }
            case "_type":
                var types: [String] = result.typesGiven ? result.types : []
                for type in value.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                    guard levelTypes.contains(type) else {
                        throw FHIRError(.invalid, "_type \(type) is not exported at this level (\(levelTypes.joined(separator: ", ")))")
                    }
                    if !types.contains(type) { types.append(type) }
                }
                result.types = types
                result.typesGiven = true
            case "_since": result.since = try instant(value, name: name)
            case "_until": result.until = try instant(value, name: name)
            case "_elements":
                result.elements = (result.elements ?? [])
                    + value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            case "patient":
                guard level != .system else {
                    throw FHIRError(.invalid, "patient applies to Patient/$export and Group/[id]/$export")
                }
                let ids = value.split(separator: ",").map { reference in
                    String(reference.split(separator: "/").last ?? reference)
                }
                result.patients = (result.patients ?? []) + ids
                guard (result.patients?.count ?? 0) <= maxPatients else {
                    throw FHIRError(.invalid, "patient may name at most \(maxPatients) Patients")
                }
            case "_typeFilter": filters.append(value)
            case "_format", "_pretty": continue
            default:
                throw FHIRError(.invalid, "\(name) is not a parameter of $export")
            }
        }
        guard !result.types.isEmpty else { throw FHIRError(.invalid, "_type names no type") }
        for filter in filters {
            let (type, query) = try typeFilter(filter, types: result.types, searchable: searchable)
            result.typeFilters[type, default: []].append(query)
        }
        return result
    }

    /// `Type?name=value&...`, checked by the type's own search parser (an unknown parameter or modifier: 400).
    static func typeFilter(_ filter: String, types: [String], searchable: [String: any ResourceProvider])
        throws(FHIRError) -> (String, String)
    {
        guard let mark = filter.firstIndex(of: "?") else {
            throw FHIRError(.invalid, "_typeFilter must be Type?search, got '\(filter)'")
        }
        let type = String(filter[..<mark])
        let query = String(filter[filter.index(after: mark)...])
        guard types.contains(type), let provider = searchable[type] else {
            throw FHIRError(.invalid, "_typeFilter names \(type), which this export does not hold")
        }
        let parameters = QueryParameters(parsing: Substring(query))
        guard !parameters.items.isEmpty else { throw FHIRError(.invalid, "_typeFilter for \(type) has no criteria") }
        for item in parameters.items where resultParameters.contains(item.name) {
            throw FHIRError(.invalid, "_typeFilter may hold search criteria only, not \(item.name)")
        }
        do {
            _ = try SearchQuery.parse(parameters, for: provider, strict: true)
        } catch {
            throw FHIRError(.invalid, "_typeFilter \(filter): \(error.message)")
        }
        return (type, query)
    }

    /// A FHIR instant (`YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm)`), or openIMIS's naive `YYYY-MM-DDThh:mm:ss` (UTC).
    static func instant(_ value: String, name: String) throws(FHIRError) -> String {
        guard value.count >= 19, value.contains("T"), (try? DateValue(parsing: value)) != nil,
            let first = value.first, first.isNumber
        else { throw FHIRError(.invalid, "\(name) must be an instant (YYYY-MM-DDThh:mm:ss[.fff]Z), got '\(value)'") }
        return value
    }

    /// The parameters as stored with the job.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Parameters stored with a job.
    static func decoded(_ text: String) -> ExportParameters? {
        try? JSONDecoder().decode(ExportParameters.self, from: Data(text.utf8))
    }
}

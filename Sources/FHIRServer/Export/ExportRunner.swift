import FHIRModels
import Foundation
import IMISData
import Membership

/// One file of an export's output (the manifest's `output[]` entry): its type, its name in the job's folder, and
/// how many resources it holds.
public struct ExportFile: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var count: Int
}

/// Writes an export's NDJSON files: each type page by page (keyset paging in last-update order, at most
/// ``pageSize`` resources in memory), each resource exactly as a read by the caller returns it and only when such a
/// read would answer it (the caller's read scope ANDed to every search: its scopes, districts or family), into files
/// of at most ``ExportRunner/maxFileBytes`` bytes.
public struct ExportRunner: Sendable {
    /// How many resources one search page fetches.
    public static let pageSize = 1_000

    let service: FHIRService
    let principal: Principal
    let parameters: ExportParameters
    /// Only resources changed at or before it are written (the manifest's `transactionTime`).
    let transactionTime: Date
    /// The job's folder (created when missing).
    let folder: URL
    /// The largest file; a type with more is split into numbered files.
    var maxFileBytes: Int

    /// Called after every page with the resources written so far and the type being written.
    typealias Progress = @Sendable (_ written: Int, _ type: String) async throws -> Void

    /// Types whose rows carry no change time (a reconciliation is derived from its payments): exported whole by an
    /// export without `_since` and `_until`, and left out of one with them, with an error line saying so.
    static let withoutChangeTime: Set<String> = ["PaymentReconciliation"]

    /// Writes every type; the files written, in order, then the error files (OperationOutcomes). Throws when cancelled (`CancellationError`) or when a
    /// search fails; the files written so far stay for the caller to remove.
    func run(progress: Progress) async throws -> (output: [ExportFile], errors: [ExportFile]) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let compartment = try await compartment()
        var files: [ExportFile] = []
        var problems = ExportOutput(type: "OperationOutcome", folder: folder, maxBytes: maxFileBytes, first: 0)
        var written = 0
        for type in parameters.types {
            guard let provider = service.providers[type] else { continue }
            let windowed = !Self.withoutChangeTime.contains(type)
            if !windowed, parameters.since != nil || parameters.until != nil {
                let outcome = OperationOutcome(issue: [OperationOutcomeIssue(
                    severity: FHIRPrimitive(.warning), code: FHIRPrimitive(.notSupported),
                    diagnostics: FHIRPrimitive(FHIRString(
                        "\(type) has no last-update time: it is left out of an export with _since or _until")))])
                try problems.append(Resource.operationOutcome(outcome).jsonBytes())
                continue
            }
            var restrictions: [AccessRestriction] = []
            switch await service.readScope(principal, type: type) {
            case .none: continue
            case .all: break
            case .within(let restriction): restrictions.append(restriction)
            }
            if let compartment {
                restrictions.append(.compartment(try await service.exportCompartment(type: type, compartment)))
            }
            var output = ExportOutput(type: type, folder: folder, maxBytes: maxFileBytes, first: files.count)
            let filters = parameters.typeFilters[type] ?? [""]
            // Several filters are ORed: a resource two of them match is written once.
            var seen: Set<String>? = filters.count > 1 ? [] : nil
            for filter in filters {
                var query = try searchQuery(filter, provider: provider, windowed: windowed)
                for restriction in restrictions { try query.narrow(by: restriction, for: provider) }
                while true {
                    try Task.checkCancellation()
                    // A page's renderings read each related row by key once (see KeyedReadMemo).
                    let page = try await KeyedReadMemo.$current.withValue(KeyedReadMemo()) {
                        try await provider.search(query)
                    }
                    for match in page.resources {
                        if seen != nil, let id = match.resourceID, seen?.insert(id).inserted == false { continue }
                        try output.append(line(match, type: type))
                        written += 1
                    }
                    try await progress(written, type)
                    guard let next = page.nextCursor, !page.resources.isEmpty, let cursor = RowCursor(token: next) else { break }
                    query.cursor = cursor
                }
            }
            files += try output.finish()
        }
        return (files, try problems.finish())
    }

    /// The search of one type: its filter's criteria, the time window, the largest page, last-update order.
    func searchQuery(_ filter: String, provider: any ResourceProvider, windowed: Bool = true) throws(FHIRError)
        -> SearchQuery
    {
        var items = QueryParameters(parsing: Substring(filter)).items
        if windowed {
            if let since = parameters.since { items.append(("_lastUpdated", "gt" + since)) }
            if let until = parameters.until { items.append(("_lastUpdated", "le" + until)) }
            items.append(("_lastUpdated", "le" + ExportClock.instant(transactionTime)))
        }
        items.append(("_count", String(Self.pageSize)))
        items.append(("_total", "none"))
        items.append(("_sort", "_lastUpdated"))
        return try SearchQuery.parse(QueryParameters(items), for: provider, strict: true)
    }

    /// One NDJSON line: the resource as a read renders it, cut to `_elements` when asked.
    func line(_ match: StoredResource, type: String) -> [UInt8] {
        guard let elements = parameters.elements else { return match.json ?? match.resource.jsonBytes() }
        let names = elements.compactMap { name -> String? in
            guard let dot = name.firstIndex(of: ".") else { return name }
            return name[..<dot] == type ? String(name[name.index(after: dot)...]) : nil
        }
        guard !names.isEmpty else { return match.json ?? match.resource.jsonBytes() }
        return ElementsFilter.apply(names, to: match.resource).jsonBytes()
    }

    /// The family (or the Patients) a Patient or Group export is confined to; nil for a whole-system export and a
    /// Patient export of every Patient.
    func compartment() async throws -> ExportCompartment? {
        var members: [String]?
        if parameters.level == .group, let group = parameters.groupID {
            let patients = try service.provider("Patient")
            var query = try SearchQuery.parse(
                QueryParameters([("group", "Group/" + group), ("_count", String(SearchQuery.maxCount))]),
                for: patients, strict: true)
            query.total = .none
            members = try await patients.search(query).resources.compactMap(\.resourceID)
        }
        if let asked = parameters.patients {
            members = members.map { current in current.filter { asked.contains($0) } } ?? asked
        }
        guard let members else { return nil }
        return ExportCompartment(patients: members, group: parameters.groupID)
    }
}

/// The Patients a Patient or Group export is confined to, and the Group of a Group export.
struct ExportCompartment: Sendable {
    var patients: [String]
    var group: String?
}

extension FHIRService {
    /// The search parameters that keep `type` to the resources of `compartment`'s Patients (what refers to them).
    func exportCompartment(type: String, _ compartment: ExportCompartment) async throws(FHIRError) -> QueryParameters {
        // No Patient: an id that cannot exist, so that every search finds nothing.
        let members = compartment.patients.isEmpty ? ["no-patient"] : compartment.patients
        switch type {
        case "Group":
            if let group = compartment.group { return QueryParameters([("_id", group)]) }
            return QueryParameters([("member", members.map { "Patient/" + $0 }.joined(separator: ","))])
        case "Contract":
            let groups = try await provider("Group").search(
                SearchQuery.parse(QueryParameters([("member", members.map { "Patient/" + $0 }.joined(separator: ",")),
                                                   ("_count", String(SearchQuery.maxCount))]),
                                  for: provider("Group"), strict: true))
            let ids = compartment.group.map { [$0] } ?? groups.resources.compactMap(\.resourceID)
            return QueryParameters([("subject", (ids.isEmpty ? ["no-group"] : ids).map { "Group/" + $0 }.joined(separator: ","))])
        default:
            let family = FamilyCompartment(familyUUID: compartment.group ?? "no-group", memberUUIDs: members)
            return try await compartmentParameters(type: type, compartment: family)
        }
    }
}

/// The files of one type: lines appended to the current file, a new numbered file past the byte limit.
struct ExportOutput {
    let type: String
    let folder: URL
    let maxBytes: Int
    let first: Int
    var files: [ExportFile] = []
    var handle: FileHandle?
    var bytes = 0
    var buffer: [UInt8] = []

    init(type: String, folder: URL, maxBytes: Int, first: Int) {
        self.type = type
        self.folder = folder
        self.maxBytes = max(1, maxBytes)
        self.first = first
    }

    /// Appends one line (a newline after it).
    mutating func append(_ line: [UInt8]) throws {
        if handle == nil || bytes + line.count + 1 > maxBytes && bytes > 0 { try open() }
        buffer += line
        buffer.append(UInt8(ascii: "\n"))
        bytes += line.count + 1
        files[files.count - 1].count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func open() throws {
        try flush()
        try handle?.close()
        let name = "\(type)-\(first + files.count + 1).ndjson"
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw FHIRError(.server, "the export could not create its file \(name)")
        }
        handle = try FileHandle(forWritingTo: url)
        files.append(ExportFile(type: type, name: name, count: 0))
        bytes = 0
    }

    mutating func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left and closes the file; the type's files (none when it had no resource).
    mutating func finish() throws -> [ExportFile] {
        try flush()
        try handle?.synchronize()
        try handle?.close()
        handle = nil
        return files
    }
}

/// The instants of the export, as FHIR writes them (UTC, milliseconds).
enum ExportClock {
    static func instant(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

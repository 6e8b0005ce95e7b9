import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Logging

/// Bulk import of FHIR NDJSON (one resource per line, https://hl7.org/fhir/R4/nd-json.html): every line is created
/// exactly as `POST [base]/[type]` creates it (http://hl7.org/fhir/R4/http.html#create), through the same
/// handler, mapping and validation, by the operator (no access token: whoever can write the database can import).
///
/// Lines go in batches, one unit of work (database transaction) per batch, in file order. A line that refers to a
/// resource of an earlier line by the id that line carried in the file (`Patient/<id in the file>`) is rewritten
/// to the id the server gave it, as a transaction Bundle rewrites `urn:uuid:` references. A batch that fails is
/// rolled back whole; with ``OnError/skip`` it is run again without the failed line, so that only good lines are
/// written.
public struct BulkImport: Sendable {
    /// What a failed line does to the rest of the import.
    public enum OnError: String, Sendable, CaseIterable {
        /// Stop: the failed line's batch is rolled back, nothing after it runs.
        case stop
        /// Skip the line and go on.
        case skip
    }

    /// One line of the input, by its 1-based number.
    public struct Line: Sendable {
        public var number: Int
        public var bytes: [UInt8]

        public init(number: Int, bytes: [UInt8]) {
            self.number = number
            self.bytes = bytes
        }
    }

    /// A line that could not be created, with the OperationOutcome a POST would have answered.
    public struct Failure: Sendable {
        public var line: Int
        /// The resource type of the line, when it has one.
        public var resourceType: String?
        public var status: HTTPResponse.Status
        public var outcome: OperationOutcome

        /// `400 invalid Patient.gender: gender is required`, one issue after the other.
        public var message: String {
            let issues = outcome.issue.map { issue -> String in
                let code = issue.code.value?.rawValue ?? "error"
                let paths = (issue.expression ?? []).compactMap { $0.value?.string }
                let text = issue.diagnostics?.value?.string ?? ""
                return ([code] + (paths.isEmpty ? [] : [paths.joined(separator: ", ") + ":"]) + [text]).joined(separator: " ")
            }
            return "\(status.code) " + issues.joined(separator: "; ")
        }
    }

    /// What one batch did.
    public struct BatchResult: Sendable {
        /// Resources created and committed.
        public var created = 0
        /// The lines that failed, in order.
        public var failures: [Failure] = []
        /// Whether the import must stop (a line failed and ``OnError/stop`` is in force): nothing of the batch is
        /// written.
        public var stopped = false
    }

    let service: FHIRService
    public let onError: OnError
    /// `Type/<id in the file>` → `Type/<id given>`, for lines whose id changed.
    private var created: [String: String] = [:]

    /// An import into the stores of `service` (build it with ``buildService(_:)``).
    public init(service: FHIRService, onError: OnError = .stop) {
        self.service = service
        self.onError = onError
    }

    /// An import into `storage`, through the providers a server over it has (without a cache of renderings: the
    /// import reads nothing back).
    public init(storage: Storage, mapping: MappingContext = MappingContext(), onError: OnError = .stop, logger: Logger) {
        let service = FHIRService(
            configuration: ServerConfiguration(resourceCacheBytes: 0),
            providers: RegistryProviders.all(store: storage.store, mapping: mapping), units: storage.store, logger: logger)
        self.init(service: service, onError: onError)
    }

    /// Creates the resources of `lines` in one unit of work (blank lines are ignored).
    public mutating func run(_ lines: [Line]) async -> BatchResult {
        var result = BatchResult()
        var excluded: Set<Int> = []
        while true {
            let known = created
            let attempt: [String: String]
            do {
                attempt = try await service.units.unitOfWork { () async throws -> [String: String] in
                    var added: [String: String] = [:]
                    for (index, line) in lines.enumerated() where !excluded.contains(index) {
                        if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                        do throws(FHIRError) {
                            if let (key, id) = try await create(line.bytes, lookup: { added[$0] ?? known[$0] }) {
                                added[key] = id
                            }
                        } catch {
                            throw LineFailure(index: index, type: Self.resourceType(line.bytes), error: error)
                        }
                    }
                    return added
                }
            } catch let failure as LineFailure {
                let line = lines[failure.index]
                result.failures.append(Failure(line: line.number, resourceType: failure.type, status: failure.error.status,
                                               outcome: failure.error.operationOutcome))
                if onError == .stop {
                    result.stopped = true
                    return result
                }
                excluded.insert(failure.index)
                continue
            } catch {
                // The commit itself failed: the batch as a whole, reported on its first line.
                let fault = FHIRError(.server, "the batch could not be stored: \(error)")
                result.failures.append(Failure(line: lines.first?.number ?? 0, resourceType: nil, status: fault.status,
                                               outcome: fault.operationOutcome))
                result.stopped = true
                return result
            }
            created.merge(attempt) { _, new in new }
            result.created = lines.indices.filter {
                !excluded.contains($0) && !lines[$0].bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            }.count
            return result
        }
    }

    /// Creates one resource as `POST [base]/[type]` does; the file's `Type/id` and the created one when they differ.
    func create(_ bytes: [UInt8], lookup: (String) -> String?) async throws(FHIRError) -> (String, String)? {
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw FHIRError(.invalid, "the line is not JSON", issues: [
                ValidationIssue(code: .structure, path: "", message: error.description)
            ])
        }
        guard case .object(let members) = json,
            case .string(let type)? = members.first(where: { $0.key == "resourceType" })?.value
        else {
            throw FHIRError(.invalid, "the line is not a FHIR resource: it has no resourceType")
        }
        var fileID: String?
        if case .string(let id)? = members.first(where: { $0.key == "id" })?.value { fileID = id }
        var changed = false
        let resolved = Self.resolving(json, lookup, changed: &changed)
        guard !type.isEmpty, !type.contains("/") else { throw FHIRError(.invalid, "'\(type)' is not a resource type") }
        var headers = HTTPFields()
        headers[.contentType] = FHIRFormat.mediaType
        headers[HTTPField.Name("Prefer")!] = "return=minimal"
        let request = FHIRRequest(
            method: .post, match: try FHIRRoutes.match(method: .post, segments: [type]), query: QueryParameters(),
            headers: headers, body: changed ? FHIRService.bytes(resolved) : bytes, base: "urn:imis-fhir:import",
            pretty: false, viaAlias: false)
        let response = try await service.importCreate(request)
        guard let fileID, let id = response.resourceID, id != fileID else { return nil }
        return ("\(type)/\(fileID)", "\(type)/\(id)")
    }

    /// `json` with every `reference` that `lookup` knows replaced.
    static func resolving(_ json: JSON, _ lookup: (String) -> String?, changed: inout Bool) -> JSON {
        switch json {
        case .object(let members):
            return .object(members.map { member in
                if member.key == "reference", case .string(let value) = member.value, let target = lookup(value) {
                    changed = true
                    return JSONMember(member.key, .string(target))
                }
                return JSONMember(member.key, resolving(member.value, lookup, changed: &changed))
            })
        case .array(let items):
            return .array(items.map { resolving($0, lookup, changed: &changed) })
        default:
            return json
        }
    }

    /// The `resourceType` of a line, for the report, when it can be read.
    static func resourceType(_ bytes: [UInt8]) -> String? {
        guard case .object(let members)? = try? JSONParser.parse(bytes),
            case .string(let type)? = members.first(where: { $0.key == "resourceType" })?.value
        else { return nil }
        return type
    }
}

/// The line that aborted a batch.
private struct LineFailure: Error {
    let index: Int
    let type: String?
    let error: FHIRError
}

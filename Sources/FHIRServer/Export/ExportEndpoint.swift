import FHIRModels
import Foundation
import HTTPTypes
import Membership

/// The HTTP side of `$export` (FHIR Bulk Data Access IG v2): kick-off at the three levels, the status endpoint
/// (poll, cancel) and the file download; every request by the job's owner only (anyone else: 404).
struct ExportEndpoint {
    let request: RouteRequest
    let principal: Principal
    var service: FHIRService { request.service }

    static let progressHeader = HTTPField.Name("X-Progress")!
    static let retryAfterHeader = HTTPField.Name("Retry-After")!
    static let expiresHeader = HTTPField.Name("Expires")!
    static let preferHeader = HTTPField.Name("Prefer")!

    /// The jobs, or 404 when the server offers no export (no `EXPORT_DIR`, or storage without the table).
    func jobs() throws(FHIRError) -> ExportJobs {
        guard let jobs = service.exports else { throw FHIRError(.notFound, "$export is not offered by this server") }
        return jobs
    }

    /// Kick-off: `GET|POST [base]/$export`, `[base]/Patient/$export`, `[base]/Group/[id]/$export`.
    func kickOff(_ level: ExportParameters.Level) async throws -> FHIRResponse {
        let jobs = try jobs()
        let searchable = service.providers.filter { $0.value.interactions.contains(.searchType) }
        // Refused before anything is parsed when the caller may read none of the level's types.
        var any = false
        for type in ExportParameters.levelTypes(level, searchable: searchable) {
            if case .none = await service.readScope(principal, type: type) { continue }
            any = true
            break
        }
        guard any else { throw FHIRError(.forbidden, "this account may read none of the types exported") }
        let groupID = level == .group ? request.parameters.first : nil
        if let groupID { try await requireReadableGroup(groupID) }
        let items = request.query.items + (try Self.bodyParameters(request.body))
        let parameters = try ExportParameters.parse(items, level: level, groupID: groupID, searchable: searchable)
        var readable: [String] = []
        for type in parameters.types {
            if case .none = await service.readScope(principal, type: type) {
                if parameters.typesGiven { throw FHIRError(.forbidden, "this account may not read \(type)") }
            } else {
                readable.append(type)
            }
        }
        guard !readable.isEmpty else { throw FHIRError(.forbidden, "this account may read none of the types exported") }
        let prefer = request.headers[values: Self.preferHeader].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard prefer.contains("respond-async") else {
            throw FHIRError(.invalid, "$export answers asynchronously only: send Prefer: respond-async")
        }
        var kept = parameters
        kept.types = readable
        let path = switch level {
        case .system: "$export"
        case .patient: "Patient/$export"
        case .group: "Group/\(groupID ?? "")/$export"
        }
        let query = request.query.encoded
        let url = request.fhirBase + "/" + path + (query.isEmpty ? "" : "?" + query)
        let (job, started) = try await jobs.kickOff(service: service, principal: principal, parameters: kept, request: url)
        guard started else {
            var headers = HTTPFields()
            headers[Self.retryAfterHeader] = "30"
            throw FHIRError(.tooManyRequests,
                            "an export of this account is running (\(job.id)): wait for it, or cancel it with DELETE",
                            headers: headers)
        }
        var headers = HTTPFields()
        headers[.contentLocation] = statusURL(job.id)
        headers[.contentType] = FHIRFormat.mediaType
        let note = OperationOutcome(issue: [OperationOutcomeIssue(
            severity: FHIRPrimitive(.information), code: FHIRPrimitive(.informational),
            diagnostics: FHIRPrimitive(FHIRString("export \(job.id) started; poll its Content-Location")))])
        return FHIRResponse(status: .accepted, headers: headers, body: Resource.operationOutcome(note).jsonBytes())
    }

    /// 404 unless the caller may read the Group (a family outside its districts or family is not known to it).
    func requireReadableGroup(_ id: String) async throws {
        let group = try await service.provider("Group").read(id: id)
        guard try await !service.readable([group], type: "Group", principal: principal).isEmpty else {
            throw FHIRError(.notFound, "Group/\(id) is not known")
        }
    }

    func statusURL(_ id: String) -> String { request.fhirBase + "/$export-poll-status/" + id }

    /// Polling: 202 with `X-Progress` while it runs, 200 with the manifest when done, 500 with an OperationOutcome
    /// when it failed, 404 when there is none (cancelled, expired, someone else's).
    func status() async throws -> FHIRResponse {
        let jobs = try jobs()
        guard let job = try await jobs.job(id: request.parameters.first ?? "", principal: principal) else {
            throw FHIRError(.notFound, "no such export (cancelled, expired, or never started)")
        }
        switch job.status {
        case .running:
            var headers = HTTPFields()
            headers[Self.progressHeader] = job.progress
            headers[Self.retryAfterHeader] = "2"
            return FHIRResponse(status: .accepted, headers: headers)
        case .failed, .cancelled:
            throw FHIRError(.server, job.error ?? "the export failed")
        case .complete:
            let stored = ExportManifest.decode(job.manifest)
            let entry = { (file: ExportFile) -> [String: Any] in
                ["type": file.type, "url": request.fhirBase + "/$export-file/\(job.id)/\(file.name)", "count": file.count]
            }
            let manifest: [String: Any] = [
                "transactionTime": ExportClock.instant(job.transactionTime), "request": job.request,
                "requiresAccessToken": true, "output": stored.output.map(entry), "error": stored.error.map(entry),
            ]
            let body = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .withoutEscapingSlashes])
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[Self.expiresHeader] = HTTPDate.format(job.expires)
            return FHIRResponse(status: .ok, headers: headers, body: Array(body))
        }
    }

    /// `DELETE` on the status URL: cancels a running export or drops a finished one, with its files (202).
    func cancel() async throws -> FHIRResponse {
        let jobs = try jobs()
        guard let job = try await jobs.job(id: request.parameters.first ?? "", principal: principal) else {
            throw FHIRError(.notFound, "no such export (cancelled, expired, or never started)")
        }
        try await jobs.remove(job.id)
        return FHIRResponse(status: .accepted)
    }

    /// One output file of a complete export, by its owner (`requiresAccessToken`).
    func download() async throws -> FHIRResponse {
        let jobs = try jobs()
        let id = request.parameters.first ?? ""
        let name = request.parameters.count == 2 ? request.parameters[1] : ""
        guard let job = try await jobs.job(id: id, principal: principal), job.status == .complete,
            ExportManifest.decode(job.manifest).files.contains(where: { $0.name == name })
        else { throw FHIRError(.notFound, "no such export file") }
        let path = jobs.folder(of: job.id).appendingPathComponent(name).path
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
            throw FHIRError(.notFound, "the export file is gone")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/fhir+ndjson"
        headers[Self.expiresHeader] = HTTPDate.format(job.expires)
        headers[.vary] = "Accept-Encoding"
        let gzip = Gzip.accepted(request.headers[.acceptEncoding])
        if gzip { headers[.contentEncoding] = "gzip" }
        // Read from disk and sent chunk by chunk when the answer is written (gzipped on the way).
        var response = FHIRResponse(status: .ok, headers: headers)
        response.stream = ExportDownload(path: path, size: size, gzip: gzip, chunkBytes: jobs.settings.downloadChunkBytes)
        return response
    }

    /// The parameters of a POST kick-off's Parameters resource, as name/value pairs (`value[x]` as its text).
    static func bodyParameters(_ body: [UInt8]) throws(FHIRError) -> [(name: String, value: String)] {
        guard !body.isEmpty else { return [] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            object["resourceType"] as? String == "Parameters"
        else { throw FHIRError(.invalid, "a POST kick-off takes a Parameters resource") }
        var items: [(name: String, value: String)] = []
        for parameter in object["parameter"] as? [[String: Any]] ?? [] {
            guard let name = parameter["name"] as? String,
                let value = parameter.first(where: { $0.key.hasPrefix("value") })?.value as? String
            else { throw FHIRError(.invalid, "every parameter needs a name and a value[x]") }
            items.append((name, value))
        }
        return items
    }
}

import FHIRModels
import HTTPTypes

extension FHIRService {
    /// read: `GET [base]/[type]/[id]` (http://hl7.org/fhir/R4/http.html#read).
    func read(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        let stored = try await provider.read(id: request.match.id ?? "")
        return .stored(stored, pretty: request.pretty)
    }

    /// vread: `GET [base]/[type]/[id]/_history/[vid]` (http://hl7.org/fhir/R4/http.html#vread).
    func vread(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        guard let version = request.match.version.flatMap({ Int($0) }), version > 0 else {
            throw FHIRError(.notFound, "version ids are positive integers")
        }
        let stored = try await provider.vread(id: request.match.id ?? "", version: version)
        return .stored(stored, pretty: request.pretty)
    }

    /// history: `GET [base]/[type]/[id]/_history` (http://hl7.org/fhir/R4/http.html#history).
    func history(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        let type = provider.resourceType
        let id = request.match.id ?? ""
        let versions = try await provider.history(id: id)
        let entries = versions.map { stored in
            let verb: HTTPVerb = stored.deleted ? .delete : (stored.versionId == 1 ? .post : .put)
            return FHIRBundleEntry(
                fullUrl: FHIRPrimitive(FHIRURI("\(request.base)/\(type)/\(stored.resource.id ?? id)")),
                resource: stored.deleted ? nil : stored.resource,
                request: FHIRBundleEntryRequest(
                    method: FHIRPrimitive(verb),
                    url: FHIRPrimitive(FHIRURI(stored.versionId == 1 ? type : "\(type)/\(id)"))),
                response: FHIRBundleEntryResponse(
                    status: FHIRPrimitive(FHIRString(stored.deleted ? "204 No Content" : (stored.versionId == 1 ? "201 Created" : "200 OK"))),
                    etag: FHIRPrimitive(FHIRString("W/\"\(stored.versionId)\"")),
                    lastModified: FHIRPrimitive(FHIRInstant(stored.lastUpdated))))
        }
        let bundle = FHIRBundle(
            type: FHIRPrimitive(.history), total: FHIRPrimitive(FHIRUnsignedInt(UInt32(entries.count))),
            link: [FHIRBundleLink(relation: "self", url: FHIRPrimitive(FHIRURI("\(request.base)/\(type)/\(id)/_history")))],
            entry: entries.isEmpty ? nil : entries)
        return .resource(.bundle(bundle), pretty: request.pretty)
    }

    /// capabilities: `GET [base]/metadata` (http://hl7.org/fhir/R4/http.html#capabilities).
    func capabilities(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        var statement = capabilityStatement
        if var rest = statement.rest?.first {
            rest.documentation = FHIRPrimitive(FHIRMarkdown("Base: \(request.base)"))
            statement.rest = [rest]
        }
        return .resource(.capabilityStatement(statement), pretty: request.pretty)
    }
}

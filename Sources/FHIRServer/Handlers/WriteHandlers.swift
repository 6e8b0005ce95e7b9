import FHIRModels
import HTTPTypes
import Membership

extension FHIRService {
    /// create: `POST [base]/[type]` by `principal`, with conditional create by `If-None-Exist`
    /// (http://hl7.org/fhir/R4/http.html#create, #ccreate).
    func create(_ request: FHIRRequest, principal: Principal) async throws(FHIRError) -> FHIRResponse {
        try await create(request, matchReader: principal)
    }

    /// create by the operator (``BulkImport``): the server itself, which may read whatever a condition matches.
    func importCreate(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        try await create(request, matchReader: nil)
    }

    /// create, answering a conditional create's match as a read of it by `matchReader` would (nil: the operator).
    private func create(_ request: FHIRRequest, matchReader: Principal?) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        guard provider.interactions.contains(.create) else {
            throw FHIRError(.methodNotAllowed, "create is not supported for \(provider.resourceType)")
        }
        let resource = try decodeBody(request, expectedType: provider.resourceType)
        if let condition = request.headers[HTTPField.Name("If-None-Exist")!] {
            var query = try SearchQuery.parse(
                QueryParameters(parsing: Substring(condition.hasPrefix("?") ? String(condition.dropFirst()) : condition)),
                for: provider, strict: true)
            query.count = 2
            query.total = .none
            let matches = try await provider.search(query)
            if matches.resources.count > 1 {
                throw FHIRError(.preconditionFailed, "If-None-Exist matches more than one \(provider.resourceType)")
            }
            if let existing = matches.resources.first {
                // Answering with the match is a read of it: a caller who may create but not read that resource
                // learns only that the condition matched.
                if let principal = matchReader,
                    try await readable([existing], type: provider.resourceType, principal: principal).isEmpty
                {
                    return Self.matchedUnreadable(provider.resourceType, existing, pretty: request.pretty)
                }
                return try respond(request, existing, status: .ok)
            }
        }
        var stored = try await provider.create(resource, viaAlias: request.viaAlias)
        if provider.createIsEnquiry { return .resource(stored.resource, pretty: request.pretty) }
        var location = "\(request.base)/\(stored.resource.resourceType)/\(stored.resource.id ?? "")/_history/\(stored.versionId)"
        if let answerType = provider.createAnswerType, let id = stored.resource.id {
            location = "\(request.base)/\(provider.resourceType)/\(id)/_history/\(stored.versionId)"
            stored = try await self.provider(answerType).read(id: id)
        }
        return try respond(request, stored, status: stored.existing ? .ok : .created, location: location)
    }

    /// update: `PUT [base]/[type]/[id]`, with `If-Match` (http://hl7.org/fhir/R4/http.html#update).
    func update(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        guard provider.interactions.contains(.update) else {
            throw FHIRError(.methodNotAllowed, "update is not supported for \(provider.resourceType)")
        }
        let resource = try decodeBody(request, expectedType: provider.resourceType)
        let id = request.match.id ?? ""
        guard let bodyID = resource.id else {
            throw FHIRError(.invalid, "the resource must carry its id for an update", issues: [
                ValidationIssue(code: .required, path: "\(provider.resourceType).id", message: "id is required on update")
            ])
        }
        if bodyID.lowercased() != id.lowercased() {
            // The URL may name the resource by its business code (openIMIS); then the body's id
            // must be the id of that resource.
            let current = try await provider.read(id: id)
            guard current.resource.id?.lowercased() == bodyID.lowercased() else {
                throw FHIRError(.invalid, "the id in the body (\(bodyID)) differs from the id in the URL (\(id))")
            }
        }
        let stored = try await provider.update(id: id, resource, ifMatch: try ifMatch(request))
        return try respond(request, stored, status: .ok)
    }

    /// delete: `DELETE [base]/[type]/[id]`; a later read answers 410 (http://hl7.org/fhir/R4/http.html#delete).
    func delete(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        let provider = try provider(request.match.type)
        guard provider.interactions.contains(.delete) else {
            throw FHIRError(.methodNotAllowed, "delete is not supported for \(provider.resourceType)")
        }
        try await provider.delete(id: request.match.id ?? "")
        return FHIRResponse(status: .noContent)
    }

    /// The request body as a validated resource of `expectedType`.
    func decodeBody(_ request: FHIRRequest, expectedType: String) throws(FHIRError) -> Resource {
        try FHIRFormat.checkBodyType(request.headers[.contentType])
        guard !request.body.isEmpty else { throw FHIRError(.invalid, "the request has no body") }
        let json: JSON
        do {
            json = try JSONParser.parse(request.body)
        } catch {
            throw FHIRError(.invalid, "the body is not JSON", issues: [
                ValidationIssue(code: .structure, path: "", message: error.description)
            ])
        }
        let resource: Resource
        do {
            resource = try Resource.decode(json: BackendVariants.normalize(json))
        } catch {
            throw FHIRError.invalidResource(error)
        }
        guard resource.resourceType == expectedType else {
            throw FHIRError(.invalid, "expected a \(expectedType), got a \(resource.resourceType)")
        }
        return resource
    }

    /// `If-Match: W/"3"` → 3.
    func ifMatch(_ request: FHIRRequest) throws(FHIRError) -> Int? {
        guard let value = request.headers[.ifMatch] else { return nil }
        var text = Substring(value.trimmed)
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        text = text.drop(while: { $0 == "\"" })
        while text.last == "\"" { text = text.dropLast() }
        guard let version = Int(text) else { throw FHIRError(.invalid, "If-Match must be an ETag like W/\"3\"") }
        return version
    }

    /// The answer to a write, shaped by `Prefer: return=` (http://hl7.org/fhir/R4/http.html#ops).
    func respond(_ request: FHIRRequest, _ stored: StoredResource, status: HTTPResponse.Status, location: String? = nil)
        throws(FHIRError) -> FHIRResponse
    {
        var headers = HTTPFields()
        let type = stored.resource.resourceType
        let id = stored.resource.id ?? ""
        if let location { headers[.location] = location }
        switch request.preferReturn {
        case "minimal":
            var response = FHIRResponse.stored(stored, status: status, pretty: request.pretty, extra: headers)
            response.body = []
            response.headers[.contentType] = nil
            return response
        case "OperationOutcome":
            let outcome = OperationOutcome(issue: [
                OperationOutcomeIssue(
                    severity: FHIRPrimitive(.information), code: FHIRPrimitive(.informational),
                    diagnostics: FHIRPrimitive(FHIRString("\(type)/\(id) version \(stored.versionId) stored")))
            ])
            headers[.eTag] = "W/\"\(stored.versionId)\""
            headers[.lastModified] = HTTPDate.format(stored.lastUpdated)
            var response = FHIRResponse.resource(.operationOutcome(outcome), status: status, pretty: request.pretty, headers: headers)
            response.resourceID = stored.resourceID
            response.lastModified = stored.lastUpdated
            return response
        default:
            return .stored(stored, status: status, pretty: request.pretty, extra: headers)
        }
    }

    /// 200 for a conditional create whose match the caller may not read: an informational OperationOutcome, no
    /// resource, no Location. The id stays on the response for a transaction's references, never on the wire.
    static func matchedUnreadable(_ type: String, _ existing: StoredResource, pretty: Bool) -> FHIRResponse {
        let outcome = OperationOutcome(issue: [
            OperationOutcomeIssue(
                severity: FHIRPrimitive(.information), code: FHIRPrimitive(.duplicate),
                diagnostics: FHIRPrimitive(FHIRString("If-None-Exist matched an existing \(type); nothing was created")))
        ])
        var response = FHIRResponse.resource(.operationOutcome(outcome), status: .ok, pretty: pretty)
        response.resourceID = existing.resourceID
        return response
    }
}

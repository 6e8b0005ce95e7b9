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
            type: FHIRPrimitive(.history), total: FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: entries.count))),
            link: [FHIRBundleLink(relation: "self", url: FHIRPrimitive(FHIRURI("\(request.base)/\(type)/\(id)/_history")))],
            entry: entries.isEmpty ? nil : entries)
        return .resource(.bundle(bundle), pretty: request.pretty)
    }

    /// capabilities: `GET [base]/metadata` (http://hl7.org/fhir/R4/http.html#capabilities).
    func capabilities(_ request: FHIRRequest) async throws(FHIRError) -> FHIRResponse {
        // The statement depends only on the base the request came in on: its bytes are kept per base.
        let key = "\(request.pretty ? "p" : "c") \(request.viaAlias ? "a" : "f") \(request.base)"
        if let body = capabilityCache.withLockedValue({ $0[key] }) {
            return FHIRResponse(status: .ok, headers: [.contentType: FHIRFormat.mediaType], body: body)
        }
        let response = renderedCapabilities(request)
        capabilityCache.withLockedValue { cache in
            if cache.count >= 64 { cache.removeAll() }
            cache[key] = response.body
        }
        return response
    }

    func renderedCapabilities(_ request: FHIRRequest) -> FHIRResponse {
        var statement = capabilityStatement
        if var rest = statement.rest?.first {
            rest.documentation = FHIRPrimitive(FHIRMarkdown("Base: \(request.base)"))
            rest.security = security(authBase: authBase(request))
            statement.rest = [rest]
        }
        return .resource(.capabilityStatement(statement), pretty: request.pretty)
    }

    /// The absolute base of the token endpoint for a request that came in on `request.base`.
    func authBase(_ request: FHIRRequest) -> String {
        let basePath = request.viaAlias ? configuration.aliasBasePath : configuration.fhirBasePath
        let origin = request.base.hasSuffix(basePath) ? String(request.base.dropLast(basePath.count)) : request.base
        return origin + configuration.prefix + "/auth"
    }

    /// `rest.security`: SMART on FHIR with the token, revocation and introspection endpoints (SMART App Launch
    /// oauth-uris extension), and HTTP Basic when `BASIC_AUTH` is on.
    func security(authBase: String) -> CapabilityStatementRestSecurity {
        func uri(_ name: String, _ path: String) -> Extension {
            Extension(url: name, value: .uri(FHIRPrimitive(FHIRURI("\(authBase)/\(path)"))))
        }
        func service(_ code: String) -> CodeableConcept {
            CodeableConcept(coding: [Coding(
                system: FHIRPrimitive(FHIRURI("http://terminology.hl7.org/CodeSystem/restful-security-service")),
                code: FHIRPrimitive(FHIRCode(code)))])
        }
        let basic = configuration.basicAuth
            ? " HTTP Basic is accepted too: a user's name and password, checked like the password grant, or a system client's id and secret."
            : ""
        return CapabilityStatementRestSecurity(
            extension: [Extension(extension: [uri("token", "token"), uri("revoke", "revoke"), uri("introspect", "introspect")],
                                  url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")],
            cors: FHIRPrimitive(configuration.cors != nil),
            service: [service("SMART-on-FHIR")] + (configuration.basicAuth ? [service("Basic")] : []),
            description: FHIRPrimitive(FHIRMarkdown(
                "Bearer tokens from the token endpoint (\(authBase)/token): password, refresh_token, client_credentials and OTP grants."
                    + basic
                    + " Users have the rights of their openIMIS roles; insurees see their own family only; system clients what their SMART scopes grant.")))
    }
}

import IMISData
import Membership

extension FHIRService {
    /// Runs the handler of the matched FHIR row for `principal`. Every FHIR interaction passes here, whether it came
    /// as an HTTP request or as an entry of a batch or transaction Bundle: what must hold for each request (access
    /// control, auditing) belongs here, not in the responder. The principal is resolved before (a request without a
    /// valid token never gets this far); the access decision (403, an insuree's family, row security) is taken here.
    func handle(_ request: FHIRRequest, principal: Principal) async throws(FHIRError) -> FHIRResponse {
        switch request.match.route.handler {
        case .openFHIR(let handler):
            return try await handler(self)(request)
        case .fhir(let handler):
            var request = request
            try await authorize(&request, principal: principal)
            let interaction = request.match.interaction
            let checked = request
            // Rows written for an interactive user carry its id (openIMIS's AuditUserID).
            let actor: Int64? = if case .user(let userID, _, _, _, _) = principal { userID } else { nil }
            let result: Result<FHIRResponse, FHIRError> = await RequestPrincipal.$current.withValue(principal) {
                await WriteActor.$userID.withValue(actor) {
                do throws(FHIRError) {
                    if let restriction = checked.restriction, interaction == .create || interaction == .update {
                        return .success(try await restrictedWrite(checked, principal: principal, restriction: restriction))
                    }
                    return .success(try await handler(self)(checked, principal))
                } catch { return .failure(error) }
            }
            }
            return try result.get()
        case .open, .credentials, .bearer:
            // FHIR matching (``FHIRRoutes/match(method:segments:)``) finds FHIR rows only.
            throw FHIRError(.notFound, "no FHIR interaction is served at this path")
        }
    }
}

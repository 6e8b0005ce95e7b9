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
            if let restriction = request.restriction, interaction == .create || interaction == .update {
                return try await restrictedWrite(request, principal: principal, restriction: restriction)
            }
            return try await handler(self)(request, principal)
        case .open, .credentials, .bearer:
            // FHIR matching (``FHIRRoutes/match(method:segments:)``) finds FHIR rows only.
            throw FHIRError(.notFound, "no FHIR interaction is served at this path")
        }
    }
}

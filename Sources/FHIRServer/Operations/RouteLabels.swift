import Membership

extension RouteLookup {
    /// The labels of a request in the metrics and error reports: the template of the route-table row it reached
    /// (`/fhir/{type}/{id}/_history/{vid}`, `/auth/token`), `unmatched` when no row serves the path; and its resource
    /// type when it is one the server serves (`unknown` for another, `none` for a row without a type). Never a
    /// path, an id or a query value.
    func metricsLabels(providers: [String: any ResourceProvider]) -> (route: String, type: String) {
        guard let row else { return ("unmatched", "none") }
        if case .notFound = outcome { return ("unmatched", "none") }
        let pattern = row.segments.map { segment -> String in
            switch segment {
            case .literal(let text): text
            case .type: "{type}"
            case .id: "{id}"
            case .version: "{vid}"
            case .parameter: "{parameter}"
            }
        }
        let route = basePath + "/" + pattern.joined(separator: "/")
        guard row.segments.contains(.type) else { return (route, "none") }
        guard case .found(let match) = outcome, let type = match.type else { return (route, "none") }
        return (route, providers[type] == nil ? "unknown" : type)
    }
}

extension Operations {
    /// Reports a 5xx answer to Sentry, when configured: the status, the method, the route template, the resource
    /// type, the request id and the trace — nothing of the request itself.
    func reportServerError(status: Int, method: String, route: String, type: String, requestID: String,
                           trace: TraceParent) {
        guard let sentry else { return }
        let method = ServerMetrics.methods.contains(method) ? method : "other"
        var tags = ["route": route, "method": method, "status": String(status), "request_id": requestID]
        if type != "none" { tags["resource_type"] = type }
        sentry.capture(ErrorReport(
            message: "\(status) on \(method) \(route)", transaction: "\(method) \(route)", tags: tags,
            trace: TraceContextReport(trace_id: trace.traceID, span_id: trace.spanID)))
    }
}

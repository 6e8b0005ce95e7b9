import HTTPTypes

/// A FHIR RESTful interaction (http://hl7.org/fhir/R4/http.html).
public enum Interaction: String, Sendable, Hashable, CaseIterable {
    case capabilities, read, vread, historyInstance = "history-instance", searchType = "search-type", create, update,
        delete, batch, transaction
}

/// One row of the route table: a method, a path shape under the FHIR base, an interaction.
public struct Route: Sendable {
    public enum Segment: Sendable, Equatable {
        case literal(String)
        case type
        case id
        case version
    }

    public let method: HTTPRequest.Method
    public let segments: [Segment]
    public let interaction: Interaction

    init(_ method: HTTPRequest.Method, _ pattern: String, _ interaction: Interaction) {
        self.method = method
        self.segments = pattern.split(separator: "/").map { part in
            switch part {
            case "{type}": return .type
            case "{id}": return .id
            case "{vid}": return .version
            default: return .literal(String(part))
            }
        }
        self.interaction = interaction
    }
}

/// The FHIR REST API as this server implements it: one row per interaction, in the order of the
/// specification's summary table (http://hl7.org/fhir/R4/http.html#summary).
public enum FHIRRoutes {
    public static let table: [Route] = [
        Route(.get, "metadata", .capabilities),
        // One endpoint; Bundle.type says which (the handler reads it).
        Route(.post, "", .batch),
        Route(.post, "", .transaction),
        Route(.get, "{type}/{id}", .read),
        Route(.get, "{type}/{id}/_history/{vid}", .vread),
        Route(.put, "{type}/{id}", .update),
        Route(.delete, "{type}/{id}", .delete),
        Route(.get, "{type}/{id}/_history", .historyInstance),
        Route(.post, "{type}", .create),
        Route(.get, "{type}", .searchType),
        Route(.post, "{type}/_search", .searchType),
    ]

    /// A request path matched against the table.
    public struct Match: Sendable {
        public var route: Route
        public var type: String?
        public var id: String?
        public var version: String?
    }

    /// Finds the route for `segments`; when the path matches but not the method, throws 405 with `Allow`.
    public static func match(method: HTTPRequest.Method, segments: [String]) throws(FHIRError) -> Match {
        var allowed: [HTTPRequest.Method] = []
        for route in table {
            guard let m = bind(route, segments) else { continue }
            if route.method == method { return m }
            if method == .head && route.method == .get { return m }
            allowed.append(route.method)
        }
        if allowed.isEmpty {
            throw FHIRError(.notFound, "no FHIR endpoint at /\(segments.joined(separator: "/"))")
        }
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        throw FHIRError(.methodNotAllowed, "\(method.rawValue) is not allowed here", headers: headers)
    }

    private static func bind(_ route: Route, _ segments: [String]) -> Match? {
        // No type, id or version holds a NUL (`%00`); PostgreSQL could not even compare one (SQLSTATE 22021).
        guard route.segments.count == segments.count, !segments.contains(where: { $0.utf8.contains(0) }) else { return nil }
        var match = Match(route: route)
        for (pattern, segment) in zip(route.segments, segments) {
            switch pattern {
            case .literal(let text): if text != segment { return nil }
            case .type:
                guard let first = segment.first, first.isUppercase, !segment.hasPrefix("_") else { return nil }
                match.type = segment
            case .id:
                if segment.hasPrefix("_") || segment.hasPrefix("$") { return nil }
                match.id = segment
            case .version: match.version = segment
            }
        }
        return match
    }
}

import FHIRModels
import Foundation
import HTTPTypes

/// A FHIR request as the handlers see it: the matched route and everything parsed from HTTP.
public struct FHIRRequest: Sendable {
    public var method: HTTPRequest.Method
    public var match: FHIRRoutes.Match
    public var query: QueryParameters
    public var headers: HTTPFields
    public var body: [UInt8]
    /// The absolute base URL the request came in on (`http://host/fhir`).
    public var base: String
    public var pretty: Bool
    /// Whether the request came through the openIMIS-compatible alias.
    public var viaAlias: Bool

    /// `Prefer: handling=strict`.
    var strict: Bool { preferValues.contains("handling=strict") }

    /// `Prefer: return=...`.
    var preferReturn: String? {
        preferValues.first { $0.hasPrefix("return=") }.map { String($0.dropFirst("return=".count)) }
    }

    var preferValues: [String] {
        headers[values: HTTPField.Name("Prefer")!].flatMap { $0.split(separator: ",") }.map { String($0).trimmed }
    }
}

/// What a handler answers.
public struct FHIRResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A resource (or Bundle, OperationOutcome) as FHIR JSON.
    static func resource(_ resource: Resource, status: HTTPResponse.Status = .ok, pretty: Bool, headers: HTTPFields = [:])
        -> FHIRResponse
    {
        var fields = headers
        fields[.contentType] = FHIRFormat.mediaType
        return FHIRResponse(status: status, headers: fields, body: resource.jsonBytes(pretty: pretty))
    }

    /// A stored resource with its version headers (ETag, Last-Modified).
    static func stored(_ stored: StoredResource, status: HTTPResponse.Status = .ok, pretty: Bool, extra: HTTPFields = [:])
        -> FHIRResponse
    {
        var fields = extra
        fields[.eTag] = "W/\"\(stored.versionId)\""
        fields[.lastModified] = HTTPDate.format(stored.lastUpdated)
        return resource(stored.resource, status: status, pretty: pretty, headers: fields)
    }

    /// An error as an OperationOutcome with its status and headers.
    static func error(_ error: FHIRError, pretty: Bool) -> FHIRResponse {
        resource(.operationOutcome(error.operationOutcome), status: error.status, pretty: pretty, headers: error.headers)
    }
}

/// RFC 9110 HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`).
enum HTTPDate {
    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.weekday, .year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", days[(c.weekday ?? 1) - 1], c.day ?? 1,
            months[(c.month ?? 1) - 1], c.year ?? 1970, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}

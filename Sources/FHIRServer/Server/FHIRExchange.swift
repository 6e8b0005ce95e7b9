import FHIRModels
import Foundation
import HTTPTypes
import Membership

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
    /// What access control narrows the request to (a user's districts, an insuree's family compartment).
    public var restriction: AccessRestriction?

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
    /// The id of the stored resource the response is about, also when the body does not show it
    /// (`Prefer: return=minimal`): how a transaction learns what an entry created.
    var resourceID: String?
    /// When that resource was stored (`Bundle.entry.response.lastModified`).
    var lastModified: Date?
    /// A file sent from disk in chunks instead of `body` (an export file).
    var stream: ExportDownload?

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
        var response: FHIRResponse
        if !pretty, let json = stored.json {
            fields[.contentType] = FHIRFormat.mediaType
            response = FHIRResponse(status: status, headers: fields, body: json)
        } else {
            response = resource(stored.resource, status: status, pretty: pretty, headers: fields)
        }
        response.resourceID = stored.resourceID
        response.lastModified = stored.lastUpdated
        return response
    }

    /// An error as an OperationOutcome with its status and headers.
    static func error(_ error: FHIRError, pretty: Bool) -> FHIRResponse {
        resource(.operationOutcome(error.operationOutcome), status: error.status, pretty: pretty, headers: error.headers)
    }
}

/// RFC 9110 HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`), computed without `Calendar` (which costs
/// microseconds per call on the response path).
enum HTTPDate {
    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        var dayNumber = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            dayNumber -= 1
        }
        // Days since 1970-01-01 to the (proleptic Gregorian) civil date (H. Hinnant, "chrono-compatible
        // low-level date algorithms").
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // 1970-01-01 was a Thursday.
        let weekday = Int(((dayNumber % 7) + 11) % 7)
        var text = days[weekday] + ", "
        text += pad(day, 2) + " " + months[Int(month) - 1] + " " + pad(year, 4) + " "
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + " GMT"
        return text
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

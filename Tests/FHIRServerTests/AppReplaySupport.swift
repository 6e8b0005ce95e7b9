import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import FHIRServer

/// The JSON types the insuree app's Dart code casts an answer's fields to.
enum DartType: String, Sendable {
    /// `String` (non-null).
    case string
    /// `String?`.
    case optionalString
    /// `int` (a JSON number without fraction or exponent).
    case integer
    /// `int?`.
    case optionalInteger
    /// `double` via `.toDouble()`: any JSON number.
    case number
    /// `double?` via `.toDouble()` when not null.
    case optionalNumber
    /// `bool`.
    case bool
    /// `DateTime.parse(...)`: a non-null string starting with `YYYY-MM-DD`.
    case date
    /// `Map<String, dynamic>`.
    case object
    /// `List`.
    case array

    /// Whether `value` (nil: the key is absent, which Dart reads as null) is of this type.
    func accepts(_ value: JSON?) -> Bool {
        switch (self, value) {
        case (.optionalString, nil), (.optionalString, .null?), (.optionalInteger, nil), (.optionalInteger, .null?),
             (.optionalNumber, nil), (.optionalNumber, .null?):
            return true
        case (.string, .string?), (.optionalString, .string?), (.bool, .bool?), (.object, .object?), (.array, .array?):
            return true
        case (.integer, .number(let text)?), (.optionalInteger, .number(let text)?):
            return !text.contains { $0 == "." || $0 == "e" || $0 == "E" }
        case (.number, .number?), (.optionalNumber, .number?):
            return true
        case (.date, .string(let text)?):
            return text.wholeMatch(of: /\d{4}-\d{2}-\d{2}(T.*)?/) != nil
        default:
            return false
        }
    }
}

/// Expects `json[key]` to be of the Dart type the app casts it to.
func expectType(_ json: JSON?, _ key: String, _ type: DartType, _ context: String = "",
                sourceLocation: SourceLocation = #_sourceLocation) {
    let value = json?[key]
    #expect(type.accepts(value), "\(context).\(key) is \(value.map { "\($0)" } ?? "absent"), the app casts it to \(type)",
            sourceLocation: sourceLocation)
}

/// Expects every `key: type` of `fields` on `json`.
func expectTypes(_ json: JSON?, _ fields: KeyValuePairs<String, DartType>, _ context: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(json.map { DartType.object.accepts($0) } == true, "\(context) is not an object", sourceLocation: sourceLocation)
    for (key, type) in fields { expectType(json, key, type, context, sourceLocation: sourceLocation) }
}

/// The insuree app's HTTP client as it is configured (dio 4: `contentType: application/json`, JSON bodies, and
/// `Authorization: Bearer <access>` once signed in).
struct AppClient {
    let client: any TestClientProtocol
    var token: String?

    /// Sends `method path` with `body` (JSON text) as the app does; the status and the parsed answer.
    func send(_ method: HTTPRequest.Method, _ path: String, body: String? = nil) async throws -> (HTTPResponse.Status, JSON) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            ($0.status, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null)
        }
    }

    func get(_ path: String) async throws -> (HTTPResponse.Status, JSON) { try await send(.get, path) }
    func post(_ path: String, _ body: String) async throws -> (HTTPResponse.Status, JSON) { try await send(.post, path, body: body) }
}

import FHIRModels
import Foundation
import HTTPTypes
import Membership

/// Request parameters of the token and membership endpoints: `application/x-www-form-urlencoded` (RFC 6749) or a
/// JSON object of strings (what the mobile app sends).
struct AuthParameters {
    var values: [String: String] = [:]

    init(values: [String: String]) {
        self.values = values
    }

    /// Parses a body by its content type; `invalid_request` for anything unreadable.
    init(body: [UInt8], contentType: String?) throws(TokenError) {
        let media = contentType.map { FHIRFormat.mediaTypeName($0) } ?? ""
        if media == "application/json" || (media.isEmpty && body.first == UInt8(ascii: "{")) {
            guard let json = try? JSONParser.parse(body, maxDepth: 8), case .object(let members) = json else {
                throw TokenError.invalidRequest("the body must be a JSON object")
            }
            for member in members where values[member.key] == nil {
                switch member.value {
                case .string(let text): values[member.key] = text
                case .number(let text): values[member.key] = text
                case .bool(let flag): values[member.key] = flag ? "true" : "false"
                case .null: continue
                default: throw TokenError.invalidRequest("\(member.key) must be a string")
                }
            }
        } else if media == "application/x-www-form-urlencoded" || media.isEmpty {
            // RFC 6749 §3.2: parameters sent without a value are treated as omitted; repeated ones are an error.
            for item in QueryParameters(parsing: Substring(String(decoding: body, as: UTF8.self))).items {
                guard values[item.name] == nil else { throw TokenError.invalidRequest("\(item.name) is repeated") }
                if !item.value.isEmpty { values[item.name] = item.value }
            }
        } else {
            throw TokenError.invalidRequest("the body must be application/x-www-form-urlencoded or application/json")
        }
        // No name, password, code or token holds a NUL, and PostgreSQL text cannot store one (SQLSTATE 22021).
        if values.contains(where: { $0.key.utf8.contains(0) || $0.value.utf8.contains(0) }) {
            throw TokenError.invalidRequest("parameters cannot contain a NUL character")
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// A required parameter, or `invalid_request` naming it.
    func required(_ name: String) throws(TokenError) -> String {
        guard let value = values[name], !value.isEmpty else { throw TokenError.invalidRequest("\(name) is required") }
        return value
    }
}

/// Client credentials from HTTP Basic (RFC 6749 §2.3.1, form-encoded id and secret) or the body.
func clientCredentials(headers: HTTPFields, parameters: AuthParameters) throws(TokenError) -> (id: String, secret: String)? {
    if let header = headers[.authorization], header.lowercased().hasPrefix("basic ") {
        guard let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { throw TokenError.invalidClient }
        if parameters["client_secret"] != nil { throw TokenError.invalidRequest("use one client authentication method") }
        let id = percentDecode(text[..<colon], plusIsSpace: true)
        let secret = percentDecode(text[text.index(after: colon)...], plusIsSpace: true)
        guard !id.utf8.contains(0), !secret.utf8.contains(0) else { throw TokenError.invalidClient }
        return (id, secret)
    }
    if let id = parameters["client_id"], let secret = parameters["client_secret"] { return (id, secret) }
    return nil
}

/// JSON answers of the token and membership endpoints.
enum AuthJSON {
    /// A JSON object answer, never cached (RFC 6749 §5.1).
    static func answer(_ members: [JSONMember], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> FHIRResponse {
        var writer = JSONWriter()
        writer.writeJSON(.object(members))
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("Pragma")!] = "no-cache"
        return FHIRResponse(status: status, headers: fields, body: writer.bytes)
    }

    /// An RFC 6749 §5.2 error.
    static func error(_ error: TokenError) -> FHIRResponse {
        var headers: HTTPFields = [:]
        if error.status == 401 { headers[.wwwAuthenticate] = "Basic realm=\"imis-fhir\"" }
        if let retry = error.retryAfter { headers[.retryAfter] = String(retry) }
        return answer([JSONMember("error", .string(error.code)), JSONMember("error_description", .string(error.description))],
                      status: HTTPResponse.Status(code: error.status), headers: headers)
    }

    static func number<I: BinaryInteger>(_ value: I) -> JSON { .number(String(value)) }
    static func string(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
}

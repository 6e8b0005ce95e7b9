/// A parsed JSON document that keeps numbers as their exact source text.
///
/// FHIR decimals must round-trip with their precision (`1.50` stays `1.50`, `1e2` stays `1e2`;
/// http://hl7.org/fhir/R4/json.html#primitive), so numbers are never converted to `Double` here.
/// Object members keep their order.
public enum JSON: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written in the source (validated against RFC 8259 grammar).
    case number(String)
    case string(String)
    case array([JSON])
    case object([JSONMember])

    /// A short name of the JSON type, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The value of `key` when this is an object (first occurrence).
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        for m in members where m.key == key { return m.value }
        return nil
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSON
    public init(_ key: String, _ value: JSON) {
        self.key = key
        self.value = value
    }
}

/// A JSON syntax error with the byte offset where it was found.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "JSON syntax error at byte \(offset): \(message)" }
}

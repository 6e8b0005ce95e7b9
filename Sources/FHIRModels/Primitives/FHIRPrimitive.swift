/// A FHIR primitive element: an optional value plus the element's own `id` and `extension`
/// (written in JSON as the `_name` sibling; http://hl7.org/fhir/R4/json.html#primitive).
public struct FHIRPrimitive<Value: FHIRPrimitiveValue>: Hashable, Sendable {
    public var value: Value?
    public var id: String?
    public var `extension`: [Extension]?

    public init(_ value: Value?, id: String? = nil, extension: [Extension]? = nil) {
        self.value = value
        self.id = id
        self.extension = `extension`
    }

    /// Whether the `_name` sibling has something to say.
    var hasElementContent: Bool {
        (id.map { !$0.isEmpty } ?? false) || !(self.extension?.isEmpty ?? true)
    }

    func encodeElementContent(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("extension", self.extension)
        writer.endObject()
    }
}

extension FHIRPrimitive: ExpressibleByUnicodeScalarLiteral where Value: ExpressibleByStringLiteral {
    public init(unicodeScalarLiteral value: Value.StringLiteralType) {
        self.init(Value(stringLiteral: value))
    }
}

extension FHIRPrimitive: ExpressibleByExtendedGraphemeClusterLiteral where Value: ExpressibleByStringLiteral {
    public init(extendedGraphemeClusterLiteral value: Value.StringLiteralType) {
        self.init(Value(stringLiteral: value))
    }
}

extension FHIRPrimitive: ExpressibleByStringLiteral where Value: ExpressibleByStringLiteral {
    public init(stringLiteral value: Value.StringLiteralType) {
        self.init(Value(stringLiteral: value))
    }
}

extension FHIRPrimitive: ExpressibleByBooleanLiteral where Value == Bool {
    public init(booleanLiteral value: Bool) { self.init(value) }
}

extension FHIRPrimitive: ExpressibleByIntegerLiteral where Value: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Value.IntegerLiteralType) {
        self.init(Value(integerLiteral: value))
    }
}

/// The value space of a FHIR primitive type: how it is read from and written to a JSON scalar.
public protocol FHIRPrimitiveValue: Hashable, Sendable {
    /// Reads the value from a JSON scalar; records an issue in `ctx` and returns nil when invalid.
    static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> Self?
    /// Writes the value as a JSON scalar.
    func encodeValue(to writer: inout JSONWriter)
    /// Values that must not be written (the empty string).
    var isEmptyValue: Bool { get }
}

extension FHIRPrimitiveValue {
    public var isEmptyValue: Bool { false }
}

extension DecodingContext {
    /// Records a primitive value of the wrong JSON type (e.g. `"true"` for a boolean).
    mutating func wrongScalar(_ json: JSON, expected: String) {
        issue(.value, "expected \(expected), found \(json.kindName)")
    }
}

extension Bool: FHIRPrimitiveValue {
    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> Bool? {
        guard case .bool(let b) = json else {
            ctx.wrongScalar(json, expected: "boolean")
            return nil
        }
        return b
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeBool(self) }
}

/// A required-binding code as a Swift enum (generated from the bound ValueSet).
public protocol FHIRCodeEnum: FHIRPrimitiveValue, RawRepresentable, CaseIterable where RawValue == String {
    /// The canonical URL of the ValueSet the codes come from.
    static var valueSetURL: String { get }
}

extension FHIRCodeEnum {
    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> Self? {
        guard case .string(let s) = json else {
            ctx.wrongScalar(json, expected: "string")
            return nil
        }
        if let code = Self(rawValue: s) { return code }
        if FHIRStringKinds.Code.validate(s) != nil {
            ctx.issue(.value, "invalid code '\(s)'")
        } else {
            ctx.issue(.codeInvalid, "code '\(s)' is not in the required value set \(valueSetURL)")
        }
        return nil
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeString(rawValue) }
}

/// FHIR `integer`: a signed 32-bit whole number (http://hl7.org/fhir/R4/datatypes.html#integer).
public struct FHIRInteger: FHIRPrimitiveValue, ExpressibleByIntegerLiteral, Comparable {
    public var value: Int32
    public init(_ value: Int32) { self.value = value }
    public init(integerLiteral value: Int32) { self.value = value }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> FHIRInteger? {
        guard let v = decodeWholeNumber(json, ctx: &ctx, range: Int64(Int32.min)...Int64(Int32.max), type: "integer")
        else { return nil }
        return FHIRInteger(Int32(v))
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeRaw(String(value)) }
}

/// FHIR `unsignedInt`: 0 to 2,147,483,647.
public struct FHIRUnsignedInt: FHIRPrimitiveValue, ExpressibleByIntegerLiteral, Comparable {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(integerLiteral value: UInt32) { self.value = value }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> FHIRUnsignedInt? {
        guard let v = decodeWholeNumber(json, ctx: &ctx, range: 0...Int64(Int32.max), type: "unsignedInt")
        else { return nil }
        return FHIRUnsignedInt(UInt32(v))
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeRaw(String(value)) }
}

/// FHIR `positiveInt`: 1 to 2,147,483,647.
public struct FHIRPositiveInt: FHIRPrimitiveValue, ExpressibleByIntegerLiteral, Comparable {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(integerLiteral value: UInt32) { self.value = value }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> FHIRPositiveInt? {
        guard let v = decodeWholeNumber(json, ctx: &ctx, range: 1...Int64(Int32.max), type: "positiveInt")
        else { return nil }
        return FHIRPositiveInt(UInt32(v))
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeRaw(String(value)) }
}

private func decodeWholeNumber(
    _ json: JSON, ctx: inout DecodingContext, range: ClosedRange<Int64>, type: String
) -> Int64? {
    guard case .number(let text) = json else {
        ctx.wrongScalar(json, expected: "\(type) (a JSON number)")
        return nil
    }
    guard let v = Int64(text) else {
        ctx.issue(.value, "'\(text)' is not a valid \(type)")
        return nil
    }
    guard range.contains(v) else {
        ctx.issue(.value, "\(text) is out of range for \(type)")
        return nil
    }
    return v
}

/// FHIR `decimal`, kept as its exact JSON text so that precision round-trips
/// (`1.50` stays `1.50`; http://hl7.org/fhir/R4/datatypes.html#decimal).
public struct FHIRDecimal: FHIRPrimitiveValue, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The decimal as written, in JSON number syntax.
    public let text: String

    /// Creates a decimal from JSON number text; nil when the text is not a JSON number.
    public init?(validating text: String) {
        guard Self.isJSONNumber(text) else { return nil }
        self.text = text
    }

    /// Creates a decimal from number text known to be valid (literals in code).
    public init(stringLiteral value: String) { self.text = value }
    public init(integerLiteral value: Int) { self.text = String(value) }

    public var description: String { text }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> FHIRDecimal? {
        guard case .number(let text) = json else {
            ctx.wrongScalar(json, expected: "decimal (a JSON number)")
            return nil
        }
        return FHIRDecimal(uncheckedText: text)
    }

    init(uncheckedText: String) { self.text = uncheckedText }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeRaw(text) }

    /// Equality is by value and precision: `1.5` and `1.50` are different decimals in FHIR.
    static func isJSONNumber(_ text: String) -> Bool {
        guard case .number? = try? JSONParser.parse(text) else { return false }
        return true
    }
}

/// The lexical rules of one string-based FHIR primitive type.
public protocol FHIRStringKind: Sendable {
    /// The FHIR type name, for messages.
    static var typeName: String { get }
    /// Returns nil when `text` is valid, else a reason.
    static func validate(_ text: String) -> String?
}

/// A value of a string-based FHIR primitive (`string`, `code`, `id`, `uri`, `url`, `canonical`,
/// `oid`, `uuid`, `markdown`, `base64Binary`, `xhtml`), checked against that type's regex
/// (http://hl7.org/fhir/R4/datatypes.html#primitive).
public struct FHIRStringValue<Kind: FHIRStringKind>: FHIRPrimitiveValue, ExpressibleByStringLiteral,
    CustomStringConvertible, Comparable
{
    public var string: String
    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { self.string = value }
    public var description: String { string }
    public var isEmptyValue: Bool { string.isEmpty }
    public static func < (a: Self, b: Self) -> Bool { a.string < b.string }

    public static func decodeValue(_ json: JSON, ctx: inout DecodingContext) -> Self? {
        guard case .string(let s) = json else {
            ctx.wrongScalar(json, expected: "\(Kind.typeName) (a JSON string)")
            return nil
        }
        if let reason = Kind.validate(s) {
            ctx.issue(s.isEmpty ? .structure : .value, reason)
            return nil
        }
        return Self(s)
    }

    public func encodeValue(to writer: inout JSONWriter) { writer.writeString(string) }
}

public typealias FHIRString = FHIRStringValue<FHIRStringKinds.PlainString>
public typealias FHIRMarkdown = FHIRStringValue<FHIRStringKinds.Markdown>
public typealias FHIRCode = FHIRStringValue<FHIRStringKinds.Code>
public typealias FHIRId = FHIRStringValue<FHIRStringKinds.Id>
public typealias FHIRURI = FHIRStringValue<FHIRStringKinds.URI>
public typealias FHIRURL = FHIRStringValue<FHIRStringKinds.URL>
public typealias FHIRCanonical = FHIRStringValue<FHIRStringKinds.Canonical>
public typealias FHIROID = FHIRStringValue<FHIRStringKinds.OID>
public typealias FHIRUUID = FHIRStringValue<FHIRStringKinds.UUID>
public typealias FHIRBase64Binary = FHIRStringValue<FHIRStringKinds.Base64Binary>
public typealias FHIRXHTML = FHIRStringValue<FHIRStringKinds.XHTML>

/// The lexical rules of the string-based primitive types.
public enum FHIRStringKinds {
    static func empty(_ text: String) -> String? { text.isEmpty ? "empty string is not allowed" : nil }

    /// U+0000 in a string: FHIR strings hold no control characters but tab, LF and CR
    /// (http://hl7.org/fhir/R4/datatypes.html#string), and of these NUL is the one a store cannot keep (PostgreSQL
    /// text refuses it) nor many clients read; the others are kept and escaped on output.
    static func nul(_ text: String) -> String? {
        text.utf8.contains(0) ? "a string must not contain the NUL character (U+0000)" : nil
    }

    static func hasNonWhitespace(_ text: String) -> Bool {
        text.unicodeScalars.contains { !$0.properties.isWhitespace }
    }

    public enum PlainString: FHIRStringKind {
        public static let typeName = "string"
        public static func validate(_ text: String) -> String? {
            if let e = empty(text) { return e }
            if let n = nul(text) { return n }
            if !hasNonWhitespace(text) { return "a string must contain non-whitespace content" }
            if text.utf8.count > 1_048_576 { return "string longer than 1 MB" }
            return nil
        }
    }

    public enum Markdown: FHIRStringKind {
        public static let typeName = "markdown"
        public static func validate(_ text: String) -> String? { PlainString.validate(text) }
    }

    public enum Code: FHIRStringKind {
        public static let typeName = "code"
        /// `[^\s]+(\s[^\s]+)*`: no leading, trailing or double whitespace.
        public static func validate(_ text: String) -> String? {
            if let e = empty(text) { return e }
            if let n = nul(text) { return n }
            var previousWasSpace = true
            for scalar in text.unicodeScalars {
                let space = scalar.properties.isWhitespace
                if space && previousWasSpace { return "invalid code '\(text)': leading or repeated whitespace" }
                previousWasSpace = space
            }
            if previousWasSpace { return "invalid code '\(text)': trailing whitespace" }
            return nil
        }
    }

    public enum Id: FHIRStringKind {
        public static let typeName = "id"
        /// `[A-Za-z0-9\-\.]{1,64}`
        public static func validate(_ text: String) -> String? {
            if let e = empty(text) { return e }
            let ok = text.utf8.count <= 64 && text.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E
            }
            return ok ? nil : "invalid id '\(text)': must match [A-Za-z0-9\\-\\.]{1,64}"
        }
    }

    public enum URI: FHIRStringKind {
        public static let typeName = "uri"
        /// `\S*` (and not empty).
        public static func validate(_ text: String) -> String? {
            if let e = empty(text) { return e }
            if let n = nul(text) { return n }
            return text.unicodeScalars.contains(where: { $0.properties.isWhitespace })
                ? "invalid \(typeName): must not contain whitespace" : nil
        }
    }

    public enum URL: FHIRStringKind {
        public static let typeName = "url"
        public static func validate(_ text: String) -> String? { URI.validate(text) }
    }

    public enum Canonical: FHIRStringKind {
        public static let typeName = "canonical"
        public static func validate(_ text: String) -> String? { URI.validate(text) }
    }

    public enum OID: FHIRStringKind {
        public static let typeName = "oid"
        /// `urn:oid:[0-2](\.(0|[1-9][0-9]*))+`
        public static func validate(_ text: String) -> String? {
            let bad = "invalid oid '\(text)'"
            guard text.hasPrefix("urn:oid:") else { return bad }
            let arcs = text.dropFirst(8).split(separator: ".", omittingEmptySubsequences: false)
            guard arcs.count >= 2, let first = arcs.first, ["0", "1", "2"].contains(first) else { return bad }
            for arc in arcs.dropFirst() {
                guard !arc.isEmpty, arc.allSatisfy(\.isASCII), arc.allSatisfy(\.isNumber),
                    arc == "0" || !arc.hasPrefix("0")
                else { return bad }
            }
            return nil
        }
    }

    public enum UUID: FHIRStringKind {
        public static let typeName = "uuid"
        /// `urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
        public static func validate(_ text: String) -> String? {
            guard text.hasPrefix("urn:uuid:") else { return "invalid uuid '\(text)': must be urn:uuid:<lower-case UUID>" }
            return isLowerUUID(text.dropFirst(9)) ? nil : "invalid uuid '\(text)': must be urn:uuid:<lower-case UUID>"
        }

        static func isLowerUUID(_ s: Substring) -> Bool {
            let groups = s.split(separator: "-", omittingEmptySubsequences: false)
            guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
            return groups.allSatisfy { $0.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) } }
        }
    }

    public enum Base64Binary: FHIRStringKind {
        public static let typeName = "base64Binary"
        /// `(\s*([0-9a-zA-Z\+\=]){4}\s*)+` (with `/`, which the regex in the spec omits by mistake).
        public static func validate(_ text: String) -> String? {
            if let e = empty(text) { return e }
            var count = 0
            for b in text.utf8 {
                switch b {
                case 0x20, 0x09, 0x0A, 0x0D: continue
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
                    count += 1
                default: return "invalid base64Binary: unexpected character"
                }
            }
            return count % 4 == 0 ? nil : "invalid base64Binary: length is not a multiple of 4"
        }
    }

    public enum XHTML: FHIRStringKind {
        public static let typeName = "xhtml"
        public static func validate(_ text: String) -> String? {
            if let e = empty(text) { return e }
            if let n = nul(text) { return n }
            return text.hasPrefix("<div") ? nil : "xhtml narrative must be a <div> element"
        }
    }
}

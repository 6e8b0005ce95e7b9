/// A FHIR complex element (datatype, backbone element or resource) that reads and writes FHIR JSON.
public protocol FHIRElement: Hashable, Sendable {
    /// Decodes from JSON, recording every problem in `ctx`; throws ``DecodeAbort`` when the element
    /// cannot be built (the reason is already recorded).
    init(json: JSON, ctx: inout DecodingContext) throws(DecodeAbort)
    /// Writes the element as a JSON object.
    func encode(to writer: inout JSONWriter)
}

/// A FHIR resource type (http://hl7.org/fhir/R4/resource.html).
public protocol FHIRResource: FHIRElement {
    static var resourceType: String { get }
    var id: String? { get set }
    var meta: Meta? { get set }
}

/// A resource with narrative, contained resources and extensions (http://hl7.org/fhir/R4/domainresource.html).
public protocol FHIRDomainResource: FHIRResource {
    var contained: [Resource]? { get set }
    var `extension`: [Extension]? { get set }
}

extension FHIRElement {
    /// The FHIR JSON bytes of this element.
    public func jsonBytes(pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        encode(to: &writer)
        return writer.bytes
    }

    /// The FHIR JSON text of this element.
    public func jsonString(pretty: Bool = false) -> String {
        String(decoding: jsonBytes(pretty: pretty), as: UTF8.self)
    }
}

extension FHIRResource {
    /// Decodes and validates a resource of this type from FHIR JSON bytes.
    public static func decode(_ bytes: [UInt8]) throws(FHIRValidationError) -> Self {
        let resource = try Resource.decode(bytes)
        guard let typed = resource.as(Self.self) else {
            throw FHIRValidationError(issues: [
                ValidationIssue(
                    code: .structure, path: "",
                    message: "expected resourceType '\(Self.resourceType)', found '\(resource.resourceType)'")
            ])
        }
        return typed
    }

    /// Decodes and validates a resource of this type from FHIR JSON text.
    public static func decode(_ text: String) throws(FHIRValidationError) -> Self {
        try decode(Array(text.utf8))
    }
}

extension Resource {
    /// Decodes and validates any served resource from FHIR JSON bytes: syntax, structure,
    /// cardinality, primitive formats, required bindings and the invariants (ele-1, ext-1,
    /// dom-2…dom-5, bdl-*) declared in the `+Invariants` files.
    public static func decode(_ bytes: [UInt8]) throws(FHIRValidationError) -> Resource {
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw FHIRValidationError(issues: [ValidationIssue(code: .structure, path: "", message: error.description)])
        }
        return try decode(json: json)
    }

    /// Decodes and validates any served resource from a parsed JSON document.
    public static func decode(json: JSON) throws(FHIRValidationError) -> Resource {
        var ctx = DecodingContext()
        guard case .object = json else {
            throw FHIRValidationError(issues: [
                ValidationIssue(code: .structure, path: "", message: "a resource must be a JSON object")
            ])
        }
        let resource = try? Resource(json: json, ctx: &ctx)
        if let resource, !ctx.issues.contains(where: { $0.severity == .error }) {
            return resource
        }
        throw FHIRValidationError(issues: ctx.issues)
    }

    /// Validates a resource built in memory (e.g. one the server is about to emit) by writing it
    /// and reading it back through the strict decoder; returns the problems found.
    public static func validate(_ resource: Resource) -> [ValidationIssue] {
        do {
            _ = try decode(resource.jsonBytes())
            return []
        } catch {
            return error.issues
        }
    }
}

import Foundation

/// FHIR JSON media type and the format rules of http://hl7.org/fhir/R4/http.html#mime-type.
public enum FHIRFormat {
    public static let mediaType = "application/fhir+json; charset=utf-8"

    static let jsonTypes: Set<String> = ["application/fhir+json", "application/json", "application/json+fhir", "json"]
    static let xmlTypes: Set<String> = ["application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml", "xml"]

    /// Checks `_format` and `Accept`; throws 406 when only a format the server cannot write is acceptable.
    public static func checkAcceptable(format: String?, accept: String?) throws(FHIRError) {
        if let format {
            let type = mediaTypeName(format)
            if jsonTypes.contains(type) { return }
            throw FHIRError(.notAcceptable, "_format '\(format)' is not supported: this server speaks FHIR JSON only")
        }
        guard let accept, !accept.isEmpty else { return }
        let types = accept.split(separator: ",").map { mediaTypeName(String($0)) }
        if types.contains(where: { jsonTypes.contains($0) || $0 == "*/*" || $0 == "application/*" || $0.isEmpty }) {
            return
        }
        throw FHIRError(.notAcceptable, "none of the accepted types (\(accept)) can be produced: use application/fhir+json")
    }

    /// Checks the `Content-Type` of a request body holding a resource; throws 415 otherwise.
    public static func checkBodyType(_ contentType: String?) throws(FHIRError) {
        guard let contentType, !contentType.isEmpty else { return }
        let type = mediaTypeName(contentType)
        if jsonTypes.contains(type) { return }
        if xmlTypes.contains(type) {
            throw FHIRError(.unsupportedMediaType, "XML is not supported: send application/fhir+json")
        }
        throw FHIRError(.unsupportedMediaType, "unsupported Content-Type '\(contentType)': send application/fhir+json")
    }

    /// `application/fhir+json; charset=utf-8` → `application/fhir+json`.
    static func mediaTypeName(_ value: String) -> String {
        let name = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return name.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

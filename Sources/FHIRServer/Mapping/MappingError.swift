import FHIRModels

/// Why a posted resource cannot be written to the openIMIS rows.
///
/// `path` is the FHIRPath of the offending element (`Patient.identifier`,
/// `Patient.extension[2]`); the HTTP layer turns the error into an OperationOutcome with that
/// path as `issue.expression`: `.required`, `.invalidValue` and `.unknownReference` are business
/// rule failures (422), `.unmappedElement` is the "rule: refuse" of mapping.md decision 5 (422).
public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// An element the mapping needs is missing.
        case required
        /// An element is present but its value cannot be mapped (unknown code, bad date, ...).
        case invalidValue
        /// A reference (or business code) names no current row.
        case unknownReference
        /// An element has no column to go to; the write is refused rather than losing it.
        case unmappedElement
    }

    public var kind: Kind
    /// FHIRPath of the element.
    public var path: String
    /// A message for `OperationOutcome.issue.diagnostics` (never echoes more than the element's value).
    public var message: String

    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { "\(kind.rawValue) at \(path): \(message)" }

    /// The error as a model-layer validation issue (`required`, `value`, `code-invalid`, `not-supported`).
    public var validationIssue: ValidationIssue {
        let code: ValidationIssue.Code
        switch kind {
        case .required: code = .required
        case .invalidValue: code = .value
        case .unknownReference: code = .codeInvalid
        case .unmappedElement: code = .notSupported
        }
        return ValidationIssue(code: code, path: path, message: message)
    }

    static func required(_ path: String, _ message: String) -> MappingError { MappingError(.required, path: path, message) }
    static func invalid(_ path: String, _ message: String) -> MappingError { MappingError(.invalidValue, path: path, message) }
    static func unknown(_ path: String, _ message: String) -> MappingError {
        MappingError(.unknownReference, path: path, message)
    }
    static func unmapped(_ path: String, _ what: String? = nil) -> MappingError {
        MappingError(
            .unmappedElement, path: path,
            "\(what ?? path) has no openIMIS column and would be lost; remove it from the resource")
    }
}

extension MappingError {
    /// The error as the FHIR surface's error: 422 with one issue at ``path``.
    public var fhirError: FHIRError {
        FHIRError(.unprocessable, message, issues: [validationIssue])
    }
}

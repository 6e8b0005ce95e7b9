import FHIRModels
import HTTPTypes

/// The one error type of the FHIR surface. Its category decides the HTTP status and the
/// `OperationOutcome.issue.code` (http://hl7.org/fhir/R4/http.html#ops); its message becomes
/// `diagnostics` and must never carry SQL, secrets, tokens or personal data.
public struct FHIRError: Error, Sendable, CustomStringConvertible {
    public enum Category: Sendable, Hashable {
        /// 400: unparseable or invalid request or resource.
        case invalid
        /// 400: a search parameter, modifier or value the server cannot process.
        case badSearch
        /// 401: no or bad credentials.
        case unauthorized
        /// 403: authenticated but not allowed.
        case forbidden
        /// 404: unknown type, id or route.
        case notFound
        /// 405: the route exists but not with this method.
        case methodNotAllowed
        /// 406: a response format the server cannot produce.
        case notAcceptable
        /// 409: version conflict or duplicate.
        case conflict
        /// 410: the resource was deleted.
        case gone
        /// 412: If-Match / If-None-Exist precondition failed.
        case preconditionFailed
        /// 413: body too large.
        case tooLarge
        /// 415: a body format the server cannot read.
        case unsupportedMediaType
        /// 422: a valid resource that breaks a business rule.
        case unprocessable
        /// 429: rate limited.
        case tooManyRequests
        /// 500: a fault of the server (never caused by input).
        case server
        /// 408: the request did not arrive within the connection's header or body timeout.
        case requestTimeout
        /// 431: the request head is larger than the server reads.
        case headersTooLarge
        /// 503: the database cannot be reached or is too busy now; `Retry-After` says when to try again.
        case unavailable
    }

    public var category: Category
    public var message: String
    /// Locations of the problems (FHIRPath), one issue per entry when several.
    public var issues: [ValidationIssue]
    /// Extra response headers (WWW-Authenticate, Retry-After, Allow).
    public var headers: HTTPFields

    public init(_ category: Category, _ message: String, issues: [ValidationIssue] = [], headers: HTTPFields = [:]) {
        self.category = category
        self.message = message
        self.issues = issues
        self.headers = headers
    }

    public var description: String { "\(category): \(message)" }

    /// The HTTP status for the category.
    public var status: HTTPResponse.Status {
        switch category {
        case .invalid, .badSearch: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .notAcceptable: return .notAcceptable
        case .conflict: return .conflict
        case .gone: return .gone
        case .preconditionFailed: return .preconditionFailed
        case .tooLarge: return .contentTooLarge
        case .unsupportedMediaType: return .unsupportedMediaType
        case .unprocessable: return .unprocessableContent
        case .tooManyRequests: return .tooManyRequests
        case .server: return .internalServerError
        case .requestTimeout: return .requestTimeout
        case .headersTooLarge: return .requestHeaderFieldsTooLarge
        case .unavailable: return .serviceUnavailable
        }
    }

    /// The `OperationOutcome.issue.code` for the category.
    public var issueType: IssueType {
        switch category {
        case .invalid: return .invalid
        case .badSearch: return .notSupported
        case .unauthorized: return .login
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .methodNotAllowed: return .notSupported
        case .notAcceptable, .unsupportedMediaType: return .notSupported
        case .conflict: return .conflict
        case .gone: return .deleted
        case .preconditionFailed: return .conflict
        case .tooLarge: return .tooCostly
        case .unprocessable: return .businessRule
        case .tooManyRequests: return .throttled
        case .server: return .exception
        case .requestTimeout: return .timeout
        case .headersTooLarge: return .tooLong
        case .unavailable: return .transient
        }
    }

    /// The error as an OperationOutcome: one issue per validation problem, or one for the message.
    public var operationOutcome: OperationOutcome {
        var outcomeIssues: [OperationOutcomeIssue] = issues.map { issue in
            OperationOutcomeIssue(
                severity: FHIRPrimitive(issue.severity == .error ? .error : .warning),
                code: FHIRPrimitive(IssueType(rawValue: issue.code.rawValue) ?? issueType),
                diagnostics: FHIRPrimitive(FHIRString(Self.printable(issue.message))),
                expression: issue.path.isEmpty ? nil : [FHIRPrimitive(FHIRString(Self.printable(issue.path)))])
        }
        if outcomeIssues.isEmpty {
            outcomeIssues = [
                OperationOutcomeIssue(
                    severity: FHIRPrimitive(category == .server ? .fatal : .error), code: FHIRPrimitive(issueType),
                    diagnostics: FHIRPrimitive(FHIRString(Self.printable(message))))
            ]
        }
        return OperationOutcome(issue: outcomeIssues)
    }

    /// `text` as an OperationOutcome may carry it: the control characters a client sent (echoed in an id, a key, a
    /// parameter) become U+FFFD, since FHIR strings hold none but tab, LF and CR (datatypes.html#string).
    static func printable(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" ? "\u{FFFD}" : scalar
        }))
    }

    /// An invalid resource, from the model layer's validation error.
    public static func invalidResource(_ error: FHIRValidationError) -> FHIRError {
        FHIRError(.invalid, "the resource is not valid FHIR R4", issues: error.issues)
    }
}

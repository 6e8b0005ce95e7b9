import HTTPTypes
import Membership

/// One row of the route table (``RouteTable``): a method, a path under a mount, the format of its refusals, and its
/// handler, whose kind says what authentication the route needs.
public struct Route: Sendable {
    /// One segment of a path pattern.
    public enum Segment: Sendable, Equatable {
        case literal(String)
        /// A FHIR resource type (`Patient`): starts with an upper-case letter.
        case type
        /// A FHIR logical id: neither `_` nor `$` first.
        case id
        /// A FHIR version id.
        case version
        /// Any segment (`{token}`, `{uuid}`), given to the handler in ``RouteRequest/parameters``.
        case parameter
    }

    /// nil: any method (the health checks).
    public let method: HTTPRequest.Method?
    let mount: RouteMount
    public let segments: [Segment]
    let dialect: RouteDialect
    let handler: RouteHandler
    /// The FHIR interaction of a FHIR row (nil for the other surfaces).
    public let interaction: Interaction?
    /// The rate-limit budget a request to this route spends (``RequestBudget``).
    let budget: RequestBudget

    /// A row of any surface; `pattern` is relative to the mount (`otp/resend`, `card/{uuid}`).
    /// A row of any surface; `pattern` is relative to the mount (`otp/resend`, `card/{uuid}`). `budget` overrides
    /// the budget its kind implies (``RequestBudget/implied(method:mount:handler:)``).
    init(_ method: HTTPRequest.Method?, _ mount: RouteMount, _ pattern: String, _ dialect: RouteDialect,
         _ handler: RouteHandler, budget: RequestBudget? = nil) {
        self.method = method
        self.mount = mount
        self.segments = Self.segments(pattern)
        self.dialect = dialect
        self.handler = handler
        self.interaction = nil
        self.budget = budget ?? RequestBudget.implied(method: method, mount: mount, handler: handler)
    }

    /// A FHIR interaction that needs a bearer token, under the FHIR base and the openIMIS alias; refusals are
    /// OperationOutcomes. The handler gets the principal.
    init(_ method: HTTPRequest.Method, _ pattern: String, _ interaction: Interaction,
         _ handler: @escaping FHIRHandler) {
        self.method = method
        self.mount = .fhir
        self.segments = Self.segments(pattern)
        self.dialect = .outcome
        self.handler = .fhir(handler)
        self.interaction = interaction
        self.budget = .api
    }

    /// A FHIR interaction that needs a bearer token, whose handler does not look at the principal (the access
    /// decision before it has: ``FHIRService/handle(_:principal:)``).
    init(_ method: HTTPRequest.Method, _ pattern: String, _ interaction: Interaction,
         _ handler: @escaping OpenFHIRHandler) {
        self.init(method, pattern, interaction) { service in
            { (request: FHIRRequest, _: Principal) async throws(FHIRError) -> FHIRResponse in
                try await handler(service)(request)
            }
        }
    }

    /// A FHIR interaction open to anyone (`/metadata`).
    init(_ method: HTTPRequest.Method, _ pattern: String, _ interaction: Interaction,
         open handler: @escaping OpenFHIRHandler) {
        self.method = method
        self.mount = .fhir
        self.segments = Self.segments(pattern)
        self.dialect = .outcome
        self.handler = .openFHIR(handler)
        self.interaction = interaction
        self.budget = .openDocument
    }

    static func segments(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/").map { part in
            switch part {
            case "{type}": return .type
            case "{id}": return .id
            case "{vid}": return .version
            default: return part.hasPrefix("{") ? .parameter : .literal(String(part))
            }
        }
    }

    /// What the route asks of its caller.
    var authentication: RouteAuthentication {
        switch handler {
        case .open, .openFHIR: .none
        case .credentials: .credentials
        case .bearer, .fhir: .bearer
        }
    }

    /// Whether `method` is this row's; HEAD is answered as GET on the routes whose refusals are OperationOutcomes
    /// (the FHIR API), not on the others.
    func accepts(_ method: HTTPRequest.Method) -> Bool {
        guard let own = self.method else { return true }
        return own == method || (method == .head && own == .get && dialect == .outcome)
    }
}

/// A FHIR handler (a method of ``FHIRService``): runs for a verified principal, after the access decision
/// (``FHIRService/handle(_:principal:)``).
typealias FHIRHandler = @Sendable (FHIRService) -> (FHIRRequest, Principal) async throws(FHIRError) -> FHIRResponse
/// A FHIR handler that does not take the principal.
typealias OpenFHIRHandler = @Sendable (FHIRService) -> (FHIRRequest) async throws(FHIRError) -> FHIRResponse

/// The handler of a row; its kind is the authentication the route needs.
enum RouteHandler: Sendable {
    /// No token needed.
    case open(@Sendable (RouteRequest) async throws -> FHIRResponse)
    /// The endpoint checks the credentials it is given itself (a password, a refresh token, client credentials).
    case credentials(@Sendable (RouteRequest) async throws -> FHIRResponse)
    /// A valid bearer token: the handler gets its principal; without one the router answers 401.
    case bearer(@Sendable (RouteRequest, Principal) async throws -> FHIRResponse)
    /// A FHIR interaction that needs a bearer token.
    case fhir(FHIRHandler)
    /// A FHIR interaction open to anyone.
    case openFHIR(OpenFHIRHandler)
}

/// What a route asks of its caller (security.md, Access control).
enum RouteAuthentication: Sendable, Hashable {
    case none
    /// Credentials in the request, checked by the endpoint (RFC 6749 §2.3, §4.3).
    case credentials
    /// `Authorization: Bearer` with a valid access token (RFC 6750).
    case bearer
}

/// The format of a route's refusals (404, 405, 401, 400) and of its handler's errors.
enum RouteDialect: Sendable, Hashable {
    /// A FHIR OperationOutcome.
    case outcome
    /// RFC 6749 §5.2 JSON: `{"error": ..., "error_description": ...}`.
    case oauth
    /// openIMIS's membership module: `{"message": ...}`.
    case compat
}

/// Where a row's pattern starts: a base path derived from `SITE_ROOT` (``ServerConfiguration``).
enum RouteMount: Sendable, Hashable, CaseIterable {
    /// The FHIR base (`/fhir`) and the openIMIS alias (`/api/api_fhir_r4`).
    case fhir
    /// The openIMIS alias only.
    case alias
    /// `/auth`.
    case auth
    /// openIMIS's membership module (`/api/membership`).
    case compat
    /// `/membership`.
    case membership
    /// The site root (`SITE_ROOT`): the discovery document of RFC 8414.
    case site
    /// The server root, outside `SITE_ROOT`: health checks.
    case root
}

/// A request as a handler other than a FHIR interaction sees it: its parts, read once by the router.
struct RouteRequest: Sendable {
    var headers: HTTPFields
    var query: QueryParameters
    /// The body of a POST or PUT (empty otherwise).
    var body: [UInt8]
    /// The values of the pattern's `{parameter}` segments, in order.
    var parameters: [String]
    /// The peer's address (per-IP OTP limits).
    var clientIP: String
    /// The absolute URL of the auth endpoints (`http://host/auth`), for the discovery documents.
    var authBase: String
    /// The absolute URL of the FHIR base (`http://host/fhir`), for the links of `$export`.
    var fhirBase: String = ""
    let auth: AuthServices
    let service: FHIRService

    var token: TokenEndpoint { TokenEndpoint(services: auth, metrics: service.operations.metrics) }
    var membership: MembershipEndpoint { MembershipEndpoint(services: auth) }
    var compat: MembershipCompat { MembershipCompat(services: auth, service: service) }
    var enrolment: EnrolmentEndpoint { EnrolmentEndpoint(services: auth) }
}

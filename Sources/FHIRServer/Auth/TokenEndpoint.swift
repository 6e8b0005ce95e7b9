import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Membership

/// `/auth/...`: the OAuth-like token endpoint (api.md §2), revocation (RFC 7009), introspection (RFC 7662), the
/// public keys, and the discovery documents (RFC 8414, SMART App Launch 2.0).
struct TokenEndpoint: Sendable {
    let services: AuthServices
    /// Where grants and refusals are counted.
    var metrics = ServerMetrics()

    static let otpGrant = "urn:openimis:params:oauth:grant-type:otp"
    static let grantTypes = ["password", "refresh_token", "client_credentials", otpGrant]

    /// `POST /auth/token`; `authBase` is the base of the auth routes as the client reaches them (from `SITE_URL` when
    /// set), whose `/token` a client assertion's `aud` must be.
    func token(headers: HTTPFields, body: [UInt8], authBase: String) async -> FHIRResponse {
        var grantLabel = "other"
        do {
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            let grant = try parameters.required("grant_type")
            grantLabel = grant
            let tokens: IssuedTokens
            switch grant {
            case "password":
                tokens = try await services.tokens.passwordGrant(
                    username: try parameters.required("username"), password: try parameters.required("password"),
                    scope: parameters["scope"])
            case "refresh_token":
                tokens = try await services.tokens.refreshGrant(refreshToken: try parameters.required("refresh_token"),
                                                                scope: parameters["scope"])
            case Self.otpGrant:
                tokens = try await otpGrant(parameters)
            case "client_credentials" where parameters["client_assertion_type"] != nil || parameters["client_assertion"] != nil:
                tokens = try await assertionGrant(parameters, headers: headers, tokenEndpoint: "\(authBase)/token")
            case "client_credentials":
                guard let (id, secret) = try clientCredentials(headers: headers, parameters: parameters) else {
                    throw TokenError.invalidClient
                }
                tokens = try await services.tokens.clientCredentialsGrant(clientID: id, secret: secret, scope: parameters["scope"])
            default:
                throw TokenError("unsupported_grant_type", "grant_type must be one of \(Self.grantTypes.joined(separator: ", "))")
            }
            let answer = try await Self.answer(tokens, registry: services.registry)
            metrics.tokenRequest(grantType: grantLabel, granted: true)
            return answer
        } catch {
            metrics.tokenRequest(grantType: grantLabel, granted: false)
            return Self.failure(error)
        }
    }

    /// `client_credentials` with a signed client assertion (SMART Backend Services, RFC 7523 §2.2): exactly one way
    /// of authenticating the client (RFC 6749 §2.3), so no HTTP Basic and no `client_secret` beside it.
    func assertionGrant(_ parameters: AuthParameters, headers: HTTPFields, tokenEndpoint: String) async throws -> IssuedTokens {
        guard try parameters.required("client_assertion_type") == TokenService.jwtBearerAssertionType else {
            throw TokenError.invalidRequest("client_assertion_type must be \(TokenService.jwtBearerAssertionType)")
        }
        let assertion = try parameters.required("client_assertion")
        guard headers[.authorization] == nil, parameters["client_secret"] == nil else {
            throw TokenError.invalidRequest("use one client authentication method, not a client_assertion and a secret")
        }
        return try await services.tokens.assertionGrant(assertion: assertion, clientID: parameters["client_id"],
                                                        scope: parameters["scope"], tokenEndpoint: tokenEndpoint)
    }

    /// The OTP grant: with `username` and `password` it finishes a registration (the user is created in the
    /// transaction that consumes the code), without them a sign-in by code.
    func otpGrant(_ parameters: AuthParameters) async throws -> IssuedTokens {
        let otpID = try parameters.required("otp_id")
        let code = try parameters.required("otp")
        if let username = parameters["username"] {
            let password = try parameters.required("password")
            guard PasswordPolicy.accepts(password) else { throw TokenError.invalidRequest(PasswordPolicy.description) }
            let user = try await services.otp.completeRegistration(
                otpID: otpID, code: code, username: username, password: services.tokens.passwords.credentials(for: password))
            return try await services.tokens.issue(for: user, scope: parameters["scope"])
        }
        let tokens = services.tokens
        let now = tokens.now
        let secret = OpaqueSecret.make()
        let scope = parameters["scope"]
        let user = try await services.otp.completeLogin(otpID: otpID, code: code) { user in
            tokens.refreshRecord(for: user, secret: secret, scope: (try? tokens.grantedScope(for: user, requested: scope)) ?? "", now: now)
        }
        var issued = try await tokens.accessToken(for: user, scope: try tokens.grantedScope(for: user, requested: scope), now: now)
        issued.refreshToken = secret
        return issued
    }

    /// `POST /auth/otp`: starts a registration (`purpose=register`: `chfid`, `head_chfid`, `dob`, `phone` or
    /// `email`) or a sign-in by code (`purpose=login`: `username`). 202 with the same shape whatever is known.
    func startOTP(headers: HTTPFields, body: [UInt8], clientIP: String) async -> FHIRResponse {
        do {
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            let start: OTPStart
            switch try parameters.required("purpose") {
            case "register":
                guard let birthDate = LocalDate(try parameters.required("dob")) else {
                    throw TokenError.invalidRequest("dob must be a date (YYYY-MM-DD)")
                }
                start = try await services.otp.startRegistration(
                    chfid: try parameters.required("chfid"), headCHFID: try parameters.required("head_chfid"),
                    birthDate: birthDate, phone: parameters["phone"], email: parameters["email"], clientIP: clientIP)
            case "login":
                start = try await services.otp.startLogin(username: try parameters.required("username"), clientIP: clientIP)
            default:
                throw TokenError.invalidRequest("purpose must be register or login")
            }
            OTPStatistics.shared.started()
            return Self.accepted(start)
        } catch {
            return Self.failure(error)
        }
    }

    /// `POST /auth/otp/resend` `{otp_id}`: a fresh code and a fresh expiry.
    func resendOTP(headers: HTTPFields, body: [UInt8]) async -> FHIRResponse {
        do {
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            return Self.accepted(try await services.otp.resend(otpID: try parameters.required("otp_id")))
        } catch {
            return Self.failure(error)
        }
    }

    static func accepted(_ start: OTPStart) -> FHIRResponse {
        AuthJSON.answer([
            JSONMember("otp_id", .string(start.otpID)), JSONMember("expires_in", AuthJSON.number(start.expiresIn)),
            JSONMember("channel", .string(start.channel.rawValue)), JSONMember("resend_after", AuthJSON.number(start.resendAfter)),
        ], status: .accepted)
    }

    /// `GET /auth/dev/outbox` (`MODE=DEV` only): the messages sent lately, codes included, for developers.
    func outbox() -> FHIRResponse {
        guard let outbox = services.outbox else { return AuthJSON.error(TokenError("not_found", "no such endpoint", status: 404)) }
        let messages: [JSON] = outbox.recent().map { message in
            .object([
                JSONMember("channel", .string(message.channel.rawValue)), JSONMember("to", .string(message.destination)),
                JSONMember("subject", .string(message.subject)), JSONMember("text", .string(message.text)),
            ])
        }
        return AuthJSON.answer([JSONMember("messages", .array(messages))])
    }

    /// Any error as an RFC 6749 answer; storage failures become a generic 500 without details.
    static func failure(_ error: any Error) -> FHIRResponse {
        if let error = error as? TokenError { return AuthJSON.error(error) }
        if let error = error as? OTPError {
            return AuthJSON.error(TokenError(error.oauthError, error.errorDescription, status: error.httpStatus,
                                             retryAfter: error.retryAfter))
        }
        if let unavailable = DatabaseUnavailable(classifying: error) {
            // RFC 6749 §4.1.2.1's code for a server that cannot answer now.
            return AuthJSON.error(TokenError("temporarily_unavailable", "\(unavailable.reason); try again later",
                                             status: 503, retryAfter: unavailable.retryAfter))
        }
        return AuthJSON.error(TokenError("server_error", "the request could not be completed", status: 500))
    }

    /// The success answer (api.md §2): the tokens, and for people the fields the mobile app needs.
    static func answer(_ tokens: IssuedTokens, registry: any RegistryStore) async throws -> FHIRResponse {
        var members = [
            JSONMember("access_token", .string(tokens.accessToken)),
            JSONMember("token_type", .string("Bearer")),
            JSONMember("expires_in", AuthJSON.number(tokens.expiresIn)),
        ]
        if let refresh = tokens.refreshToken { members.append(JSONMember("refresh_token", .string(refresh))) }
        members.append(JSONMember("scope", .string(tokens.scope)))
        if let user = tokens.user {
            members.append(JSONMember("user", .object([
                JSONMember("username", .string(user.loginName)),
                JSONMember("first_name", .string(user.otherNames)),
                JSONMember("last_name", .string(user.lastName)),
                JSONMember("email", AuthJSON.string(user.email)),
            ])))
            members.append(JSONMember("is_officer", .bool(user.isOfficer)))
            members.append(JSONMember("is_insuree", .bool(user.insureeID != nil)))
            if let insuree = tokens.insuree {
                var family: JSON = .null
                if let familyID = insuree.familyID, let row = try await registry.record(Family.self, id: familyID) {
                    family = .string(row.uuid)
                }
                members.append(JSONMember("insuree_info", .object([
                    JSONMember("chfid", .string(insuree.chfid)),
                    JSONMember("uuid", .string(insuree.uuid)),
                    JSONMember("first_name", .string(insuree.otherNames)),
                    JSONMember("last_name", .string(insuree.lastName)),
                    JSONMember("family", family),
                ])))
            }
        }
        return AuthJSON.answer(members)
    }

    /// `POST /auth/revoke` (RFC 7009): 200 whether or not the token was known.
    func revoke(headers: HTTPFields, body: [UInt8]) async -> FHIRResponse {
        do {
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            if let (id, secret) = try clientCredentials(headers: headers, parameters: parameters) {
                _ = try await services.tokens.authenticateClient(clientID: id, secret: secret)
            }
            try await services.tokens.revoke(token: try parameters.required("token"))
            return AuthJSON.answer([])
        } catch {
            return Self.failure(error)
        }
    }

    /// `POST /auth/introspect` (RFC 7662): only for authenticated system clients.
    func introspect(headers: HTTPFields, body: [UInt8]) async -> FHIRResponse {
        do {
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            guard let (id, secret) = try clientCredentials(headers: headers, parameters: parameters) else {
                throw TokenError.invalidClient
            }
            _ = try await services.tokens.authenticateClient(clientID: id, secret: secret)
            let answer = try await services.tokens.introspect(token: try parameters.required("token"))
            let members = answer.sorted { $0.key < $1.key }.map { key, value -> JSONMember in
                switch value {
                case .bool(let flag): JSONMember(key, .bool(flag))
                case .int(let number): JSONMember(key, AuthJSON.number(number))
                case .string(let text): JSONMember(key, .string(text))
                }
            }
            return AuthJSON.answer(members)
        } catch {
            return Self.failure(error)
        }
    }

    /// `GET /auth/jwks.json`: the public key when tokens are RS256/ES256; an empty set for HS256.
    func jwks() -> FHIRResponse {
        let keys: [JSON] = services.tokens.signer.key.publicJWK.map { jwk in
            [.object(jwk.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })]
        } ?? []
        var answer = AuthJSON.answer([JSONMember("keys", .array(keys))])
        answer.headers[.cacheControl] = "public, max-age=3600"
        return answer
    }

    static let scopesSupported = ["openid", "fhirUser", "offline_access", "user/*.cruds", "patient/*.rs", "system/*.cruds"]

    /// The members RFC 8414 metadata and the SMART configuration share.
    func discovery(authBase: String) -> [JSONMember] {
        [
            JSONMember("issuer", .string(services.tokens.settings.issuer)),
            JSONMember("token_endpoint", .string("\(authBase)/token")),
            JSONMember("revocation_endpoint", .string("\(authBase)/revoke")),
            JSONMember("introspection_endpoint", .string("\(authBase)/introspect")),
            JSONMember("jwks_uri", .string("\(authBase)/jwks.json")),
            JSONMember("grant_types_supported", .array(Self.grantTypes.map { .string($0) })),
            JSONMember("token_endpoint_auth_methods_supported",
                       .array([.string("client_secret_basic"), .string("client_secret_post"), .string("private_key_jwt")])),
            JSONMember("token_endpoint_auth_signing_alg_values_supported", .array(ClientAssertion.algorithms.map { .string($0) })),
            JSONMember("scopes_supported", .array(Self.scopesSupported.map { .string($0) })),
        ]
    }

    /// `GET /.well-known/oauth-authorization-server` (RFC 8414).
    func authorizationServerMetadata(authBase: String) -> FHIRResponse {
        AuthJSON.answer(discovery(authBase: authBase) + [JSONMember("response_types_supported", .array([]))])
    }

    /// `GET [fhir base]/.well-known/smart-configuration` (SMART App Launch 2.0 §2.1).
    func smartConfiguration(authBase: String) -> FHIRResponse {
        AuthJSON.answer(discovery(authBase: authBase) + [
            JSONMember("capabilities", .array(["client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1", "permission-v2",
                                               "permission-user", "permission-patient"].map { .string($0) })),
            JSONMember("code_challenge_methods_supported", .array([])),
        ])
    }

    /// A sign-in with `{username, password}` for the openIMIS-style login routes: 400 `invalid_request` without them,
    /// one 401 with `failure` for an unknown name and a wrong password alike.
    func login(_ parameters: AuthParameters, failure: String) async throws -> IssuedTokens {
        guard let username = parameters["username"], let password = parameters["password"] else {
            throw TokenError.invalidRequest("Missing username or password")
        }
        do {
            return try await services.tokens.passwordGrant(username: username, password: password, scope: nil)
        } catch let error as TokenError where error.code == "invalid_grant" && error.status == 400 {
            throw TokenError("invalid_grant", failure, status: 401)
        }
    }

    /// `POST /api/api_fhir_r4/login/` (openIMIS): `{"username","password"}` → `{"token","exp"}`. Unknown names and wrong
    /// passwords get the same 401 (openIMIS answers them differently; that difference is not kept).
    func openIMISLogin(headers: HTTPFields, body: [UInt8]) async -> FHIRResponse {
        do {
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            let tokens = try await login(parameters, failure: "INCORRECT_CREDENTIALS")
            return AuthJSON.answer([JSONMember("token", .string(tokens.accessToken)),
                                    JSONMember("exp", AuthJSON.number(Int64(tokens.expiresAt.timeIntervalSince1970)))])
        } catch {
            return Self.failure(error)
        }
    }
}

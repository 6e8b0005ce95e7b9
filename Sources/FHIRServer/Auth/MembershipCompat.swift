import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Membership

/// `/api/membership/...`: the routes of openIMIS's membership module that its mobile app calls, with the same request
/// and response fields, on top of the token, OTP and membership services — and with what the original lacked: every
/// route but login, register and the OTP steps needs a token, and an insuree reaches only its own family.
///
/// Differences a client may notice: `login` answers two different tokens (`access`, `refresh`); `register/` answers
/// the `otp_id` that `resend-otp/` and `validate-otp/` then take (the original keyed them by phone number, which let
/// anyone replace someone else's code); unknown insurees and wrong details get the same answer as known ones.
struct MembershipCompat: Sendable {
    let services: AuthServices
    let service: FHIRService

    var tokenEndpoint: TokenEndpoint { TokenEndpoint(services: services, metrics: service.operations.metrics) }
    var membership: MembershipEndpoint { MembershipEndpoint(services: services) }

    static func message(_ text: String, status: HTTPResponse.Status, extra: [JSONMember] = []) -> FHIRResponse {
        AuthJSON.answer([JSONMember("message", .string(text))] + extra, status: status)
    }

    /// Any failure in the original's `{"message": ...}` shape, with the status of the underlying error.
    static func failure(_ error: any Error) -> FHIRResponse {
        var answer = TokenEndpoint.failure(error)
        if let json = try? JSONParser.parse(answer.body), let text = Self.text(json["error_description"]) {
            let retry = answer.headers[.retryAfter]
            answer = message(text, status: answer.status)
            if let retry { answer.headers[.retryAfter] = retry }
        }
        return answer
    }

    /// `save_fcm_token/`: `{fcm_token}` (the original's `user_id` is ignored) for the signed-in user.
    func saveFCMToken(_ request: RouteRequest, principal: Principal) async throws -> FHIRResponse {
        let answer = await membership.savePushToken(principal: principal, headers: request.headers, body: request.body)
        guard answer.status == .created else { return Self.failure(try Self.error(of: answer)) }
        return Self.message("Firebase token saved successfully.", status: .created)
    }

    /// `card/{uuid}/`: the card of an insuree's family the caller may see, as JSON.
    func card(_ request: RouteRequest, principal: Principal) async throws -> FHIRResponse {
        let insuree = try await reachable(principal, insureeUUID: request.parameters.first ?? "")
        guard let id = insuree.id else { throw Self.notFound }
        let data = try await membership.cardData(insureeID: id, today: LocalDate(utc: services.tokens.now))
        return MembershipEndpoint.cardResponse(data, json: true)
    }

    static func text(_ json: JSON?) -> String? {
        if case .string(let value)? = json { return value }
        return nil
    }

    static let notFound = TokenError("not_found", "insuree not found", status: 404)

    /// The TokenError an RFC 6749 answer carries.
    static func error(of answer: FHIRResponse) throws -> TokenError {
        let json = try JSONParser.parse(answer.body)
        return TokenError(Self.text(json["error"]) ?? "invalid_request", Self.text(json["error_description"]) ?? "",
                          status: Int(answer.status.code))
    }

    /// `login`: `{username, password}` → the tokens and the user, as the original answered.
    func login(headers: HTTPFields, body: [UInt8]) async throws -> FHIRResponse {
        let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
        let tokens = try await tokenEndpoint.login(parameters, failure: "Invalid username or password")
        var members = [
            JSONMember("refresh", AuthJSON.string(tokens.refreshToken)), JSONMember("access", .string(tokens.accessToken)),
            JSONMember("username", AuthJSON.string(tokens.user?.loginName)),
            JSONMember("exp", AuthJSON.number(Int64(tokens.expiresAt.timeIntervalSince1970))),
            JSONMember("first_name", AuthJSON.string(tokens.user?.otherNames)), JSONMember("last_name", AuthJSON.string(tokens.user?.lastName)),
            JSONMember("email", .string(Self.email(tokens))), JSONMember("is_officer", .bool(tokens.user?.isOfficer ?? false)),
            JSONMember("is_insuree", .bool(tokens.insuree != nil)),
            JSONMember("user_type", .string(tokens.insuree != nil ? "insuree" : "user")),
        ]
        if let insuree = tokens.insuree {
            members.append(JSONMember("insuree_info", .object([
                JSONMember("first_name", .string(insuree.otherNames)), JSONMember("last_name", .string(insuree.lastName)),
                JSONMember("chfid", .string(insuree.chfid)), JSONMember("uuid", .string(insuree.uuid)),
                JSONMember("family", insuree.familyID.map { AuthJSON.number($0) } ?? .null),
            ])))
        }
        return AuthJSON.answer(members)
    }

    /// The e-mail the app shows after sign-in: the user's, else the insuree's, else empty (the app force-unwraps it).
    static func email(_ tokens: IssuedTokens) -> String {
        for candidate in [tokens.user?.email, tokens.insuree?.email] {
            if let value = candidate?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        }
        return ""
    }

    /// `register/`: `{chfid, head_chfid, dob, phone, email}` → "OTP sent successfully." with the challenge's id (the
    /// same answer whether or not the details match an insuree).
    func register(_ request: RouteRequest) async throws -> FHIRResponse {
        let parameters = try AuthParameters(body: request.body, contentType: request.headers[.contentType])
        guard let dob = LocalDate(try parameters.required("dob")) else { throw TokenError.invalidRequest("dob must be a date") }
        let start = try await services.otp.startRegistration(
            chfid: try parameters.required("chfid"), headCHFID: try parameters.required("head_chfid"), birthDate: dob,
            phone: parameters["phone"], email: parameters["email"], clientIP: request.clientIP)
        return Self.message("OTP sent successfully.", status: .ok, extra: Self.start(start))
    }

    static func start(_ start: OTPStart) -> [JSONMember] {
        [JSONMember("otp_id", .string(start.otpID)), JSONMember("expires_in", AuthJSON.number(start.expiresIn)),
         JSONMember("resend_after", AuthJSON.number(start.resendAfter))]
    }

    /// `resend-otp/`: `{otp_id}` → "OTP resent successfully.".
    func resend(headers: HTTPFields, body: [UInt8]) async throws -> FHIRResponse {
        let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
        guard let otpID = parameters["otp_id"] else { throw TokenError.invalidRequest("otp_id is required to resend OTP.") }
        let start = try await services.otp.resend(otpID: otpID)
        return Self.message("OTP resent successfully.", status: .ok, extra: Self.start(start))
    }

    /// `validate-otp/`: `{otp_id, otp, username, password}` → 201 "User with 'insuree' role created successfully.".
    func validate(headers: HTTPFields, body: [UInt8]) async throws -> FHIRResponse {
        let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
        let password = try parameters.required("password")
        guard PasswordPolicy.accepts(password) else { throw TokenError.invalidRequest(PasswordPolicy.description) }
        _ = try await services.otp.completeRegistration(
            otpID: try parameters.required("otp_id"), code: try parameters.required("otp"),
            username: try parameters.required("username"), password: services.tokens.passwords.credentials(for: password))
        return Self.message("User with 'insuree' role created successfully.", status: .created)
    }

    /// An insuree `principal` may see: its own family for an insuree, Patient read rights (within its districts
    /// under row security) for staff. Whether the caller may read insurees at all is decided before any lookup, so a
    /// caller that may not gets one answer (403) whether or not the insuree exists; one that may, but not this
    /// insuree, gets the answer of an unknown insuree (404).
    func reachable(_ principal: Principal, insureeUUID: String? = nil, chfid: String? = nil) async throws -> Insuree {
        let decision = AccessPolicy.decide(principal, "Patient", .read)
        guard decision != .forbidden else { throw Self.forbidden }
        var found: Insuree?
        if let insureeUUID { found = try await services.registry.record(Insuree.self, uuid: insureeUUID, includeDeleted: false)?.record }
        if let chfid { found = try await services.registry.insuree(chfid: chfid)?.record }
        guard let insuree = found else { throw Self.notFound }
        switch decision {
        case .allow: return insuree
        case .allowWithinFamily(let family): if insuree.familyID == family { return insuree }
        case .allowWithinDistricts(let districts): if try await inDistricts(insuree, districts) { return insuree }
        case .forbidden: break
        }
        throw Self.notFound
    }

    static let forbidden = TokenError("permission_denied", "You do not have permission to perform this action.", status: 403)

    /// Whether the insuree's family lives in one of `districts` (row security), by the same search restriction the
    /// FHIR routes apply.
    func inDistricts(_ insuree: Insuree, _ districts: Set<Int64>) async throws -> Bool {
        let restriction = AccessRestriction.districts(districts)
        return try await service.isInside(provider: service.provider("Patient"), id: insuree.uuid, restriction: restriction)
    }

    /// `claimed-item-services/?claim_id=<id>` (the claim's integer id, as the app sends it, or its UUID): the lines
    /// of one of the caller's family's claims, items named `item_name` and services `service_name`; empty lists for
    /// any other claim, known or not.
    func claimLines(_ request: RouteRequest, principal: Principal) async throws -> FHIRResponse {
        let insureeID = try membership.insuree(principal)
        let empty = AuthJSON.answer([JSONMember("claimed_items", .array([])), JSONMember("claimed_services", .array([]))])
        guard let claimID = request.query.first("claim_id"), !claimID.isEmpty else { return empty }
        var uuid = claimID
        if let key = Int64(claimID) {
            guard let claim = try await services.registry.record(IMISData.Claim.self, id: key)?.record else { return empty }
            uuid = claim.uuid
        }
        guard let details = try await services.insurance.claim(uuid: uuid) else { return empty }
        let owner = try await services.registry.record(Insuree.self, id: details.claim.record.insureeID)?.record
        let caller = try await services.registry.record(Insuree.self, id: insureeID)?.record
        guard let owner, let caller, owner.familyID != nil, owner.familyID == caller.familyID else { return empty }
        func lines(_ rows: [ClaimLine], label: String) async throws -> [JSON] {
            var result: [JSON] = []
            for line in rows {
                var name: String?
                if line.kind == .item { name = try await services.registry.record(MedicalItem.self, id: line.medicalID)?.record.name }
                else { name = try await services.registry.record(MedicalService.self, id: line.medicalID)?.record.name }
                result.append(.object([
                    JSONMember(label, .string(name ?? "")), JSONMember("name", AuthJSON.string(name)),
                    JSONMember("qty_provided", .number(line.quantityProvided)),
                    JSONMember("price_asked", .number(line.priceAsked)),
                    JSONMember("price_approved", line.priceApproved.map { .number($0) } ?? .null),
                    JSONMember("status", AuthJSON.number(line.status)),
                ]))
            }
            return result
        }
        return AuthJSON.answer([
            JSONMember("claim_id", details.claim.record.id.map { AuthJSON.number($0) } ?? .null),
            JSONMember("claim_uuid", .string(details.claim.record.uuid)),
            JSONMember("claimed_items", .array(try await lines(details.items, label: "item_name"))),
            JSONMember("claimed_services", .array(try await lines(details.services, label: "service_name"))),
        ])
    }

    /// `fhir-patient/?identifier=<chfid>`: the FHIR Patient, read with the caller's own rights (never as an
    /// administrator).
    func fhirPatient(_ request: RouteRequest, principal: Principal) async throws -> FHIRResponse {
        guard let identifier = request.query.first("identifier"), !identifier.isEmpty else {
            throw TokenError.invalidRequest("Identifier is required")
        }
        let insuree = try await reachable(principal, chfid: identifier)
        var stored = try await service.provider("Patient").read(id: insuree.uuid)
        if case .patient(var patient) = stored.resource {
            patient.extension = patient.extension.map(Self.appOrder)
            stored.resource = .patient(patient)
        }
        return .stored(stored, pretty: false)
    }

    /// The app reads a Patient's extensions by position (`extension[1]` the card-issued flag, `extension[2]` the
    /// family group reference): is-head, card-issued and group reference first, the others after in their order
    /// (order carries no meaning in FHIR).
    static func appOrder(_ extensions: [Extension]) -> [Extension] {
        let first = [OpenIMISIG.Ext.patientIsHead, OpenIMISIG.Ext.patientCardIssued, OpenIMISIG.Ext.patientGroupReference]
        func rank(_ ext: Extension) -> Int { first.firstIndex { ext.url.hasSuffix("/" + $0) } ?? first.count }
        return extensions.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }
}

import FHIRModels
import Foundation
import IMISData
import Membership

/// The signed-in app's screens: home (`insuree-information/`), claims (`claims/`, `claimed-item-services/`) and
/// profile (`fhir-patient/`), in the shapes the app's Dart code parses — every field it casts to a non-null type is
/// present with that type (dates as `YYYY-MM-DD`, amounts on claims as decimal strings, quantities and prices on
/// claim lines as JSON numbers).
extension MembershipCompat {
    /// `insuree-information/?insuree=<chfid>` (the caller's own insuree when omitted): `{success, data: {insuree,
    /// families: [{members}], policy: [...]}}` with the original module's field names.
    func information(_ request: RouteRequest, principal: Principal) async throws -> FHIRResponse {
        var chfid = request.query.first("insuree")
        if chfid == nil, let own = try? membership.insuree(principal),
           let insuree = try await services.registry.record(Insuree.self, id: own) {
            chfid = insuree.chfid
        }
        guard let chfid else { throw TokenError.invalidRequest("chfid is required") }
        let insuree = try await reachable(principal, chfid: chfid)
        guard let id = insuree.id else { throw Self.notFound }
        let summary = try await membership.summary(insureeID: id)
        let today = LocalDate(utc: services.tokens.now)
        let genders = Dictionary(try await services.registry.referenceCodes(.gender).map { ($0.code, $0.display) },
                                 uniquingKeysWith: { first, _ in first })
        var policies: [JSON] = []
        for (policy, product) in summary.policies {
            var member: InsureePolicy?
            if let policyID = policy.id {
                member = try await services.insurance.policyMembers(policyID: policyID).first { $0.insureeID == id }
            }
            policies.append(Self.policyRow(policy, product: product, member: member, today: today))
        }
        func row(_ person: Insuree) async throws -> JSON {
            try await insureeRow(person, genders: genders, latest: policies.first)
        }
        var members: [JSON] = []
        for member in summary.members { members.append(try await row(member)) }
        return AuthJSON.answer([
            JSONMember("success", .bool(true)),
            JSONMember("data", .object([
                JSONMember("insuree", try await row(summary.insuree)),
                JSONMember("families", .array([.object([
                    JSONMember("uuid", .string(summary.family.uuid)), JSONMember("members", .array(members)),
                ])])),
                JSONMember("policy", .array(policies)),
            ])),
        ])
    }

    /// One policy as the app reads it (`enrollment_date`, `start_date`, `expiry_date` parsed as dates, so never
    /// null: the insuree's own dates on the policy, else the policy's), with the state as of `today`.
    static func policyRow(_ policy: Policy, product: Product?, member: InsureePolicy?, today: LocalDate) -> JSON {
        let expiry = member?.expiryDate ?? policy.expiryDate
        return .object([
            JSONMember("enrollment_date", .string((member?.enrollmentDate ?? policy.enrollDate).description)),
            JSONMember("start_date", .string((member?.startDate ?? policy.startDate).description)),
            JSONMember("effective_date", AuthJSON.string((member?.effectiveDate ?? policy.effectiveDate)?.description)),
            JSONMember("expiry_date", .string(expiry.description)),
            JSONMember("policy_status", .string(policyState(policy, expiry: expiry, today: today))),
            JSONMember("uuid", .string(policy.uuid)), JSONMember("status", .string(MembershipEndpoint.status(policy))),
            JSONMember("product", AuthJSON.string(product?.name)), JSONMember("product_code", AuthJSON.string(product?.code)),
        ])
    }

    /// The state a person reads: the stored one, except that a policy past its expiry date is expired.
    static func policyState(_ policy: Policy, expiry: LocalDate, today: LocalDate) -> String {
        if expiry < today { return "Expired" }
        return MembershipEndpoint.status(policy).capitalized
    }

    /// An insuree with the original's fields (`fullname`, `chf_id`, `date_of_birth`, `insuree_gender`,
    /// `first_service_point`, `district_fsp`, `photo`, `policy_status`, `latest_policy`) beside this server's own.
    /// `latest`: the newest of the family's policies, as the answer's `policy` lists it.
    func insureeRow(_ insuree: Insuree, genders: [String: String], latest: JSON?) async throws -> JSON {
        var facility: HealthFacility?
        var district: IMISData.Location?
        if let hfID = insuree.hfID {
            facility = try await services.registry.record(HealthFacility.self, id: hfID)?.record
            if let location = facility?.locationID {
                district = try await services.registry.record(IMISData.Location.self, id: location)?.record
            }
        }
        var members: [JSONMember] = [
            JSONMember("fullname", .string("\(insuree.lastName) \(insuree.otherNames)")),
            JSONMember("chf_id", .string(insuree.chfid)), JSONMember("date_of_birth", .string(insuree.dob.description)),
            JSONMember("insuree_gender", AuthJSON.string(insuree.gender.map { genders[$0] ?? $0 })),
            JSONMember("first_service_point", AuthJSON.string(facility?.name)),
            JSONMember("district_fsp", AuthJSON.string(district?.name)), JSONMember("photo", .null),
            JSONMember("policy_status", .string(Self.text(latest?["policy_status"]) ?? "Policy Not Found")),
            JSONMember("latest_policy", latest ?? .null),
        ]
        if case .object(let own) = MembershipEndpoint.person(insuree) { members += own }
        return .object(members)
    }

    /// `claims/`: the signed-in insuree's claims as the original's model rows — integer `id`, amounts as decimal
    /// strings, dates as `YYYY-MM-DD`, and the strings the app declares non-null never null.
    func claims(principal: Principal) async throws -> FHIRResponse {
        let insureeID = try membership.insuree(principal)
        guard let insuree = try await services.registry.record(Insuree.self, id: insureeID)?.record else { throw Self.notFound }
        let provider = try service.provider("Claim")
        let matches = try await provider.search(SearchQuery.parse(
            QueryParameters([("patient", "Patient/\(insuree.uuid)"), ("_count", "100")]), for: provider, strict: true))
        var claims: [JSON] = []
        for id in matches.resources.compactMap(\.resourceID) {
            guard let details = try await services.insurance.claim(uuid: id) else { continue }
            claims.append(Self.claimRow(details.claim.record))
        }
        var answer = AuthJSON.answer([])
        var writer = JSONWriter()
        writer.writeJSON(.array(claims))
        answer.body = writer.bytes
        return answer
    }

    /// One claim as the app's `Claim.fromJson` reads it.
    static func claimRow(_ claim: IMISData.Claim) -> JSON {
        func id(_ value: Int64?) -> JSON { value.map { AuthJSON.number($0) } ?? .null }
        func date(_ value: Date?) -> JSON { value.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null }
        return .object([
            JSONMember("id", id(claim.id)), JSONMember("uuid", .string(claim.uuid)), JSONMember("code", .string(claim.code)),
            JSONMember("status", AuthJSON.number(claim.status)),
            JSONMember("claimed", .string(claim.claimed ?? "0.00")), JSONMember("approved", AuthJSON.string(claim.approved)),
            JSONMember("valuated", AuthJSON.string(claim.valuated)), JSONMember("reinsured", .null),
            JSONMember("adjustment", AuthJSON.string(claim.adjustment)), JSONMember("remunerated", .null),
            JSONMember("date_from", .string(claim.dateFrom.description)),
            JSONMember("date_to", .string((claim.dateTo ?? claim.dateFrom).description)),
            JSONMember("date_claimed", .string(claim.dateClaimed.description)),
            JSONMember("date_processed", AuthJSON.string(claim.dateProcessed?.description)),
            JSONMember("validity_from", date(claim.validityFrom)), JSONMember("validity_to", date(claim.validityTo)),
            JSONMember("feedback_available", .bool(claim.feedback ?? false)),
            JSONMember("feedback_status", claim.feedbackStatus.map { AuthJSON.number($0) } ?? .null),
            JSONMember("review_status", claim.reviewStatus.map { AuthJSON.number($0) } ?? .null),
            JSONMember("approval_status", .null),
            JSONMember("rejection_reason", claim.rejectionReason.map { AuthJSON.number($0) } ?? .null),
            JSONMember("explanation", .string(claim.explanation ?? "")),
            JSONMember("guarantee_id", .string(claim.guaranteeID ?? "")),
            JSONMember("visit_type", .string(claim.visitType ?? "")), JSONMember("category", AuthJSON.string(claim.category)),
            JSONMember("json_ext", AuthJSON.string(claim.jsonExt)), JSONMember("legacy_id", id(claim.legacyID)),
            JSONMember("audit_user_id", AuthJSON.number(claim.auditUserID)), JSONMember("batch_run", .null),
            JSONMember("insuree", AuthJSON.number(claim.insureeID)), JSONMember("health_facility", AuthJSON.number(claim.hfID)),
            JSONMember("admin", id(claim.claimAdminID)), JSONMember("refer_from", .null), JSONMember("refer_to", .null),
            JSONMember("icd", AuthJSON.number(claim.icdID)), JSONMember("icd_1", id(claim.icdID1)),
            JSONMember("icd_2", id(claim.icdID2)), JSONMember("icd_3", id(claim.icdID3)), JSONMember("icd_4", id(claim.icdID4)),
        ])
    }
}

import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Membership

/// The signed-in insuree's family as the membership API shows it.
struct FamilySummary {
    var insuree: Insuree
    var family: Family
    var members: [Insuree]
    var policies: [(policy: Policy, product: Product?)]
    var contributions: [Premium]
}

/// `/membership/...` (api.md §3): the signed-in insuree's profile, policies and payments, and its family's card.
struct MembershipEndpoint: Sendable {
    let services: AuthServices

    /// The insuree `principal` is; 403 (RFC 6749-style) for a principal that is not an insuree.
    func insuree(_ principal: Principal) throws -> Int64 {
        guard case .insuree(let insureeID, _, _) = principal else {
            throw TokenError("insufficient_scope", "this route is for insurees", status: 403)
        }
        return insureeID
    }

    /// The user `principal` is (any signed-in user, staff or insuree).
    func userID(_ principal: Principal) async throws -> Int64 {
        switch principal {
        case .user(let id, _, _, _, _): return id
        case .insuree(let insureeID, _, _):
            guard let user = try await services.accounts.user(insureeID: insureeID) else {
                throw TokenError("invalid_token", "a valid access token is required", status: 401)
            }
            return user.id
        case .system: throw TokenError("insufficient_scope", "push tokens belong to users", status: 403)
        }
    }

    /// `POST /membership/push-tokens` `{token}` (also `fcm_token`): stores a device's FCM registration token for the
    /// signed-in user. A token another account registered stays with it: 409, saying no more than that (the app
    /// drops its token with `DELETE` at sign-out, so a shared device is registered again by its next user).
    func savePushToken(principal: Principal, headers: HTTPFields, body: [UInt8]) async -> FHIRResponse {
        do {
            let user = try await userID(principal)
            let parameters = try AuthParameters(body: body, contentType: headers[.contentType])
            guard let token = parameters["token"] ?? parameters["fcm_token"], !token.isEmpty, token.utf8.count <= 4096 else {
                throw TokenError.invalidRequest("token is required")
            }
            guard try await services.pushTokens.savePushToken(token, userID: user, now: services.tokens.now) else {
                throw Self.pushTokenTaken
            }
            return AuthJSON.answer([JSONMember("token", .string(token))], status: .created)
        } catch {
            return TokenEndpoint.failure(error)
        }
    }

    /// The answer to a push token held by another account.
    static let pushTokenTaken = TokenError("conflict", "this push token cannot be registered for this account", status: 409)

    /// `DELETE /membership/push-tokens/{token}`: 204, or 404 when the signed-in user has no such token.
    func deletePushToken(principal: Principal, token: String) async -> FHIRResponse {
        do {
            let user = try await userID(principal)
            guard try await services.pushTokens.deletePushToken(token, userID: user) else {
                throw TokenError("not_found", "no such push token", status: 404)
            }
            return FHIRResponse(status: .noContent)
        } catch {
            return TokenEndpoint.failure(error)
        }
    }

    func summary(insureeID: Int64) async throws -> FamilySummary {
        guard let insuree = try await services.registry.record(Insuree.self, id: insureeID)?.record,
              let familyID = insuree.familyID, let family = try await services.registry.record(Family.self, id: familyID)?.record
        else { throw TokenError("not_found", "no insuree for this account", status: 404) }
        let members = try await services.registry.familyMembers(familyID: familyID).map(\.record)
        var policies: [(Policy, Product?)] = []
        var contributions: [Premium] = []
        for policy in try await services.insurance.policies(familyID: familyID).map(\.record) {
            policies.append((policy, try await services.registry.record(Product.self, id: policy.productID)?.record))
            if let id = policy.id { contributions += try await services.insurance.contributions(policyID: id).map(\.record) }
        }
        policies.sort { $0.0.expiryDate > $1.0.expiryDate }
        contributions.sort { $0.payDate > $1.payDate }
        return FamilySummary(insuree: insuree, family: family, members: members, policies: policies, contributions: contributions)
    }

    static func status(_ policy: Policy) -> String {
        switch policy.policyStatus {
        case .idle: "idle"
        case .active: "active"
        case .suspended: "suspended"
        case .expired: "expired"
        case .ready: "ready"
        case nil: "unknown"
        }
    }

    static func person(_ insuree: Insuree) -> JSON {
        .object([
            JSONMember("uuid", .string(insuree.uuid)), JSONMember("chfid", .string(insuree.chfid)),
            JSONMember("first_name", .string(insuree.otherNames)), JSONMember("last_name", .string(insuree.lastName)),
            JSONMember("dob", .string(insuree.dob.description)), JSONMember("gender", AuthJSON.string(insuree.gender)),
            JSONMember("is_head", .bool(insuree.isHead)), JSONMember("phone", AuthJSON.string(insuree.phone)),
            JSONMember("email", AuthJSON.string(insuree.email)),
        ])
    }

    /// `GET /membership/me`.
    func me(principal: Principal) async -> FHIRResponse {
        do {
            let summary = try await summary(insureeID: try insuree(principal))
            let policies: [JSON] = summary.policies.map { policy, product in
                .object([
                    JSONMember("uuid", .string(policy.uuid)), JSONMember("status", .string(Self.status(policy))),
                    JSONMember("product_code", AuthJSON.string(product?.code)), JSONMember("product_name", AuthJSON.string(product?.name)),
                    JSONMember("start_date", .string(policy.startDate.description)),
                    JSONMember("effective_date", AuthJSON.string(policy.effectiveDate?.description)),
                    JSONMember("expiry_date", .string(policy.expiryDate.description)),
                    JSONMember("value", AuthJSON.string(policy.value)),
                ])
            }
            let payments: [JSON] = summary.contributions.prefix(10).map { premium in
                .object([
                    JSONMember("uuid", .string(premium.uuid)), JSONMember("amount", .number(premium.amount)),
                    JSONMember("receipt", .string(premium.receipt)), JSONMember("pay_date", .string(premium.payDate.description)),
                ])
            }
            return AuthJSON.answer([
                JSONMember("insuree", Self.person(summary.insuree)),
                JSONMember("family", .object([
                    JSONMember("uuid", .string(summary.family.uuid)),
                    JSONMember("members", .array(summary.members.map(Self.person))),
                ])),
                JSONMember("policies", .array(policies)),
                JSONMember("payments", .array(payments)),
            ])
        } catch {
            return TokenEndpoint.failure(error)
        }
    }

    /// The card of the family of `insureeID`.
    func cardData(insureeID: Int64, today: LocalDate) async throws -> MembershipCardData {
        let summary = try await summary(insureeID: insureeID)
        let relations = Dictionary(uniqueKeysWithValues: try await services.registry.referenceCodes(.relation).map { ($0.code, $0.display) })
        var members: [MembershipCardData.Member] = []
        for member in summary.members.sorted(by: { $0.isHead && !$1.isHead }) {
            var photo: [UInt8]?
            if let root = services.photoRoot, let id = member.id, let stored = try await services.registry.photos(insureeID: id).last {
                photo = Self.photoBytes(root: root, folder: stored.photoFolder, file: stored.photoFileName)
            }
            members.append(MembershipCardData.Member(
                insuranceNumber: member.chfid, givenName: member.otherNames, familyName: member.lastName, birthDate: member.dob,
                gender: member.gender, relationship: member.isHead ? "Head" : member.relationship.flatMap { relations[String($0)] },
                photoJPEG: photo))
        }
        let current = summary.policies.first
        return MembershipCardData(
            insurerName: services.insurerName, familyName: summary.members.first(where: \.isHead).map { "\($0.otherNames) \($0.lastName)" }
                ?? summary.insuree.lastName,
            members: members, productCode: current?.product?.code ?? "", productName: current?.product?.name ?? "",
            policyStatus: current.map {
                MembershipCardData.policyState(Self.status($0.policy), expiry: $0.policy.expiryDate, on: today)
            } ?? "No policy", startDate: current?.policy.startDate,
            effectiveDate: current?.policy.effectiveDate, expiryDate: current?.policy.expiryDate, issueDate: today)
    }

    /// A photo file under the photo root; nil for anything missing or outside it.
    static func photoBytes(root: String, folder: String?, file: String?) -> [UInt8]? {
        guard let file, !file.isEmpty else { return nil }
        let parts = [folder ?? "", file].flatMap { $0.split(separator: "/") }
        guard !parts.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        let path = ([root] + parts.map(String.init)).joined(separator: "/")
        guard let data = FileManager.default.contents(atPath: path), data.count < 5_000_000 else { return nil }
        return Array(data)
    }

    /// `GET /membership/card`: the PDF, or `{"pdf_base64","filename","content_type"}` when JSON is asked for.
    func card(principal: Principal, request: RouteRequest) async -> FHIRResponse {
        do {
            let data = try await cardData(insureeID: try insuree(principal), today: LocalDate(utc: services.tokens.now))
            return Self.cardResponse(data, json: Self.wantsJSON(headers: request.headers, query: request.query))
        } catch {
            return TokenEndpoint.failure(error)
        }
    }

    static func wantsJSON(headers: HTTPFields, query: QueryParameters) -> Bool {
        if let format = query.first("format") ?? query.first("_format") { return format.contains("json") }
        let accept = headers[.accept] ?? ""
        return accept.contains("application/json") && !accept.contains("application/pdf")
    }

    static func cardResponse(_ data: MembershipCardData, json: Bool) -> FHIRResponse {
        let pdf = MembershipCard.render(data)
        if json {
            return AuthJSON.answer([
                JSONMember("pdf_base64", .string(Data(pdf).base64EncodedString())),
                JSONMember("filename", .string(MembershipCard.fileName(for: data))),
                JSONMember("content_type", .string(MembershipCard.contentType)),
            ])
        }
        return FHIRResponse(status: .ok, headers: [
            .contentType: MembershipCard.contentType, .cacheControl: "no-store",
            .contentDisposition: "inline; filename=\"\(MembershipCard.fileName(for: data))\"",
        ], body: pdf)
    }
}

import FHIRModels
import Foundation
import IMISData
import Membership

/// What the app loads before anyone signs in: its configuration, the places and the health facilities (public
/// reference data, in the original module's shapes), the username check and the national-ID lookup of its
/// sign-up sheet. None of them says anything about an insuree.
extension MembershipCompat {
    /// The most locations and facilities one answer lists.
    static let referenceRowLimit = 20_000

    /// `config` and `config/`: the app's configuration document — family and confirmation types from the
    /// reference tables, contribution requirements from the products on sale today, the rest from the settings.
    func config() async throws -> FHIRResponse {
        let app = services.app
        func codes(_ table: ReferenceTable) async throws -> JSON {
            .object(try await services.registry.referenceCodes(table).map { JSONMember($0.display, .string($0.code)) })
        }
        let today = LocalDate(utc: services.tokens.now)
        let onSale = try await services.registry.search(Product.self, RowQuery(limit: 1_000)).items.map(\.record)
            .filter { $0.dateFrom <= today && today <= $0.dateTo }.sorted { $0.code < $1.code }
        func whole(_ amount: String?) -> JSON {
            guard let value = Double(amount ?? ""), value.isFinite, abs(value) < 1e15 else { return AuthJSON.number(0) }
            return AuthJSON.number(Int64(value.rounded()))
        }
        let products: [JSON] = onSale.map { product in
            .object([
                JSONMember("code", .string(product.code)), JSONMember("name", .string(product.name)),
                JSONMember("premium_amount", whole(product.lumpSum)), JSONMember("per_member", whole(product.premiumAdult)),
                JSONMember("Currency", .string(app.currency)), JSONMember("validity", .string(Self.validity(product))),
                JSONMember("member_count", AuthJSON.number(product.memberCount)),
            ])
        }
        let first = onSale.first
        let languages = app.languages.sorted { $0.key < $1.key }.map { locale, texts in
            JSONMember(locale, .object(texts.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) }))
        }
        return AuthJSON.answer([
            JSONMember("app_version", .string(app.appVersion)), JSONMember("support_email", .string(app.supportEmail)),
            JSONMember("develop_by", .string(app.operatorName)),
            JSONMember("supported_partners", .array(app.partners.map {
                .object([JSONMember("name", .string($0.name)), JSONMember("logo", .string($0.logo))])
            })),
            JSONMember("family_type_codes", try await codes(.familyType)),
            JSONMember("confirmation_types", try await codes(.confirmationType)),
            JSONMember("contributions_requirements", .object([
                JSONMember("premium_amount", whole(first?.lumpSum)), JSONMember("per_member", whole(first?.premiumAdult)),
                JSONMember("Currency", .string(app.currency)), JSONMember("validity", .string(first.map(Self.validity) ?? "")),
                JSONMember("product_code", AuthJSON.string(first?.code)),
            ])),
            JSONMember("products", .array(products)),
            JSONMember("languages", .object(languages)),
        ])
    }

    /// A product's insurance period as the app shows it.
    static func validity(_ product: Product) -> String {
        let months = product.insurancePeriod
        if months > 0, months % 12 == 0 { return months == 12 ? "1 year" : "\(months / 12) years" }
        return months == 1 ? "1 month" : "\(months) months"
    }

    /// `locations/`: `{success, data: [region]}`. The app reads one chain per region (`district`, `Municipality`,
    /// `Village`, each the first by code); the whole tree is in `children`.
    func locations() async throws -> FHIRResponse {
        let all = try await services.registry.search(IMISData.Location.self, RowQuery(limit: Self.referenceRowLimit))
            .items.map(\.record)
        var children: [Int64: [IMISData.Location]] = [:]
        for location in all { if let parent = location.parentID { children[parent, default: []].append(location) } }
        for key in children.keys { children[key]?.sort { $0.code < $1.code } }
        func fields(_ location: IMISData.Location) -> [JSONMember] {
            [JSONMember("id", location.id.map { AuthJSON.number($0) } ?? .null), JSONMember("uuid", .string(location.uuid)),
             JSONMember("code", .string(location.code)), JSONMember("name", .string(location.name)),
             JSONMember("type", .string(location.type)),
             JSONMember("male_population", location.malePopulation.map { AuthJSON.number($0) } ?? .null),
             JSONMember("female_population", location.femalePopulation.map { AuthJSON.number($0) } ?? .null),
             JSONMember("other_population", location.otherPopulation.map { AuthJSON.number($0) } ?? .null),
             JSONMember("families", location.families.map { AuthJSON.number($0) } ?? .null)]
        }
        func tree(_ location: IMISData.Location, depth: Int) -> JSON {
            let below = depth < 4 ? (location.id.flatMap { children[$0] } ?? []) : []
            return .object(fields(location) + [JSONMember("children", .array(below.map { tree($0, depth: depth + 1) }))])
        }
        let regions = all.filter { $0.parentID == nil }.sorted { $0.code < $1.code }
        let data: [JSON] = regions.map { region in
            var members = fields(region)
            let district = region.id.flatMap { children[$0]?.first }
            let ward = district?.id.flatMap { children[$0]?.first }
            let village = ward?.id.flatMap { children[$0]?.first }
            for (key, location) in [("district", district), ("Municipality", ward), ("Village", village)] {
                if let location { members.append(JSONMember(key, .object(fields(location)))) }
            }
            if case .object(let rest) = tree(region, depth: 1), let last = rest.last { members.append(last) }
            return .object(members)
        }
        return AuthJSON.answer([JSONMember("success", .bool(true)), JSONMember("data", .array(data))])
    }

    /// `hospitals`: `{success, data: [facility]}` with the original's field names.
    func hospitals() async throws -> FHIRResponse {
        let all = try await services.registry.search(HealthFacility.self, RowQuery(limit: Self.referenceRowLimit)).items
            .map(\.record).sorted { $0.code < $1.code }
        let data: [JSON] = all.map { hf in
            .object([
                JSONMember("id", hf.id.map { AuthJSON.number($0) } ?? .null), JSONMember("uuid", .string(hf.uuid)),
                JSONMember("code", .string(hf.code)), JSONMember("name", .string(hf.name)),
                JSONMember("acc_code", AuthJSON.string(hf.accountCode)), JSONMember("level", .string(hf.level)),
                JSONMember("sub_level", AuthJSON.string(hf.sublevel)), JSONMember("address", AuthJSON.string(hf.address)),
                JSONMember("phone", AuthJSON.string(hf.phone)), JSONMember("fax", AuthJSON.string(hf.fax)),
                JSONMember("email", AuthJSON.string(hf.email)), JSONMember("care_type", .string(hf.careType)),
                JSONMember("offline", .bool(hf.offline ?? false)), JSONMember("status", .string("A")),
                JSONMember("legal_form", .string(hf.legalForm)), JSONMember("location", AuthJSON.number(hf.locationID)),
                JSONMember("services_pricelist", hf.priceListServicesID.map { AuthJSON.number($0) } ?? .null),
                JSONMember("items_pricelist", hf.priceListItemsID.map { AuthJSON.number($0) } ?? .null),
                JSONMember("contract_start_date", AuthJSON.string(hf.contractStartDate?.description)),
                JSONMember("contract_end_date", AuthJSON.string(hf.contractEndDate?.description)),
                JSONMember("validity_from", .string(ISO8601DateFormatter().string(from: hf.validityFrom))),
                JSONMember("validity_to", .null),
            ])
        }
        return AuthJSON.answer([JSONMember("success", .bool(true)), JSONMember("data", .array(data))])
    }

    /// `check-username/` `{username}`: the same answer for a name in use and a free one, so it tells nobody which
    /// accounts exist; a name in use is refused when the account is created (`validate-otp/`).
    func checkUsername(_ request: RouteRequest) async throws -> FHIRResponse {
        let parameters = try AuthParameters(body: request.body, contentType: request.headers[.contentType])
        guard let username = parameters["username"]?.trimmingCharacters(in: .whitespaces), !username.isEmpty else {
            throw TokenError.invalidRequest("Username is required")
        }
        guard username.count <= 150, !username.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw TokenError.invalidRequest("A username has at most 150 characters and no spaces")
        }
        return Self.message("Username can be used; it is confirmed when the account is created.", status: .ok)
    }

    /// `nationalId/?national_id=<id>`: no national-ID register is connected to this server, so the lookup answers
    /// 404 with a message saying the lookup is not available (not that the person is unknown). Not a 5xx: nothing
    /// is wrong with the server, and a client may not tell a 5xx it caused from a fault.
    func nationalID(_ request: RouteRequest) async throws -> FHIRResponse {
        guard let id = request.query.first("national_id") ?? request.query.first("nationalid"), !id.isEmpty else {
            throw TokenError.invalidRequest("National ID is required.")
        }
        return Self.message("National ID lookup is not available on this server.", status: .notFound)
    }
}

import FHIRModels
import HTTPTypes
import IMISData
import Membership

/// The family an insuree's token is confined to, as FHIR ids.
public struct FamilyCompartment: Sendable, Hashable {
    public var familyUUID: String
    public var memberUUIDs: [String]
}

extension AccessMethod {
    /// What an interaction does, in access-control terms (searches, history and vread are reads).
    init?(_ interaction: Interaction) {
        switch interaction {
        case .read, .vread, .historyInstance, .searchType: self = .read
        case .create: self = .create
        case .update: self = .update
        case .delete: self = .delete
        case .capabilities, .batch, .transaction: return nil
        }
    }
}

extension FHIRService {
    /// The Basic challenge (RFC 7617 §2.1: the server expects UTF-8).
    static let basicChallenge = "Basic realm=\"imis-fhir\", charset=\"UTF-8\""

    /// 401 with the challenges, in one comma-joined `WWW-Authenticate` (RFC 9110 §11.6.1): Bearer (RFC 6750 §3,
    /// `error="invalid_token"` only when a bearer token came, §3.1) and, when Basic is on, Basic (RFC 7617 §2).
    static func unauthorized(_ invalidToken: Bool, offerBasic: Bool = false) -> FHIRError {
        var challenge = invalidToken ? "Bearer realm=\"imis-fhir\", error=\"invalid_token\"" : "Bearer realm=\"imis-fhir\""
        if offerBasic { challenge += ", " + Self.basicChallenge }
        let required = offerBasic ? "an access token or valid HTTP Basic credentials are required" : "an access token is required"
        return FHIRError(.unauthorized, invalidToken ? "the access token is invalid or expired" : required,
                         headers: [.wwwAuthenticate: challenge])
    }

    /// Applies the access rules to a request of `principal` about to be handled: 403 for what its rights or scopes do
    /// not allow, and for an insuree the family compartment (a search is narrowed to it; a read outside it
    /// is 404).
    func authorize(_ request: inout FHIRRequest, principal: Principal) async throws(FHIRError) {
        let interaction = request.match.interaction
        guard let method = AccessMethod(interaction) else { return }
        let provider = try provider(request.match.type)
        let type = provider.resourceType
        switch AccessPolicy.decide(principal, type, method) {
        case .allow:
            return
        case .forbidden:
            if case .insuree = principal, method == .read {
                throw FHIRError(.notFound, "\(type) is not available to this account")
            }
            throw FHIRError(.forbidden, "this account may not \(method.rawValue) \(type)")
        case .allowWithinDistricts(let districts):
            // Row security (openIMIS ROW_SECURITY): rows of the user's districts only. Types that cannot be narrowed
            // by district are refused rather than shown whole.
            guard AccessRestriction.districtTypes.contains(type), provider.districtScope != nil else {
                throw FHIRError(.forbidden, "this account is limited to its districts, which \(type) cannot be narrowed to")
            }
            let restriction = AccessRestriction.districts(districts)
            request.restriction = restriction
            if interaction == .create { return }
            if interaction != .searchType {
                try await requireInCompartment(provider: provider, id: request.match.id ?? "", restriction: restriction)
            }
        case .allowWithinFamily(let familyID):
            let compartment: FamilyCompartment
            do {
                guard let found = try await compartments?(familyID) else { throw FHIRError(.notFound, "no such family") }
                compartment = found
            } catch {
                throw FHIRError(.notFound, "\(type) is not available to this account")
            }
            let restriction = try await restriction(type: type, compartment: compartment)
            request.restriction = restriction
            if interaction != .searchType {
                try await requireInCompartment(provider: provider, id: request.match.id ?? "", restriction: restriction)
            }
        }
    }

    /// A create or update under a restriction (row security, an insuree's family): the write and a check that its
    /// result lies inside the restriction run in one unit of work, so that a write leading outside is refused (403)
    /// and leaves nothing behind.
    func restrictedWrite(_ request: FHIRRequest, principal: Principal, restriction: AccessRestriction) async throws(FHIRError)
        -> FHIRResponse
    {
        let provider = try provider(request.match.type)
        do {
            return try await units.unitOfWork { () async throws -> FHIRResponse in
                let response = request.match.interaction == .create
                    ? try await create(request, principal: principal) : try await update(request)
                guard !provider.createIsEnquiry, let id = response.resourceID else { return response }
                guard try await isInside(provider: provider, id: id, restriction: restriction) else {
                    throw FHIRError(.forbidden, "the \(provider.resourceType) would lie outside what this account may see")
                }
                return response
            }
        } catch let error as FHIRError {
            throw error
        } catch {
            throw FHIRError.storage(error)
        }
    }

    /// Whether the resource `id` is inside the restriction.
    func isInside(provider: any ResourceProvider, id: String, restriction: AccessRestriction) async throws(FHIRError) -> Bool {
        do {
            try await requireInCompartment(provider: provider, id: id, restriction: restriction)
            return true
        } catch where error.status == .notFound {
            return false
        }
    }

    /// The restriction that confines `type` to a family: search parameters ANDed to whatever the client asks.
    func restriction(type: String, compartment: FamilyCompartment) async throws(FHIRError) -> AccessRestriction {
        .compartment(try await compartmentParameters(type: type, compartment: compartment))
    }

    /// The search parameters of ``restriction(type:compartment:)``.
    func compartmentParameters(type: String, compartment: FamilyCompartment) async throws(FHIRError) -> QueryParameters {
        let members = compartment.memberUUIDs.map { "Patient/\($0)" }.joined(separator: ",")
        switch type {
        case "Patient": return QueryParameters([("_id", compartment.memberUUIDs.joined(separator: ","))])
        case "Group": return QueryParameters([("_id", compartment.familyUUID)])
        case "Coverage": return QueryParameters([("beneficiary", members)])
        case "Contract": return QueryParameters([("subject", "Group/\(compartment.familyUUID)")])
        case "Claim", "ClaimResponse", "Invoice": return QueryParameters([("patient", members)])
        case "PaymentNotice":
            let invoices = try await provider("Invoice").search(
                SearchQuery.parse(QueryParameters([("patient", members), ("_count", String(SearchQuery.maxCount))]),
                                  for: provider("Invoice"), strict: true))
            let ids = invoices.resources.compactMap(\.resourceID).map { "Invoice/\($0)" }
            // No invoice: an id that cannot exist, so the search finds nothing.
            return ids.isEmpty ? QueryParameters([("_id", "no-invoice")]) : QueryParameters([("request", ids.joined(separator: ","))])
        default:
            throw FHIRError(.notFound, "\(type) is not available to this account")
        }
    }

    /// 404 unless the resource `id` (UUID or business code) is inside the restriction.
    func requireInCompartment(provider: any ResourceProvider, id: String, restriction: AccessRestriction) async throws(FHIRError) {
        let current: StoredResource
        do {
            current = try await provider.read(id: id)
        } catch {
            throw FHIRError(.notFound, "\(provider.resourceType)/\(id) is not known")
        }
        let inside = try await idsInside([current.resourceID ?? id], provider: provider, restriction: restriction)
        guard !inside.isEmpty else { throw FHIRError(.notFound, "\(provider.resourceType)/\(id) is not known") }
    }
}

import FHIRModels
import Foundation
import IMISData

/// CoverageEligibilityRequest (reference §3.8): `POST` an enquiry for an insuree (and optionally
/// items or services) and get a CoverageEligibilityResponse: per policy active on the enquiry's
/// date, what is left of the product's limits and whether each requested code is covered.
/// Nothing is stored, so the answer is 200 and there is no read or search.
struct EligibilityProvider: ResourceProvider {
    let resourceType = "CoverageEligibilityRequest"
    let interactions: Set<Interaction> = [.create]
    let searchParameters: [SearchParameter] = []
    let documentation = "POST an eligibility enquiry; answered 200 with a CoverageEligibilityResponse (nothing is stored)."
    let createIsEnquiry = true
    let store: any IMISStore
    let mapping: MappingContext

    func read(id: String) async throws(FHIRError) -> StoredResource { throw notOffered }
    func vread(id: String, version: Int) async throws(FHIRError) -> StoredResource { throw notOffered }
    func history(id: String) async throws(FHIRError) -> [StoredResource] { throw notOffered }
    func search(_ query: SearchQuery) async throws(FHIRError) -> SearchMatches { throw notOffered }

    var notOffered: FHIRError { FHIRError(.methodNotAllowed, "eligibility enquiries are not stored: POST one instead") }

    func create(_ resource: Resource) async throws(FHIRError) -> StoredResource {
        guard case .coverageEligibilityRequest(let request) = resource else { throw FHIRError(.invalid, "expected a CoverageEligibilityRequest") }
        do {
            let insuree: Insuree = try await ClaimMapping.resolve(request.patient, "Patient", "CoverageEligibilityRequest.patient", store: store)
            let today = LocalDate(utc: store.clock.now())
            var date = today
            if case .date(let d)? = request.serviced, let day = LocalDate(String(d.value?.text.prefix(10) ?? "")) { date = day }
            var requested: [(MedicalKind, String, Int64?)] = []
            for (index, item) in (request.item ?? []).enumerated() {
                let path = "CoverageEligibilityRequest.item[\(index)]"
                let category = item.category?.coding?.first?.code?.value?.string ?? item.category?.text?.value?.string
                guard let kind = category.flatMap(MedicalKind.init(rawValue:)) else {
                    throw MappingError(.invalidValue, path: "\(path).category", "the category must be item or service")
                }
                guard let code = item.productOrService?.text?.value?.string ?? item.productOrService?.coding?.first?.code?.value?.string else {
                    throw MappingError.required("\(path).productOrService", "the item or service code is required")
                }
                let id = kind == .item
                    ? try await ClaimMapping.lookup(MedicalItem.self, code, store: store)
                    : try await ClaimMapping.lookup(MedicalService.self, code, store: store)
                requested.append((kind, code, id))
            }
            var policies: [EligibilityPolicy] = []
            for policy in try await store.activePolicies(insureeID: insuree.id ?? 0, on: date).map(\.record) {
                guard let product = try await store.record(Product.self, id: policy.productID)?.record, let policyID = policy.id else { continue }
                let usage = try await store.usage(insureeID: insuree.id ?? 0, policyID: policyID)
                var covered: [(kind: MedicalKind, code: String, medicalID: Int64?, coverage: ProductCoverage?)] = []
                for (kind, code, id) in requested {
                    let coverage = try await id.asyncFlatMap {
                        try await store.coverage(kind, medicalID: $0, productID: policy.productID, healthFacilityID: nil)?.coverage
                    }
                    covered.append((kind, code, id, coverage))
                }
                policies.append(EligibilityPolicy(policy: policy, product: product, usage: usage, requested: covered))
            }
            let response = EligibilityMapping.response(insuree: insuree, policies: policies, created: today, context: mapping)
            return StoredResource(resource: .coverageEligibilityResponse(response), versionId: 1, lastUpdated: store.clock.now())
        } catch let error as FHIRError {
            throw error
        } catch let error as MappingError {
            throw error.fhirError
        } catch {
            throw FHIRError.storage(error)
        }
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

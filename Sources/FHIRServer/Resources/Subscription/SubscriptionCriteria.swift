import FHIRModels

/// `Subscription.criteria`, checked against the server's own search parameters
/// (http://hl7.org/fhir/R4/subscription.html#criteria).
///
/// R4 form: `Type?name=value&...`, a search on one of ``followedTypes``; every parameter is parsed and translated
/// by the search layer of that type exactly as a search would be, so an unknown parameter or modifier and a
/// malformed value are refused (422, naming it) rather than ignored. openIMIS's module form — a bare `Type`, or
/// `resourceType=Type` — is kept as written and puts the subscription in openIMIS mode.
struct SubscriptionCriteria: Sendable, Equatable {
    /// The type followed.
    var type: String
    /// Written in openIMIS's module form.
    var openIMISForm: Bool

    /// The types whose changes a subscription can follow: those the payment layer and openIMIS change here.
    static let followedTypes: Set<String> = [
        "Invoice", "PaymentNotice", "Coverage", "Contract", "Claim", "ClaimResponse", "Patient", "Group", "Organization",
    ]

    /// Search result and paging parameters, which select nothing.
    static let resultParameters: Set<String> = ["page-offset"]

    /// Parses and checks `criteria` with the search parameters of `providers`.
    static func check(_ criteria: String, providers: [String: any ResourceProvider]) async throws(FHIRError)
        -> SubscriptionCriteria
    {
        let text = criteria.trimmed
        guard !text.isEmpty else { throw refusal("criteria is empty") }
        let type: String
        let query: Substring?
        var openIMISForm = false
        if let question = text.firstIndex(of: "?") {
            type = String(text[..<question])
            query = text[text.index(after: question)...]
        } else if text.hasPrefix("resourceType=") {
            type = String(text.dropFirst("resourceType=".count))
            query = nil
            openIMISForm = true
        } else {
            type = text
            query = nil
            openIMISForm = true
        }
        guard followedTypes.contains(type), let provider = providers[type] else {
            throw refusal(
                "criteria type '\(FHIRError.printable(type))' cannot be followed (one of \(followedTypes.sorted().joined(separator: ", ")))")
        }
        if let query { try await checkSearch(query, provider: provider) }
        return SubscriptionCriteria(type: type, openIMISForm: openIMISForm)
    }

    /// Parses `query` as a search on `provider`'s type, strictly, and translates every criterion.
    static func checkSearch(_ query: Substring, provider: any ResourceProvider) async throws(FHIRError) {
        let parameters = QueryParameters(parsing: query)
        for (name, _) in parameters.items {
            let bare = String(name.split(separator: ":", maxSplits: 1).first ?? "")
            if (bare.hasPrefix("_") && bare != "_id" && bare != "_lastUpdated") || resultParameters.contains(bare) {
                throw refusal("criteria parameter '\(FHIRError.printable(name))' is not a search condition a subscription can use")
            }
        }
        // Each parameter on its own first, so that a refusal names the parameter it is about.
        for item in parameters.items {
            do {
                _ = try SearchQuery.parse(QueryParameters([item]), for: provider, strict: true)
            } catch {
                throw refusal("criteria parameter '\(FHIRError.printable(item.name))': \(error.message)")
            }
        }
        let search: SearchQuery
        do {
            search = try SearchQuery.parse(parameters, for: provider, strict: true)
        } catch {
            throw refusal("criteria: \(error.message)")
        }
        let byName = Dictionary(provider.searchParameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for criterion in search.criteria {
            guard let parameter = byName[criterion.name] else { continue }
            do {
                _ = try await parameter.translate(criterion)
            } catch {
                throw refusal("criteria parameter '\(criterion.name)': \(error.message)")
            }
        }
        for criterion in search.lastUpdated {
            do {
                _ = try Translate.lastUpdated(criterion)
            } catch {
                throw refusal("criteria parameter '_lastUpdated': \(error.message)")
            }
        }
    }

    static func refusal(_ message: String) -> FHIRError {
        FHIRError(.unprocessable, message, issues: [
            ValidationIssue(code: .value, path: "Subscription.criteria", message: message)
        ])
    }
}

import FHIRModels
import Foundation
import IMISData

/// The columns the Subscription search parameters name (`imisfhir_subscription`).
enum SubscriptionColumn: String, SchemaColumn {
    static let table = "imisfhir_subscription"
    case status, endpoint, criteria
    case channelType = "channel_type"
}

/// Search on Subscription (http://hl7.org/fhir/R4/subscription.html#search): the parameters' predicates are those
/// of the search layer (``Translate``), evaluated on the few current subscriptions in memory, as
/// ``SingletonProvider`` evaluates them, with paging by position.
enum SubscriptionSearch {
    static let statusSystem = "http://hl7.org/fhir/subscription-status"
    static let channelTypeSystem = "http://terminology.hl7.org/CodeSystem/subscription-channel-type"

    static let parameters: [SearchParameter] = [
        SearchParameter("status", .token, documentation: "The status (an ended subscription is off)") { c throws(FHIRError) in
            try Translate.code(c, column: SubscriptionColumn.status, system: statusSystem,
                               codes: Dictionary(uniqueKeysWithValues: SubscriptionStatus.allCases.map { ($0.rawValue, $0.rawValue) }))
        },
        SearchParameter("type", .token, documentation: "The channel type") { c throws(FHIRError) in
            try Translate.code(c, column: SubscriptionColumn.channelType, system: channelTypeSystem,
                               codes: Dictionary(uniqueKeysWithValues: SubscriptionChannelType.allCases.map { ($0.rawValue, $0.rawValue) }))
        },
        SearchParameter("url", .uri, documentation: "The channel endpoint, exactly") { c throws(FHIRError) in
            if c.modifier == "missing" { return try c.missing() ? .isNull("endpoint") : .isNotNull("endpoint") }
            guard c.modifier == nil else { throw FHIRError(.badSearch, "url takes no modifier but :missing here") }
            return .or(c.values.map { .exact(SubscriptionColumn.endpoint.name, $0) })
        },
        SearchParameter("criteria", .string, documentation: "The criteria as written") { c throws(FHIRError) in
            try Translate.string(c, columns: [SubscriptionColumn.criteria])
        },
    ]

    /// The status a subscription reads as: `off` once its `end` has passed.
    static func effectiveStatus(_ record: SubscriptionRecord, now: Date) -> String {
        if record.status == "active", let end = record.end, end <= now { return "off" }
        return record.status
    }

    /// The page of `records` matching `query`.
    static func run(_ query: SearchQuery, records: [SubscriptionRecord], now: Date,
                    render: (SubscriptionRecord) throws(FHIRError) -> StoredResource) async throws(FHIRError) -> SearchMatches {
        let predicates = try await query.predicates(parameters)
        var matches: [StoredResource] = []
        for record in records {
            let fields = [
                "status": effectiveStatus(record, now: now), "endpoint": record.endpoint, "criteria": record.criteria,
                "channel_type": record.channelType,
            ]
            let stored = try render(record)
            let row = SingletonProvider(resourceType: "Subscription", resource: stored.resource, lastUpdated: record.lastUpdated,
                                        fields: fields, searchParameters: [], documentation: "")
            if predicates.allSatisfy(row.holds) { matches.append(stored) }
        }
        switch query.order {
        case .lastUpdated(let descending):
            if descending { matches.reverse() }
        case .uuid(let descending):
            matches.sort { ($0.resourceID ?? "") < ($1.resourceID ?? "") }
            if descending { matches.reverse() }
        }
        let total = matches.count
        let start = query.cursor.map { Int(clamping: $0.id) } ?? ((query.pageOffset ?? 1) - 1) * query.count
        let page = query.summaryCount ? [] : Array(matches.dropFirst(max(0, start)).prefix(query.count))
        let end = max(0, start) + page.count
        let next = !query.summaryCount && end < total && query.count > 0 ? RowCursor(key: "", id: Int64(end)).token : nil
        return SearchMatches(resources: page, total: total, nextCursor: next)
    }
}

import FHIRModels

/// The searchset Bundle of one page of a search (http://hl7.org/fhir/R4/search.html#return, http.html#paging): its
/// `self`, `next` and `previous` links — keyset cursors, or openIMIS's 1-based `page-offset` on the alias — its
/// total, the matches and what was included, with `_elements` applied to the matches. Built in one place, so that
/// every search answers the same shape.
struct SearchBundleBuilder {
    let base: String
    let type: String
    let query: SearchQuery
    let matches: SearchMatches

    /// `self`, then `next` and `previous` when there are such pages (none for `_summary=count`).
    var links: [FHIRBundleLink] {
        let applied = query.applied
        func link(_ relation: String, _ extra: (String, String)?) -> FHIRBundleLink {
            let params = QueryParameters(applied.items + (extra.map { [$0] } ?? []))
            let url = "\(base)/\(type)" + (params.items.isEmpty ? "" : "?" + params.encoded)
            return FHIRBundleLink(relation: FHIRPrimitive(FHIRString(relation)), url: FHIRPrimitive(FHIRURI(url)))
        }
        guard !query.summaryCount else { return [link("self", nil)] }
        if let pageOffset = query.pageOffset {
            var links = [link("self", ("page-offset", String(pageOffset)))]
            if matches.nextCursor != nil { links.append(link("next", ("page-offset", String(pageOffset + 1)))) }
            if pageOffset > 1 { links.append(link("previous", ("page-offset", String(pageOffset - 1)))) }
            return links
        }
        var links = [link("self", nil)]
        if let next = matches.nextCursor { links.append(link("next", ("_cursor", next))) }
        if let previous = matches.previousCursor { links.append(link("previous", ("_before", previous))) }
        return links
    }

    /// The Bundle's compact JSON copied from the matches' cached renderings, when the answer is just those (no
    /// `_elements`, no includes, not pretty); nil otherwise.
    func cachedJSON(pretty: Bool) -> [UInt8]? {
        guard !pretty, query.elements == nil, query.includes.isEmpty, query.revIncludes.isEmpty else { return nil }
        return SearchBundleJSON.encode(total: matches.total, links: links, matches: matches.resources, base: base, type: type)
    }

    /// The Bundle with the matches (`_elements` applied) and the included resources.
    func bundle(included: [FHIRBundleEntry]) -> FHIRBundle {
        let elements = query.elements
        let entries = matches.resources.map { stored in
            FHIRBundleEntry(
                fullUrl: FHIRPrimitive(FHIRURI("\(base)/\(type)/\(stored.resource.id ?? "")")),
                resource: elements.map { ElementsFilter.apply($0, to: stored.resource) } ?? stored.resource,
                search: FHIRBundleEntrySearch(mode: FHIRPrimitive(.match)))
        } + included
        return FHIRBundle(
            type: FHIRPrimitive(.searchset),
            total: matches.total.map { FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: $0))) },
            link: links,
            entry: entries.isEmpty ? nil : entries)
    }
}

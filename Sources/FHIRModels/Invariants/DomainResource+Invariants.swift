// Rules every DomainResource obeys (http://hl7.org/fhir/R4/domainresource.html#invs).

/// Checks dom-2, dom-3, dom-4 and dom-5 on a resource's contained resources.
enum DomainResourceInvariants {
    static func check(contained: [Resource]?, json: JSON, ctx: inout DecodingContext) {
        checkLocalReferencesResolve(contained: contained, json: json, ctx: &ctx)
        guard let contained, !contained.isEmpty else { return }
        let references = referencedLocalIds(in: json)
        for (i, resource) in contained.enumerated() {
            ctx.push("contained")
            ctx.push(index: i)
            if let domain = resource.resource as? any FHIRDomainResource, !(domain.contained?.isEmpty ?? true) {
                ctx.issue(.invariant, "dom-2: a contained resource must not contain resources")
            }
            if let meta = resource.meta {
                if meta.versionId != nil {
                    ctx.issue(.invariant, "dom-4: a contained resource must not have meta.versionId", child: "meta.versionId")
                }
                if meta.lastUpdated != nil {
                    ctx.issue(
                        .invariant, "dom-4: a contained resource must not have meta.lastUpdated", child: "meta.lastUpdated")
                }
                if !(meta.security?.isEmpty ?? true) {
                    ctx.issue(.invariant, "dom-5: a contained resource must not have a security label", child: "meta.security")
                }
            }
            if let id = resource.id {
                if !references.contains(id) && !references.contains("") {
                    ctx.issue(.invariant, "dom-3: contained resource '\(id)' is not referenced from the resource")
                }
            } else {
                ctx.issue(.required, "a contained resource must have an id", child: "id")
            }
            ctx.pop()
            ctx.pop()
        }
    }

    /// The ids referenced as `#id` anywhere in the resource (outside `contained`); "" for a bare `#`
    /// (a contained resource pointing back at its container).
    static func referencedLocalIds(in json: JSON) -> Set<String> {
        var found = Set<String>()
        func walk(_ value: JSON, skipContained: Bool) {
            switch value {
            case .object(let members):
                for m in members {
                    if skipContained && m.key == "contained" { continue }
                    if case .string(let s) = m.value, s.hasPrefix("#") {
                        found.insert(String(s.dropFirst()))
                    } else {
                        walk(m.value, skipContained: false)
                    }
                }
            case .array(let items):
                for item in items { walk(item, skipContained: false) }
            case .string(let s):
                if s.hasPrefix("#") { found.insert(String(s.dropFirst())) }
            default:
                break
            }
        }
        walk(json, skipContained: true)
        // References from contained resources back to siblings count too.
        if case .object(let members) = json, let contained = members.first(where: { $0.key == "contained" }),
            case .array(let items) = contained.value
        {
            for item in items { walk(item, skipContained: false) }
        }
        return found
    }

    /// ref-1: a local reference `#id` must name a resource in `contained` (`#` alone is the container).
    /// Only the container's own references are checked here; a contained resource's references are
    /// resolved against its container's `contained` too.
    static func checkLocalReferencesResolve(contained: [Resource]?, json: JSON, ctx: inout DecodingContext) {
        guard ctx.containedDepth == 0 else { return }
        let ids = Set((contained ?? []).compactMap(\.id))
        func walk(_ value: JSON, path: [String]) {
            switch value {
            case .object(let members):
                for m in members {
                    let key = m.key.hasPrefix("_") ? String(m.key.dropFirst()) : m.key
                    if m.key == "reference", case .string(let s) = m.value, s.hasPrefix("#"), s.count > 1,
                        !ids.contains(String(s.dropFirst()))
                    {
                        ctx.issue(
                            .invariant, "ref-1: local reference '\(s)' does not match any contained resource",
                            child: path.joined(separator: ".").isEmpty ? nil : path.joined(separator: "."))
                    } else if m.key != "contained" || !path.isEmpty {
                        walk(m.value, path: path + [key])
                    }
                }
            case .array(let items):
                for (i, item) in items.enumerated() {
                    var indexed = path
                    if let last = indexed.popLast() { indexed.append("\(last)[\(i)]") }
                    walk(item, path: indexed)
                }
            default:
                break
            }
        }
        walk(json, path: [])
    }
}

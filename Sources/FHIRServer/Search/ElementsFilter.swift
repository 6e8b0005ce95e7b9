import FHIRModels

/// `_elements` (http://hl7.org/fhir/R4/search.html#elements): keeps the listed top-level elements
/// plus the mandatory ones (`id`, `meta`, and every element the type requires, so the result stays
/// valid), and tags the resource `SUBSETTED`.
enum ElementsFilter {
    static let subsetted = Coding(
        system: "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", code: "SUBSETTED",
        display: "Resource encoded in summary mode")

    static func apply(_ names: [String], to resource: Resource) -> Resource {
        var inner = resource.resource
        var meta = inner.meta ?? Meta()
        meta.tag = (meta.tag ?? []) + [subsetted]
        inner.meta = meta
        let full = Resource(inner)
        guard case .object(let members)? = try? JSONParser.parse(full.jsonBytes()) else { return resource }
        let keep = Set(names).union(["resourceType", "id", "meta"])
        let filtered = JSON.object(members.filter { member in
            let name = member.key.hasPrefix("_") ? String(member.key.dropFirst()) : member.key
            return keep.contains(name) || choiceBase(name).map(keep.contains) == true
        })
        // Elements the type requires stay, so the subset is still a valid resource.
        do {
            return try Resource.decode(json: filtered)
        } catch {
            let prefix = full.resourceType + "."
            let required = Set(error.issues.filter { $0.code == .required && $0.path.hasPrefix(prefix) }
                .map { String($0.path.dropFirst(prefix.count)) })
            let completed = JSON.object(members.filter { member in
                let name = member.key.hasPrefix("_") ? String(member.key.dropFirst()) : member.key
                return keep.contains(name) || choiceBase(name).map(keep.contains) == true || required.contains(name)
                    || choiceBase(name).map(required.contains) == true
            })
            return (try? Resource.decode(json: completed)) ?? full
        }
    }

    /// `deceasedBoolean` → `deceased`, so `_elements=deceased` keeps the choice.
    static func choiceBase(_ name: String) -> String? {
        guard let index = name.firstIndex(where: { $0.isUppercase }) else { return nil }
        return String(name[..<index])
    }
}

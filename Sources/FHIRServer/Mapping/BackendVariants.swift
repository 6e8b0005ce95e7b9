import FHIRModels

/// Rewrites the few backend spellings that are not valid R4 and would fail the strict decoder
/// before the mapping could accept them (mapping.md decision 1; reference §7.3).
///
/// Apply to a posted resource's JSON before `Resource.decode(json:)`. Every other accepted
/// variant (relative code-system URLs, `usual` names, the old marital-status system, address
/// text in `text`, references by business code) is valid R4 and handled by the mappings.
public enum BackendVariants {
    /// `Group.type = "Person"` (backend, reference §3.2) → `"person"` (R4 required binding).
    public static func normalize(_ json: JSON) -> JSON {
        guard case .object(var members) = json, case .string("Group")? = json["resourceType"] else { return json }
        for index in members.indices where members[index].key == "type" {
            if case .string(let value) = members[index].value, value != "person", value.lowercased() == "person" {
                members[index].value = .string("person")
            }
        }
        return .object(members)
    }
}

/// A SMART on FHIR resource scope (http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
/// `system/Invoice.cru`, `user/Patient.rs`, `patient/*.read` (v1 `read`/`write`/`*` and v2
/// `c r u d s` letters).
public struct SMARTScope: Sendable, Hashable, CustomStringConvertible {
    public enum Context: String, Sendable, Hashable { case system, user, patient }

    public var context: Context
    /// A resource type, or `*`.
    public var resourceType: String
    public var methods: Set<AccessMethod>
    /// v2 `s` (search) is folded into read here: a search is a read of every match.
    public var text: String

    /// Parses one scope; nil when it is not a resource scope (e.g. `openid`, `offline_access`).
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/"), let dot = text.lastIndex(of: "."), slash < dot,
            let context = Context(rawValue: String(text[..<slash]))
        else { return nil }
        let type = String(text[text.index(after: slash)..<dot])
        let permission = String(text[text.index(after: dot)...])
        guard !type.isEmpty, type == "*" || type.first?.isUppercase == true else { return nil }
        var methods: Set<AccessMethod> = []
        switch permission {
        case "read": methods = [.read]
        case "write": methods = [.create, .update, .delete]
        case "*": methods = Set(AccessMethod.allCases)
        default:
            // v2: letters in the order c r u d s, each at most once.
            var last = -1
            let order: [Character] = ["c", "r", "u", "d", "s"]
            for letter in permission {
                guard let index = order.firstIndex(of: letter), index > last else { return nil }
                last = index
                switch letter {
                case "c": methods.insert(.create)
                case "r", "s": methods.insert(.read)
                case "u": methods.insert(.update)
                case "d": methods.insert(.delete)
                default: return nil
                }
            }
            if methods.isEmpty { return nil }
        }
        self.context = context
        self.resourceType = type
        self.methods = methods
        self.text = text
    }

    public var description: String { text }

    /// Whether this scope grants `method` on `resourceType`.
    public func grants(_ resourceType: String, _ method: AccessMethod) -> Bool {
        (self.resourceType == "*" || self.resourceType == resourceType) && methods.contains(method)
    }

    /// Parses a space-separated scope string, keeping the resource scopes.
    public static func parse(_ scopes: String) -> [SMARTScope] {
        scopes.split(separator: " ").compactMap { SMARTScope(String($0)) }
    }
}

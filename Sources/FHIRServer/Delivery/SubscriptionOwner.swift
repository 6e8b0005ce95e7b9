import Foundation
import Membership

/// The principal of the FHIR request being handled, for what must know who asked beyond the access decision (the
/// owner a Subscription is created for).
enum RequestPrincipal {
    /// The principal of the running request, if any.
    @TaskLocal static var current: Principal?
}

/// Who created a Subscription, stored with it (`imisfhir_subscription_owner`): its notifications carry only what
/// this principal may read, by the same decision as a direct read (``FHIRService/readable(_:type:principal:)``).
///
/// Kept as the principal was when it created the subscription (its rights, districts and scopes); a subscription
/// whose owner should see differently is created again by that owner.
enum SubscriptionOwner {
    /// The stored form.
    struct Stored: Codable {
        var kind: String
        var id: String
        var family: Int64?
        var rights: [Int]?
        var administrator: Bool?
        var districts: [Int64]?
        var scopes: String
    }

    /// The stored text of `principal`: a small JSON object.
    static func encode(_ principal: Principal) -> String {
        let stored: Stored
        switch principal {
        case .user(let userID, let rights, let administrator, let districts, let scopes):
            stored = Stored(kind: "user", id: String(userID), rights: rights.sorted(), administrator: administrator,
                            districts: districts?.sorted(), scopes: scopes.map(\.text).joined(separator: " "))
        case .insuree(let insureeID, let familyID, let scopes):
            stored = Stored(kind: "insuree", id: String(insureeID), family: familyID,
                            scopes: scopes.map(\.text).joined(separator: " "))
        case .system(let clientID, let scopes):
            stored = Stored(kind: "system", id: clientID, scopes: scopes.map(\.text).joined(separator: " "))
        }
        let data = (try? JSONEncoder().encode(stored)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The principal of a stored text; nil when it cannot be read.
    static func decode(_ text: String) -> Principal? {
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)) else { return nil }
        let scopes = SMARTScope.parse(stored.scopes)
        switch stored.kind {
        case "user":
            guard let id = Int64(stored.id) else { return nil }
            return .user(userID: id, rights: Set(stored.rights ?? []), administrator: stored.administrator ?? false,
                         districts: stored.districts.map(Set.init), scopes: scopes)
        case "insuree":
            guard let id = Int64(stored.id), let family = stored.family else { return nil }
            return .insuree(insureeID: id, familyID: family, scopes: scopes)
        case "system":
            return .system(clientID: stored.id, scopes: scopes)
        default:
            return nil
        }
    }
}

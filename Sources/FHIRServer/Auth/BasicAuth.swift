import Crypto
import Foundation
import HTTPTypes
import Membership
import Synchronization

/// The user-id and password of an `Authorization: Basic` header (RFC 7617 §2, UTF-8 as §2.1 announces).
struct BasicCredentials: Sendable, Hashable {
    var name: String
    var secret: String

    /// The longest header value read: the password grant's limits (255 + 1024 bytes) in base64, with room to spare.
    static let maxHeaderBytes = 2_048

    /// The credentials of `header`; nil when it is not Basic or is malformed: too long, not base64, not UTF-8, no
    /// colon, an empty user-id, or a control character (RFC 7617 §2: neither part may hold one).
    init?(header: String) {
        let bytes = header.utf8
        guard bytes.count > 6, bytes.count <= Self.maxHeaderBytes,
              bytes.prefix(6).map({ $0 | 0x20 }) == Array("basic ".utf8)
        else { return nil }
        var encoded = Substring(header).utf8.dropFirst(6)
        while let first = encoded.first, first == 0x20 || first == 0x09 { encoded = encoded.dropFirst() }
        while let last = encoded.last, last == 0x20 || last == 0x09 { encoded = encoded.dropLast() }
        guard !encoded.isEmpty, let data = Data(base64Encoded: String(Substring(encoded))),
              let text = String(bytes: data, encoding: .utf8),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        let name = String(text[..<colon])
        guard !name.isEmpty else { return nil }
        self.name = name
        self.secret = String(text[text.index(after: colon)...])
    }
}

/// Successful Basic verifications kept for a short while, so that a client sending the same credentials on every
/// request (a payment-layer mediator reading `/api/api_fhir_r4`) does not pay the deliberately slow password hash each
/// time, nor spend the per-address sign-in budget that every uncached check spends (``RequestBudget``).
///
/// Entries are keyed by an HMAC of the credentials under a key made at start and held only in memory: the password
/// is never stored, and the key cannot be recomputed outside the process. An entry lives ``lifetime`` (60 s): a
/// changed password, a removed user or a revoked client is seen within that time; a failed Basic sign-in drops every
/// entry of its name at once, so that a lockout it causes applies at once to Basic too.
final class BasicVerifications: Sendable {
    /// How long a successful verification is reused.
    static let lifetime: TimeInterval = 60
    /// The most entries kept; past it the cache starts again empty.
    static let limit = 10_000

    struct Entry: Sendable {
        var name: String
        var signIn: BasicSignIn
        var expires: Date
    }

    private let key = SymmetricKey(size: .bits256)
    private let entries = Mutex<[Data: Entry]>([:])

    /// The cache key of `credentials`.
    func key(_ credentials: BasicCredentials) -> Data {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Data(credentials.name.utf8))
        mac.update(data: [0])
        mac.update(data: Data(credentials.secret.utf8))
        return Data(mac.finalize())
    }

    /// The sign-in verified for `credentials` less than ``lifetime`` before `now`.
    func cached(_ credentials: BasicCredentials, now: Date) -> BasicSignIn? {
        let key = key(credentials)
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries.removeValue(forKey: key)
                return nil
            }
            return entry.signIn
        }
    }

    /// Keeps a successful verification.
    func store(_ credentials: BasicCredentials, signIn: BasicSignIn, now: Date) {
        let key = key(credentials)
        entries.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(name: credentials.name, signIn: signIn, expires: now.addingTimeInterval(Self.lifetime))
        }
    }

    /// Drops every entry of `name` (after a failed check of that name).
    func forget(name: String) {
        entries.withLock { entries in entries = entries.filter { $0.value.name != name } }
    }
}

extension FHIRResponder {
    /// The Basic credentials of `headers` when Basic is on (`BASIC_AUTH`) and the header is well-formed Basic.
    func basicCredentials(_ headers: HTTPFields) -> BasicCredentials? {
        guard service.configuration.basicAuth, let authorization = headers[.authorization] else { return nil }
        return BasicCredentials(header: authorization)
    }

    /// Whether the request carries Basic credentials that need a password check (not verified in the last minute):
    /// such a request spends the per-address sign-in budget.
    func basicNeedsPasswordCheck(_ headers: HTTPFields) -> Bool {
        guard let credentials = basicCredentials(headers) else { return false }
        return basic.cached(credentials, now: auth.tokens.now) == nil
    }

    /// The principal of Basic credentials: from the cache, else checked by ``TokenService/basicSignIn(name:secret:)``.
    func resolveBasic(_ credentials: BasicCredentials) async -> BearerCredential {
        if let hit = basic.cached(credentials, now: auth.tokens.now) {
            return .verified(hit.principal, subject: hit.subject)
        }
        do {
            guard let signIn = try await auth.tokens.basicSignIn(name: credentials.name, secret: credentials.secret) else {
                basic.forget(name: credentials.name)
                return .refusedCredentials
            }
            basic.store(credentials, signIn: signIn, now: auth.tokens.now)
            return .verified(signIn.principal, subject: signIn.subject)
        } catch {
            return .unverifiable(error)
        }
    }
}

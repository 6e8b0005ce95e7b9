import Crypto
import Foundation
import IMISData

/// Makes the 6-digit codes. `system` draws them from the operating system's CSPRNG; tests inject their own.
public struct OTPCodeGenerator: Sendable {
    private let make: @Sendable () -> String

    public init(_ make: @escaping @Sendable () -> String) {
        self.make = make
    }

    public func next() -> String { make() }

    /// Uniform over 000000...999999, from `SystemRandomNumberGenerator` (getrandom / arc4random).
    public static let system = OTPCodeGenerator {
        var generator = SystemRandomNumberGenerator()
        let number = String(UInt32.random(in: 0..<1_000_000, using: &generator))
        return String(repeating: "0", count: 6 - number.count) + number
    }
}

/// The keyed hashes of the OTP tables: the code's MAC and the hashes that limits count under. One key derived
/// from the server secret (HKDF), each use with its own prefix; nothing stored can be reversed without the key
/// (an unkeyed hash of a 6-digit code or a phone number would be).
struct OTPKeyring: Sendable {
    private let key: SymmetricKey

    init(secret: SymmetricKey) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Data("imis-fhir otp v1".utf8), outputByteCount: 32)
    }

    func hex(_ parts: String...) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(parts.joined(separator: "\u{1F}").utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// HMAC-SHA256 of the challenge id and the code (reference §4.4).
    func codeMAC(challenge: String, code: String) -> String { hex("code", challenge, code) }

    func contactHash(_ contact: Contact) -> String { hex("contact", contact.channel.rawValue, contact.key) }

    func subjectHash(_ purpose: OTPPurpose, _ subject: String) -> String { hex("subject", purpose.rawValue, subject) }

    func clientHash(_ address: String) -> String { hex("client", address) }

    /// Compares two MACs in time that depends only on their length.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

/// A phone number or an e-mail address a code can go to.
enum Contact: Sendable, Hashable {
    case phone(String)
    case email(String)

    var channel: ContactChannel {
        switch self {
        case .phone: return .sms
        case .email: return .email
        }
    }

    var value: String {
        switch self {
        case .phone(let number): return number
        case .email(let address): return address
        }
    }

    /// What limits count under: the number, or the address with its domain in lower case.
    var key: String {
        switch self {
        case .phone(let number): return number
        case .email(let address): return address.lowercased()
        }
    }

    /// A phone number without spaces, dashes, dots or brackets: an optional `+` and 6 to 15 digits.
    static func phone(normalizing raw: String) -> String? {
        let kept = raw.filter { !" -.()/\t".contains($0) }
        let digits = kept.hasPrefix("+") ? kept.dropFirst() : Substring(kept)
        guard (6...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return kept
    }

    /// A bare e-mail address (no display name), trimmed.
    static func email(normalizing raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard SMTPMessage.envelopeAddress(trimmed) == trimmed, !trimmed.contains("<") else { return nil }
        return trimmed
    }

    /// The contacts on record (an insuree's or a user's): the kind `preferred` first, then the other kind.
    /// A recorded value that is not well-formed still counts as present (it is what the record says).
    static func onRecord(phone: String?, email: String?, preferring preferred: ContactChannel) -> Contact? {
        let recordedPhone = phone?.trimmingCharacters(in: .whitespaces).nilIfEmpty
            .map { Contact.phone(Contact.phone(normalizing: $0) ?? $0) }
        let recordedEmail = email?.trimmingCharacters(in: .whitespaces).nilIfEmpty.map { Contact.email($0) }
        return preferred == .email ? recordedEmail ?? recordedPhone : recordedPhone ?? recordedEmail
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

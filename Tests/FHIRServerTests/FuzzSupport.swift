import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import IMISData

@testable import FHIRServer

/// The fuzz test's deterministic generator: IMISData's SplitMix64, so that a case found by the fuzz test reproduces
/// from the seed alone.
struct FuzzRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The next 64 random bits.
    mutating func next() -> UInt64 { generator.next() }

    /// A number in `0..<bound` (`bound` > 0).
    mutating func below(_ bound: Int) -> Int { generator.below(bound) }

    /// A number in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `percent` / 100.
    mutating func percent(_ percent: Int) -> Bool { below(100) < percent }

    /// One of `items` (not empty).
    mutating func pick<T>(_ items: [T]) -> T { generator.pick(items) }
}

/// Where a request lands, which decides the shape its errors must have.
enum FuzzSurface: String, Sendable, Hashable {
    /// `/fhir/...` and the openIMIS alias `/api/api_fhir_r4/...`: errors are OperationOutcomes.
    case fhir
    /// `/auth/...` and the alias's `login`: errors are RFC 6749 JSON with an `error` string.
    case auth
    /// `/membership/...`: RFC 6749-style JSON errors.
    case membership
    /// `/api/membership/...`: openIMIS's `{"message": ...}` (or an RFC 6749 error).
    case compat
    /// Anything else (health checks, discovery, unknown paths).
    case other

    /// The surface of a request target, decided on the raw path as the responder does.
    static func of(_ uri: String) -> FuzzSurface {
        let path =
            uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        /// The rest of the path under `prefix`, as the responder strips it.
        func under(_ prefix: String) -> Substring? {
            guard path.hasPrefix(prefix) else { return nil }
            let rest = path.dropFirst(prefix.count)
            return rest.isEmpty || rest.hasPrefix("/") ? rest : nil
        }
        if let rest = under("/api/api_fhir_r4") {
            return rest.split(separator: "/").map { percentDecode($0) } == ["login"] ? .auth : .fhir
        }
        if under("/fhir") != nil { return .fhir }
        if under("/auth") != nil { return .auth }
        if under("/membership") != nil { return .membership }
        if under("/api/membership") != nil { return .compat }
        return .other
    }
}

/// One generated request: what to send, and the generator (`kind`) that made it.
struct FuzzCase: Sendable, CustomStringConvertible {
    var index = 0
    var kind: String
    var method: HTTPRequest.Method
    var uri: String
    var headers: HTTPFields = [:]
    var body: [UInt8]?

    var surface: FuzzSurface { FuzzSurface.of(uri) }

    /// The request as a reader can replay it: method, target, headers, and the body's start with bytes escaped.
    var description: String {
        var text = "#\(index) [\(kind)] \(method.rawValue) \(Self.escaped(Array(uri.utf8), limit: 400))"
        for field in headers {
            let value =
                field.name == .authorization
                ? "\(field.value.prefix(60))…(\(field.value.utf8.count) bytes)" : field.value
            text += "\n  \(field.name): \(Self.escaped(Array(value.utf8), limit: 200))"
        }
        if let body { text += "\n  body (\(body.count) bytes): \(Self.escaped(body, limit: 600))" }
        return text
    }

    /// `bytes` as printable ASCII with `\xNN` escapes, cut after `limit` bytes.
    static func escaped(_ bytes: [UInt8], limit: Int) -> String {
        var out = ""
        for byte in bytes.prefix(limit) {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "\\x%02X", byte)
            }
        }
        if bytes.count > limit { out += "…" }
        return out
    }
}

/// Hostile scalar pieces the generators draw from.
enum Hostile {
    /// Strings that break naive parsing: empty, control characters, separators, traversal, scripts, huge.
    static let strings: [String] = [
        "", " ", "\u{0}", "a\u{0}b", "..", "../..", "%00", "%", "%%", "%ZZ", "💥", "\u{202E}evil", "Ω≈ç√", "\\", "\"",
        "'", "' OR 1=1 --", "<script>", "\u{FFFF}", "\u{10FFFF}", "null", "true", "-1", "0", "1e999", "9999-99-99",
        "2021-02-30", "T", "Z", "|", "||", ",", ":", "::", "/", "//", "#", "?", "&", "=", "*", "$", "_", "\t\n\r",
        String(repeating: "x", count: 10_000), String(repeating: "é", count: 3_000), String(repeating: ",", count: 500),
    ]

    /// JSON number texts at the edges of what the models read.
    static let numbers = [
        "0", "-0", "1", "-1", "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
        "9223372036854775808", "99999999999999999999999999999", "1e999999", "1E-999999", "0.1", "1.50",
        "123456789012345678901234567890.123456789012345678901234567890", "-1e-7",
    ]

    /// References a resource may hold.
    static let references = [
        "", "/", "Patient/", "/Patient", "Patient//x", "#", "#missing", "urn:uuid:", "urn:uuid:not-a-uuid",
        "Group/\(UUIDText.zero)", "Patient/x/_history/abc", "Patient/x/_history/99999999999999999999",
        "http://elsewhere.example/fhir/Patient/1", "Patient/../../etc/passwd", "Patient/%00", "a/b/c/d/e/f",
        "InsurancePlan/" + String(repeating: "9", count: 5_000), "Location/R1D1M2V1", "Organization/RAHOS001",
    ]

    /// Byte sequences that are not UTF-8.
    static let invalidUTF8: [[UInt8]] = [
        [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
        [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ]

    /// Percent-encodings that decode to trouble: NUL, invalid UTF-8, separators, broken escapes.
    static let percentTricks = [
        "%00", "%FF", "%C0%80", "%ED%A0%80", "%F4%90%80%80", "%2F", "%2e%2e", "%2E%2E%2F", "%3A", "%3A%3A", "%26",
        "%3D", "%23", "%3F", "%", "%G1", "%%", "+", "%2B", "%5C", "%0D%0A", "%E2%80%AE",
    ]
}

/// UUID texts the generators use.
enum UUIDText {
    static let zero = "00000000-0000-0000-0000-000000000000"
}

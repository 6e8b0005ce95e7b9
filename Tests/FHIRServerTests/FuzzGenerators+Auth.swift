import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Membership

@testable import FHIRServer

extension FuzzGenerator {
    /// Parameter values of the auth and membership forms: some plausible, most hostile.
    mutating func authValue(_ name: String) -> String {
        if rng.percent(35) { return rng.pick(Hostile.strings) }
        switch name {
        case "grant_type":
            return rng.pick([
                "password", "refresh_token", "client_credentials", TokenEndpoint.otpGrant, "implicit", "PASSWORD", "",
            ])
        case "username": return rng.pick(["Admin", "fuzz-user", "nobody", "ADMIN", "admin\u{0}", "Admin "])
        case "password": return rng.pick(["admin123", "wrong", "Secret-pass-1", ""])
        case "dob", "birth_date": return rng.pick(["1962-05-01", "2021-02-30", "0000-00-00", "99999-01-01", "1962"])
        case "chfid", "head_chfid", "insuree":
            return rng.pick([DemoDataset.johnDoeCHFID, DemoDataset.janeDoeCHFID, "000000000", "1"])
        case "phone":
            return rng.pick(["+255700000001", "0700000001", "+", "++++", "12", String(repeating: "9", count: 40)])
        case "email": return rng.pick(["a@example.org", "@", "a@", "a@b@c", "x@" + String(repeating: "d", count: 300)])
        case "otp", "otp_id":
            return rng.pick(["123456", "000000", "1", "abcdef", "9999999999999999999999", UUIDText.zero])
        case "scope":
            return rng.pick(["patient/*.rs", "user/*.cruds", "system/*.*", "openid", "patient/Patient.r user/*.*", "*"])
        case "token", "refresh_token": return rng.pick([rng.pick(catalog.principals.compactMap { $0 }), "x", ""])
        default: return rng.pick(["x", "1", ""])
        }
    }

    /// A form or JSON body with some of `names` (repeated, missing, typed wrongly), under a good or bad content type.
    mutating func authBody(_ names: [String]) -> (String?, [UInt8]) {
        var pairs: [(String, String)] = []
        for name in names where rng.percent(80) { pairs.append((name, authValue(name))) }
        if rng.percent(10), let first = pairs.first { pairs.append(first) }
        if rng.percent(10) { pairs.append((rng.pick(FuzzQuery.oddNames), "x")) }
        switch rng.below(10) {
        case 0..<5:
            var text = pairs.map { FuzzQuery.pair(&rng, percentEncode($0.0), $0.1) }.joined(separator: "&")
            if rng.percent(10) { text += rng.pick(Hostile.percentTricks) }
            return (rng.percent(85) ? "application/x-www-form-urlencoded" : nil, Array(text.utf8))
        case 5..<8:
            var json = JSON.object(
                pairs.map { JSONMember($0.0, rng.percent(90) ? .string($0.1) : FuzzJSON.value(&rng)) })
            if rng.percent(20) { json = FuzzJSON.mutate(json, &rng) }
            var bytes = FuzzJSON.bytes(json)
            if rng.percent(20) { bytes = FuzzJSON.damage(bytes, &rng) }
            return (rng.percent(85) ? "application/json" : nil, bytes)
        case 8: return ("application/json", FuzzJSON.deep(&rng))
        default:
            return (
                rng.pick(["text/plain", "application/fhir+json", "multipart/form-data", "", "application/xml"]),
                Array(rng.pick(["grant_type=password", "{}", "", "\u{0}"]).utf8)
                    + (rng.percent(50) ? rng.pick(Hostile.invalidUTF8) : [])
            )
        }
    }

    /// `/auth/...`, the discovery document and the alias's `login`.
    mutating func auth() -> FuzzCase {
        let routes: [(String, [String])] = [
            (
                "/auth/token",
                [
                    "grant_type", "username", "password", "scope", "refresh_token", "client_id", "client_secret",
                    "otp_id", "otp",
                ]
            ),
            ("/auth/otp", ["purpose", "chfid", "head_chfid", "dob", "phone", "email", "username"]),
            ("/auth/otp/resend", ["otp_id"]),
            ("/auth/revoke", ["token", "token_type_hint", "client_id", "client_secret"]),
            ("/auth/introspect", ["token", "token_type_hint"]),
            ("/auth/jwks.json", []), ("/auth/dev/outbox", []), ("/auth/unknown", ["x"]), ("/auth", []),
            ("/auth//token", ["grant_type"]),
            ("/api/api_fhir_r4/login", ["username", "password"]), ("/.well-known/oauth-authorization-server", []),
        ]
        let (path, names) = rng.pick(routes)
        let method: HTTPRequest.Method =
            rng.percent(85) ? (names.isEmpty ? .get : .post) : rng.pick([.get, .put, .delete, .patch, .post])
        var fields = HTTPFields()
        var body: [UInt8]?
        if method == .post || method == .put {
            let (type, bytes) = authBody(names + (path == "/auth/otp" ? ["purpose"] : []))
            if let type { fields[.contentType] = type }
            body = bytes
        }
        if rng.percent(25) { fields[.authorization] = FuzzTokens.basic(&rng) }
        if rng.percent(15), let value = authorization() { fields[.authorization] = value }
        let query = rng.percent(10) ? "?" + FuzzQuery.query(&rng, for: nil, catalog: catalog).text : ""
        return FuzzCase(kind: "auth", method: method, uri: path + query, headers: fields, body: body)
    }

    /// `/membership/...` and the openIMIS compatibility routes `/api/membership/...`.
    mutating func membership() -> FuzzCase {
        let routes: [(HTTPRequest.Method, String, [String])] = [
            (.get, "/membership/me", []), (.get, "/membership/card", []),
            (.post, "/membership/push-tokens", ["token", "platform"]),
            (
                .delete,
                "/membership/push-tokens/\(rng.pick(Hostile.strings.filter { $0.utf8.count < 200 }).isEmpty ? "x" : "%00")",
                []
            ),
            (.get, "/membership/unknown", []), (.get, "/membership", []),
            (.post, "/api/membership/login", ["username", "password"]),
            (.post, "/api/membership/register", ["chfid", "head_chfid", "dob", "phone", "email"]),
            (.post, "/api/membership/resend-otp", ["otp_id"]),
            (.post, "/api/membership/validate-otp", ["otp_id", "otp", "username", "password"]),
            (.post, "/api/membership/save_fcm_token", ["token", "fcm_token"]),
            (.get, "/api/membership/insuree-information", []), (.get, "/api/membership/claims", []),
            (.get, "/api/membership/claimed-item-services", []), (.get, "/api/membership/card/\(id())", []),
            (.get, "/api/membership/fhir-patient", []), (.get, "/api/membership/nothing", []),
            (.get, "/api/membership/membership/card/\(id())", []),
            (.get, "/api/membership/claimed-item-services/?claim_id=\(rng.pick(["1", "-1", "0x10", "99999999999999999999", id()]))", []),
            (.get, "/api/membership/config", []), (.get, "/api/membership/config/", []),
            (.get, "/api/membership/locations/", []), (.get, "/api/membership/hospitals", []),
            (.post, "/api/membership/check-username/", ["username"]),
            (.get, "/api/membership/nationalId/?national_id=\(rng.pick(["", "1", "%00", "%27%20OR%201%3D1"]))", []),
            (.post, "/membership/enrollment", ["family", "members", "product_code"]),
            (.post, "/api/membership/enrollment/", ["family", "members", "payments"]),
            (.get, "/membership/enrollment/\(id())", []),
            (.post, "/membership/enrollment/\(id())/paypal", []),
            (.post, "/membership/enrollment/\(id())/paypal/capture", ["order_id"]),
        ]
        var (method, path, names) = rng.pick(routes)
        if rng.percent(10) { method = rng.pick([.get, .post, .put, .delete, .patch]) }
        var fields = HTTPFields()
        if let value = authorization() { fields[.authorization] = value }
        var body: [UInt8]?
        if method == .post || method == .put {
            let (type, bytes) = authBody(names)
            if let type { fields[.contentType] = type }
            body = bytes
        }
        var query = ""
        if rng.percent(60) {
            let name = rng.pick(["insuree", "claim_id", "identifier", "insuree_uuid", "lang", "format"])
            query =
                "?"
                + FuzzQuery.pair(
                    &rng, name,
                    rng.percent(50)
                        ? authValue("insuree") : rng.pick([UUIDText.zero, DemoDataset.UUIDs.claim001, id()]))
        }
        return FuzzCase(kind: "membership", method: method, uri: path + query, headers: fields, body: body)
    }

    /// Bulk export: the kick-offs at three levels (GET and POST, with and without `Prefer: respond-async`), the
    /// status endpoint and the file route, with plausible and hostile parameters, job ids and file names.
    mutating func export() -> FuzzCase {
        let job = rng.pick(["0123456789abcdef0123456789abcdef", "x", "%00", "..", UUIDText.zero, id()])
        let routes: [(HTTPRequest.Method, String)] = [
            (.get, "$export"), (.post, "$export"), (.get, "Patient/$export"), (.post, "Patient/$export"),
            (.get, "Group/\(rng.pick([DemoDataset.UUIDs.doeFamily, id()]))/$export"),
            (.post, "Group/\(id())/$export"), (.get, "$export-poll-status/\(job)"),
            (.delete, "$export-poll-status/\(job)"), (.get, "$export-file/\(job)/\(rng.pick(["Patient-1.ndjson", "..%2f..%2fetc%2fpasswd", "%00"]))"),
        ]
        var (method, path) = rng.pick(routes)
        if rng.percent(10) { method = rng.pick([.get, .post, .put, .delete, .patch]) }
        var fields = HTTPFields()
        if let value = authorization() { fields[.authorization] = value }
        if rng.percent(70) { fields[HTTPField.Name("Prefer")!] = rng.pick(["respond-async", "respond-async, handling=strict", "x"]) }
        let names = ["_type", "_since", "_until", "_elements", "patient", "_typeFilter", "_outputFormat", "_foo"]
        let values = [
            "Patient", "Patient,Group", "Unknown", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "yesterday",
            "Patient?gender=male", "Patient?unknown=1", "Claim%3Fstatus%3Dactive", "ndjson", "text/csv", "Patient/\(id())",
        ]
        var pairs: [String] = []
        for _ in 0..<rng.below(4) {
            pairs.append(FuzzQuery.pair(&rng, rng.pick(names), rng.percent(30) ? rng.pick(Hostile.strings) : rng.pick(values)))
        }
        var body: [UInt8]?
        if method == .post {
            fields[.contentType] = "application/fhir+json"
            body = rng.percent(50)
                ? Array(#"{"resourceType":"Parameters","parameter":[{"name":"_type","valueString":"Patient"}]}"#.utf8)
                : FuzzJSON.bytes(FuzzJSON.value(&rng))
        }
        let query = pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
        return FuzzCase(kind: "export", method: method, uri: "\(base())/\(path)\(query)", headers: fields, body: body)
    }

    /// Health checks, discovery documents, and paths no surface serves.
    mutating func elsewhere() -> FuzzCase {
        let method: HTTPRequest.Method =
            rng.percent(75) ? .get : rng.pick([.post, .put, .delete, .head, .options, .patch])
        return FuzzCase(
            kind: "elsewhere", method: method, uri: rng.pick(Self.elsewherePaths), headers: headers(contentType: nil),
            body: method == .post ? Array("{}".utf8) : nil)
    }

    /// Health checks, discovery documents, and paths no surface serves.
    static let elsewherePaths = [
        "/health/live", "/health/ready", "/health/", "/health/live/x", "/health",
        "/.well-known/smart-configuration",
        "/.well-known/oauth-authorization-server", "/.well-known/", "/.well-known/%2e%2e/auth/token", "/", "", "//",
        "*",
        "/%00", "/fhirx/Patient", "/api", "/api/", "/api/api_fhir_r4x", "/FHIR/Patient", "/fhir%2FPatient",
        "http://evil.example/fhir/Patient", "/\(String(repeating: "p", count: 9_000))", "/api/membershipx/login",
        // The Subscription operations, on unknown and odd ids, other types and bad paging.
        "/fhir/Subscription/\(UUIDText.zero)/$events", "/api/api_fhir_r4/Subscription/\(UUIDText.zero)/$resend",
        "/fhir/Subscription/x/$events?eventsSinceNumber=-1&_count=99999", "/fhir/Subscription/$events",
        "/fhir/Patient/\(DemoDataset.UUIDs.johnDoe)/$events", "/fhir/Subscription/x/$resend?_count=0",
        "/fhir/Subscription/%00/$events", "/fhir/Subscription/x/$events/extra",
    ]
}

/// Forged and mangled bearer tokens and Basic credentials.
enum FuzzTokens {
    /// An `Authorization` value that must not authenticate: alg none, bad base64, truncated, huge, resigned with
    /// odd claims, another scheme.
    static func mangled(_ rng: inout FuzzRandom, valid: [String]) -> String {
        let token = valid.isEmpty ? "a.b.c" : rng.pick(valid)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let header = parts.first ?? ""
        let payload = parts.count > 1 ? parts[1] : ""
        // Only the chosen form is built: some are large, and one signs a token.
        switch rng.below(24) {
        case 0: return "Bearer \(algNone).\(payload)."
        case 1: return "Bearer \(algNone).\(payload)"
        case 2: return "Bearer \(header).\(payload).AAAA"
        case 3: return "Bearer \(String(token.prefix(rng.below(token.count + 1))))"
        case 4: return rng.pick(["Bearer !!!.@@@.###", "Bearer ...", "Bearer .", "Bearer", "Bearer ", "Bearer \u{0}"])
        case 5: return "Bearer \(token).\(token)"
        case 6: return "Bearer " + rng.pick(hugeTokens)
        case 7: return "Bearer \(header).\(deepPayload).x"
        case 8: return "Bearer \(deepHeader).\(payload).x"
        case 9: return "Bearer \(longKeyIDHeader).\(payload).x"
        case 10: return "Bearer \(rs256Header).\(payload).\(parts.last ?? "")"
        case 11, 12, 13: return "Bearer " + resigned(&rng)
        case 14: return "bearer \(token)"
        case 15: return "BEARER  \(token)  "
        case 16: return "Basic \(token)"
        case 17: return "Token \(token)"
        case 18: return token
        case 19: return "Bearer \(token) extra"
        case 20: return "Bearer \(token.replacingOccurrences(of: ".", with: "%2E"))"
        case 21: return "Bearer " + String(repeating: "é", count: 50)
        case 22: return "Bearer \(header).\(payload)"
        default: return "Bearer \(header)..\(parts.last ?? "")"
        }
    }

    static let algNone = Base64URL.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
    static let rs256Header = Base64URL.encode(Data(#"{"alg":"RS256"}"#.utf8))
    static let longKeyIDHeader = Base64URL.encode(
        Data(#"{"alg":"HS256","kid":"\#(String(repeating: "k", count: 500))"}"#.utf8))
    /// A header nested deeper than any JSON decoder's limit (still under the 8 KB a token may have).
    static let deepHeader = Base64URL.encode(Data(String(repeating: "[", count: 5_000).utf8))
    static let deepPayload = Base64URL.encode(Data(String(repeating: "[", count: 600).utf8))
    static let hugeTokens = [8_191, 8_192, 100_000].map { String(repeating: "A", count: $0) }

    /// A token signed with the test key whose claims are odd: unknown or negative ids, extreme times, odd scopes,
    /// a client that does not exist.
    static func resigned(_ rng: inout FuzzRandom) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims = AccessTokenClaims(
            iss: rng.percent(85) ? testTokenSettings.issuer : "http://evil.example", aud: testTokenSettings.audience,
            sub: rng.pick(["user:1", "client:nobody", "", "user:" + UUIDText.zero]),
            exp: rng.pick([now + 3_600, Int64.max, now - 10, Int64.min]), iat: rng.pick([now, Int64.min, Int64.max]),
            nbf: rng.pick([now, Int64.min, Int64.max, now + 3_600]),
            jti: rng.pick(["x", "", String(repeating: "j", count: 2_000)]),
            scope: rng.pick([
                "user/*.cruds", "patient/*.rs", "system/*.*", "", "*", "patient/Patient.r user/../x",
                String(repeating: "a ", count: 1_000),
                "user/Patient.\u{0}", "system/Invoice.cruds",
            ]),
            uid: rng.pick([1, 2, 3, 0, -1, Int64.max, Int64.min, nil]),
            client_id: rng.percent(20) ? rng.pick(["fuzz-system", "nobody", ""]) : nil,
            insuree: rng.pick([nil, 1, -1, Int64.max]))
        return (try? JWTSigner(key: .hs256(secret: testSecret)).sign(claims)) ?? "unsigned"
    }

    /// A Basic credential header: good and bad base64, no colon, invalid UTF-8 inside, huge.
    static func basic(_ rng: inout FuzzRandom) -> String {
        let raw: [[UInt8]] = [
            Array("fuzz-system:wrong".utf8), Array("nocolon".utf8), Array(":".utf8), Array("a%ZZ:b%00".utf8),
            [0xFF, 0x3A, 0xFE],
            Array(String(repeating: "c", count: 5_000).utf8) + [0x3A], Array("fuzz-system:".utf8),
        ]
        return rng.pick([
            "Basic " + Data(rng.pick(raw)).base64EncodedString(), "Basic !!!", "Basic ", "Basic ====", "basic Zm9v",
        ])
    }
}

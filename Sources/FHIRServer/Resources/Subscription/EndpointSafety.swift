import FHIRModels
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a subscription may send notifications: the one check of an endpoint URL, made at create and update and
/// again by delivery on the addresses a host name resolves to.
///
/// Only `http` and `https`; never a link-local or cloud-metadata address, in any spelling an HTTP client would
/// accept (IPv4 in decimal, octal, hexadecimal or shortened form, IPv4-mapped or -embedded IPv6, bracketed
/// link-local IPv6, the metadata host names); loopback and private addresses only in development, or in production
/// when `SUBSCRIPTION_ALLOWED_HOSTS` lists them.
public struct EndpointPolicy: Sendable {
    /// `MODE=DEV`: loopback and private addresses are allowed.
    public var allowInternal: Bool
    /// Hosts allowed although internal (names lower-cased, IP literals in canonical form).
    public var allowedHosts: Set<String>

    /// A policy; `allowedHosts` as written in the setting (names or IP literals, any case).
    public init(allowInternal: Bool, allowedHosts: [String] = []) {
        self.allowInternal = allowInternal
        self.allowedHosts = Set(allowedHosts.map { EndpointPolicy.canonicalHost($0) })
    }

    /// What an address is, for this check.
    public enum AddressClass: Sendable, Equatable {
        /// A public address.
        case global
        /// Loopback, private, shared or unique-local: allowed in DEV or when listed.
        case `internal`
        /// Link-local, cloud metadata, unspecified, multicast or reserved: never.
        case forbidden
    }

    /// Host names of cloud metadata services, refused like their addresses.
    static let metadataHosts: Set<String> = [
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    ]

    /// Checks `endpoint`; the refusal says why. A host name is not resolved here (delivery checks the addresses it
    /// resolves to with ``check(address:host:)``); an IP literal is checked now.
    public func check(_ endpoint: String) throws(FHIRError) -> URLComponents {
        func refuse(_ why: String) -> FHIRError {
            FHIRError(.unprocessable, "channel.endpoint \(why)", issues: [
                ValidationIssue(code: .value, path: "Subscription.channel.endpoint", message: "channel.endpoint \(why)")
            ])
        }
        guard !endpoint.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } == true }),
            let url = URLComponents(string: endpoint), let scheme = url.scheme?.lowercased()
        else { throw refuse("is not an absolute URL") }
        guard scheme == "http" || scheme == "https" else { throw refuse("must be an http or https URL") }
        guard url.user == nil, url.password == nil else { throw refuse("must not carry credentials (send them in channel.header)") }
        guard let rawHost = url.host, !rawHost.isEmpty else { throw refuse("has no host") }
        let host = Self.canonicalHost(rawHost)
        let kind: AddressClass
        if let address = Self.ipAddress(rawHost) {
            kind = Self.classify(address)
        } else if Self.looksNumeric(host) {
            throw refuse("has a host that is neither a name nor a valid IP address")
        } else if Self.metadataHosts.contains(host) {
            kind = .forbidden
        } else if host == "localhost" || host.hasSuffix(".localhost") {
            kind = .internal
        } else {
            return url
        }
        try check(kind, host: host, refuse: refuse)
        return url
    }

    /// Checks one address `host` resolved to (for delivery); `host` is what the allow-list is matched against.
    public func check(address: [UInt8], host: String) throws(FHIRError) {
        try check(Self.classify(address), host: Self.canonicalHost(host)) { why in
            FHIRError(.unprocessable, "channel.endpoint \(why)")
        }
    }

    private func check(_ kind: AddressClass, host: String, refuse: (String) -> FHIRError) throws(FHIRError) {
        switch kind {
        case .global: return
        case .forbidden: throw refuse("names a link-local, metadata, multicast or reserved address, which is never allowed")
        case .internal:
            guard allowInternal || allowedHosts.contains(host) else {
                throw refuse("names a loopback or private address, allowed in production only when SUBSCRIPTION_ALLOWED_HOSTS lists it")
            }
        }
    }

    /// A host as compared: lower case, no trailing dot, no brackets, an IP literal in its canonical text.
    static func canonicalHost(_ host: String) -> String {
        if let address = ipAddress(host) { return addressText(address) }
        var text = host.lowercased()
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Whether a host the IP parsers refused would still be read as a number by some client (its last label is
    /// decimal or `0x` hexadecimal): such a host is refused rather than taken for a name.
    static func looksNumeric(_ host: String) -> Bool {
        guard let last = host.split(separator: ".").last, !last.isEmpty else { return false }
        if last.allSatisfy(\.isNumber) { return true }
        return last.hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// The address of an IP literal: 4 bytes for IPv4 in any form `inet_aton` reads (as URL parsers do: decimal,
    /// octal, hexadecimal, 1 to 4 parts), 16 for IPv6 (bracketed or not; a zone index is dropped); nil otherwise.
    static func ipAddress(_ host: String) -> [UInt8]? {
        var text = host
        while text.hasSuffix(".") && !text.hasPrefix("[") { text.removeLast() }
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.contains(":") {
            if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
            var bytes = [UInt8](repeating: 0, count: 16)
            let parsed = bytes.withUnsafeMutableBytes { inet_pton(AF_INET6, text, $0.baseAddress) }
            return parsed == 1 ? bytes : nil
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" || $0 == "X" }) else { return nil }
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return withUnsafeBytes(of: address.s_addr) { Array($0) }
    }

    /// The canonical text of an address.
    static func addressText(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let done = address.withUnsafeBytes { bytes in inet_ntop(AF_INET6, bytes.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard done != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The class of an address (4 or 16 bytes); an IPv6 address carrying an IPv4 one (mapped, compatible, NAT64)
    /// is the class of that IPv4 address.
    public static func classify(_ address: [UInt8]) -> AddressClass {
        if address.count == 4 { return classify4(address[0], address[1], address[2], address[3]) }
        guard address.count == 16 else { return .forbidden }
        let head = Array(address[0..<12])
        let tail = Array(address[12..<16])
        if head == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] { return classify(tail) }
        if head == [UInt8](repeating: 0, count: 12) {
            if tail == [0, 0, 0, 0] { return .forbidden }
            if tail == [0, 0, 0, 1] { return .internal }
            return classify(tail)
        }
        if head == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return classify(tail) }
        // fd00:ec2::254, the instance metadata service over IPv6.
        if address == [0xfd, 0, 0x0e, 0xc2] + [UInt8](repeating: 0, count: 10) + [0x02, 0x54] { return .forbidden }
        if address[0] == 0xfe && address[1] & 0xc0 == 0x80 { return .forbidden }
        if address[0] == 0xff { return .forbidden }
        if address[0] & 0xfe == 0xfc || (address[0] == 0xfe && address[1] & 0xc0 == 0xc0) { return .internal }
        return .global
    }

    static func classify4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> AddressClass {
        switch (a, b) {
        case (0, _), (169, 254), (224...255, _): return .forbidden
        // 100.100.100.200: a cloud's metadata service inside the shared range.
        case (100, 100) where c == 100 && d == 200: return .forbidden
        case (127, _), (10, _), (172, 16...31), (192, 168), (100, 64...127), (198, 18...19): return .internal
        default: return .global
        }
    }
}

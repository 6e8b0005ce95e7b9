import Foundation

/// A W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header): the trace a request
/// belongs to and the span that caused it. The running request's is ``current``; outgoing HTTP calls (``HTTPPost``)
/// send a child of it, so that a webhook, FCM or SMS gateway call joins the caller's trace.
public struct TraceParent: Sendable, Hashable {
    /// 32 lower-case hex digits, not all zero.
    public let traceID: String
    /// 16 lower-case hex digits, not all zero: the span this one is the child of (or this span, when sent).
    public let spanID: String
    /// Whether the trace is sampled (flag `01`).
    public let sampled: Bool

    /// The trace of the running request, if any.
    @TaskLocal public static var current: TraceParent?

    public init(traceID: String, spanID: String, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// Parses a `traceparent` header of version `00` (and of later versions, by their first four fields, as the
    /// specification asks); nil for anything malformed, all-zero ids included.
    public init?(header: String) {
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, Self.isHex(parts[0]), parts[0] != "ff" else { return nil }
        if parts[0] == "00", parts.count != 4 { return nil }
        guard parts[1].count == 32, Self.isHex(parts[1]), parts[1] != Substring(String(repeating: "0", count: 32)),
            parts[2].count == 16, Self.isHex(parts[2]), parts[2] != Substring(String(repeating: "0", count: 16)),
            parts[3].count == 2, Self.isHex(parts[3]), let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        self.init(traceID: String(parts[1]), spanID: String(parts[2]), sampled: flags & 1 == 1)
    }

    /// A new trace, sampled with probability `sampleRate`.
    public static func newTrace(sampleRate: Double = 1) -> TraceParent {
        TraceParent(traceID: randomHex(bytes: 16), spanID: randomHex(bytes: 8), sampled: Double.random(in: 0..<1) < sampleRate)
    }

    /// A span of the same trace whose parent is this one.
    public func child() -> TraceParent {
        TraceParent(traceID: traceID, spanID: Self.randomHex(bytes: 8), sampled: sampled)
    }

    /// The header value: `00-<trace id>-<span id>-<flags>`.
    public var header: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Random lower-case hex of `bytes` bytes, never all zero.
    public static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var values = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        if values.allSatisfy({ $0 == 0 }) { values[values.count - 1] = 1 }
        return values.map { String(format: "%02x", $0) }.joined()
    }
}

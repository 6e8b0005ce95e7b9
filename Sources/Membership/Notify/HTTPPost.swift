import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A POST through URLSession, answered as status and body.
struct HTTPPost: Sendable {
    let session: URLSession

    struct Answer: Sendable {
        var status: Int
        var body: Data
        var retryable: Bool { status == 408 || status == 429 || status >= 500 }
    }

    func callAsFunction(_ url: URL, headers: [String: String], body: Data, timeout: TimeInterval) async throws -> Answer {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // The caller's trace continues at the receiver (W3C Trace Context).
        if let trace = TraceParent.current { request.setValue(trace.child().header, forHTTPHeaderField: "traceparent") }
        request.httpBody = body
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw DeliveryError.transient("\(url.host ?? "server") unreachable: \((error as NSError).code)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw DeliveryError.transient("\(url.host ?? "server") answered without HTTP")
        }
        return Answer(status: http.statusCode, body: data)
    }

    /// `application/x-www-form-urlencoded` of `fields` (RFC 6749 appendix B).
    static func form(_ fields: [(String, String)]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
        return Data(text.utf8)
    }
}

extension URLSessionConfiguration {
    /// An ephemeral configuration (no cookies, cache or credentials kept) whose requests, and whole transfers, give up
    /// after `timeout` seconds: what every outgoing call of the server uses.
    public static func bounded(_ timeout: TimeInterval) -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        return configuration
    }
}

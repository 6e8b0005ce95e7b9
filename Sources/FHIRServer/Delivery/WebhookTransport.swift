import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends webhook requests the way the project's other outgoing calls do (`URLSession`, like the notification
/// channels' `HTTPPost`), with what delivery to a subscriber's URL needs beyond that: no redirect is followed
/// (a 3xx is the answer), no cookies or cache, a bounded time per request and a bounded answer (the body is read
/// up to `maxAnswerBytes`, then the connection is dropped; it is never kept or logged), and the endpoint's host
/// checked again against ``EndpointPolicy`` on the addresses it resolves to right now.
final class WebhookTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// A failure before any HTTP answer; `description` names no header, body or secret.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct Pending {
        var continuation: CheckedContinuation<Int, any Error>
        var status = 0
        var received = 0
        var tooLarge = false
    }

    private let timeout: TimeInterval
    private let maxAnswerBytes: Int
    private let lock = NSLock()
    private var pending: [Int: Pending] = [:]  // guarded by `lock`
    private var session: URLSession?

    /// A transport with `timeout` seconds per request and answers read up to `maxAnswerBytes`.
    init(timeout: TimeInterval, maxAnswerBytes: Int) {
        self.timeout = timeout
        self.maxAnswerBytes = maxAnswerBytes
        super.init()
        let configuration = URLSessionConfiguration.bounded(timeout)
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    /// Sends `message` after checking its host with `policy`; the HTTP status of the answer.
    func send(_ message: WebhookMessage, policy: EndpointPolicy) async throws -> Int {
        try Self.checkHost(message.url, policy: policy)
        guard let session else { throw Failure(description: "no HTTP session") }
        var request = URLRequest(url: message.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = message.method
        for (name, value) in message.headers { request.addValue(value, forHTTPHeaderField: name) }
        request.httpBody = message.body
        return try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request)
            lock.withLock { pending[task.taskIdentifier] = Pending(continuation: continuation) }
            task.resume()
        }
    }

    /// Refuses a host that is, or resolves to, an address the policy forbids (link-local, metadata; internal ones
    /// unless allowed).
    static func checkHost(_ url: URL, policy: EndpointPolicy) throws {
        do {
            _ = try policy.check(url.absoluteString)
        } catch {
            throw Failure(description: "endpoint refused: \(error.message)")
        }
        guard let host = url.host, !host.isEmpty else { throw Failure(description: "endpoint has no host") }
        if EndpointPolicy.ipAddress(host) != nil { return }  // a literal: checked above
        let addresses = resolve(host)
        guard !addresses.isEmpty else { throw Failure(description: "\(host) does not resolve") }
        for address in addresses {
            do {
                try policy.check(address: address, host: host)
            } catch {
                throw Failure(description: "endpoint refused: \(error.message)")
            }
        }
    }

    /// The addresses `host` resolves to (4 or 16 bytes each).
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var result: [[UInt8]] = []
        var cursor = list
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var value = pointer.pointee.sin_addr
                        result.append(withUnsafeBytes(of: &value) { Array($0) })
                    }
                } else if entry.pointee.ai_family == AF_INET6 {
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var value = pointer.pointee.sin6_addr
                        result.append(withUnsafeBytes(of: &value) { Array($0) })
                    }
                }
            }
            cursor = entry.pointee.ai_next
        }
        return result
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        lock.withLock { pending[dataTask.taskIdentifier]?.status = status }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = lock.withLock { () -> Bool in
            guard var state = pending[dataTask.taskIdentifier] else { return false }
            state.received += data.count
            state.tooLarge = state.received > maxAnswerBytes
            pending[dataTask.taskIdentifier] = state
            return state.tooLarge
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let state = lock.withLock({ pending.removeValue(forKey: task.taskIdentifier) }) else { return }
        if state.status > 0, error == nil || state.tooLarge {
            state.continuation.resume(returning: state.status)
        } else if let error {
            let code = (error as NSError).code
            state.continuation.resume(throwing: Failure(description: code == NSURLErrorTimedOut
                ? "no answer within \(Int(timeout)) s" : "unreachable (\(code))"))
        } else {
            state.continuation.resume(throwing: Failure(description: "no HTTP answer"))
        }
    }
}

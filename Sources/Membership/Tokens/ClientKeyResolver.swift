import Foundation
import IMISData

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The public keys of a client that authenticates with signed assertions: the JWK Set registered with it, or the one
/// its registered URL serves, fetched when needed (bounded in size and time, no redirects, HTTPS only when
/// `requireHTTPS`) and kept for `cacheLifetime`.
public actor ClientKeyResolver {
    /// Whether a JWK Set URL must be HTTPS (`MODE=PROD`).
    public let requireHTTPS: Bool
    /// How long a fetched JWK Set is used before it is fetched again.
    public let cacheLifetime: TimeInterval
    /// How long one fetch may take.
    public let fetchTimeout: TimeInterval
    /// How many URLs' sets are kept at most.
    static let cacheLimit = 1000
    /// How soon after a fetch a set may be fetched again because an assertion names a `kid` it lacks (key rotation).
    static let refetchInterval: TimeInterval = 30

    struct Cached {
        var keys: ClientJWKS
        var fetchedAt: Date
    }

    var cache: [String: Cached] = [:]
    /// When a URL last failed to give a usable set: it is not asked again before ``refetchInterval`` has passed, so
    /// assertions naming a client whose URL is down cannot make the server fetch on every request.
    var failures: [String: Date] = [:]

    public init(requireHTTPS: Bool = false, cacheLifetime: TimeInterval = 300, fetchTimeout: TimeInterval = 5) {
        self.requireHTTPS = requireHTTPS
        self.cacheLifetime = cacheLifetime
        self.fetchTimeout = fetchTimeout
    }

    /// The client's keys. `refreshing` fetches a URL's set again when the cached one is older than
    /// ``refetchInterval`` (used when an assertion names a key the cached set lacks).
    func keys(for registration: ClientKeyRegistration, now: Date, refreshing: Bool = false) async throws -> ClientJWKS {
        if let jwks = registration.jwks {
            do { return try ClientJWKS(json: Data(jwks.utf8)) } catch {
                throw ClientAssertion.refused("the client's registered keys are unusable")
            }
        }
        guard let text = registration.jwksURL else {
            throw ClientAssertion.refused("the client has no registered keys")
        }
        if let cached = cache[text] {
            let age = now.timeIntervalSince(cached.fetchedAt)
            if age >= 0, age < cacheLifetime, !(refreshing && age >= Self.refetchInterval) { return cached.keys }
        }
        if let failed = failures[text], now.timeIntervalSince(failed) >= 0,
            now.timeIntervalSince(failed) < Self.refetchInterval
        {
            throw ClientAssertion.refused("the client's JWK Set could not be fetched")
        }
        let keys: ClientJWKS
        do {
            keys = try await fetch(text)
            failures[text] = nil
        } catch {
            if failures.count >= Self.cacheLimit { failures.removeAll() }
            failures[text] = now
            throw error
        }
        if cache.count >= Self.cacheLimit { cache.removeAll() }
        cache[text] = Cached(keys: keys, fetchedAt: now)
        return keys
    }

    /// Whether a URL's set is cached now (for tests and diagnostics).
    public func isCached(_ url: String) -> Bool { cache[url] != nil }

    func fetch(_ text: String) async throws -> ClientJWKS {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "https" || (!requireHTTPS && scheme == "http")
        else { throw ClientAssertion.refused("the client's JWK Set URL is not usable (HTTPS is required)") }
        let data: Data
        do {
            data = try await BoundedFetch(limit: ClientJWKS.maximumSize, timeout: fetchTimeout).get(url)
        } catch {
            throw ClientAssertion.refused("the client's JWK Set could not be fetched")
        }
        do { return try ClientJWKS(json: data) } catch {
            throw ClientAssertion.refused("the client's JWK Set URL serves no usable key")
        }
    }
}

/// A GET whose body may not exceed `limit` bytes nor take longer than `timeout`, following no redirect; only a 200
/// answer counts.
final class BoundedFetch: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Failed: Error {}

    let limit: Int
    let timeout: TimeInterval
    let lock = NSLock()
    var body = Data()
    var continuation: CheckedContinuation<Data, any Error>?

    init(limit: Int, timeout: TimeInterval) {
        self.limit = limit
        self.timeout = timeout
    }

    func get(_ url: URL) async throws -> Data {
        let session = URLSession(configuration: .bounded(timeout), delegate: self, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock { self.continuation = continuation }
            session.dataTask(with: request).resume()
        }
    }

    /// Resumes the waiting caller once.
    func finish(_ result: Result<Data, any Error>) {
        let waiting = lock.withLock { () -> CheckedContinuation<Data, any Error>? in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        guard (response as? HTTPURLResponse)?.statusCode == 200, response.expectedContentLength <= Int64(limit) else {
            completionHandler(.cancel)
            finish(.failure(Failed()))
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let tooLarge = lock.withLock { () -> Bool in
            body.append(data)
            return body.count > limit
        }
        if tooLarge {
            dataTask.cancel()
            finish(.failure(Failed()))
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error { return finish(.failure(error)) }
        let status = (task.response as? HTTPURLResponse)?.statusCode
        finish(status == 200 ? .success(lock.withLock { body }) : .failure(Failed()))
    }
}

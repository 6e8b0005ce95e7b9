import Foundation
import NIOConcurrencyHelpers
import TestProcesses
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The built `imis-fhir serve` as a child process: SIGTERM under load makes readiness fail first, lets every request in
/// flight finish, and exits 0 within `SHUTDOWN_GRACE`; with `LOG_FORMAT=json` every log line is a JSON object and
/// request lines carry a request id.
@Suite struct ShutdownTests {
    /// What the load saw.
    struct Tally: Sendable {
        var complete = 0
        /// Refused before a connection was made (the listener had closed): allowed.
        var refused = 0
        /// Cut after the connection was made, or an answer that is not whole JSON: never allowed.
        var cut: [String] = []
    }

    /// The tally and the stop flag the load tasks share.
    final class Shared: Sendable {
        let tally = NIOLockedValueBox(Tally())
        let stop = NIOLockedValueBox(false)
        let signalled = NIOLockedValueBox(false)
    }

    static func freePort() -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, length) == 0 ? getsockname(probe, $0, &length) : -1 }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func request(_ session: URLSession, _ url: String, token: String? = nil, form: String? = nil) async throws
        -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 30)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let form {
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(form.utf8)
        }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    @Test func sigtermUnderLoadFinishesWhatIsInFlightAndExitsWithinTheGrace() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shutdown-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = Self.freePort()
        let logFile = folder.appendingPathComponent("log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let process = try SpawnedProcess(
            AccountCommandTests.executable.path,
            ["serve", "--port", "\(port)", "--database", folder.appendingPathComponent("imis.sqlite3").path],
            environment: [
                "MODE": "DEV", "LOG_FORMAT": "json", "LOG_LEVEL": "info", "SHUTDOWN_GRACE": "5", "SHUTDOWN_DRAIN_DELAY": "1",
                "RATELIMIT_RATE": "100000/m", "PATH": "/usr/bin:/bin",
            ],
            output: .file(logFile.path), errors: .file(logFile.path))
        defer { process.terminate() }

        let base = "http://127.0.0.1:\(port)"
        let session = URLSession(configuration: .ephemeral)
        var ready = false
        let starting = ContinuousClock.now
        while !ready, ContinuousClock.now - starting < .seconds(60) {
            ready = (try? await Self.request(session, base + "/health/ready"))?.0 == 200
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(ready, "the server did not become ready")
        let (status, body) = try await Self.request(
            session, base + "/auth/token", form: "grant_type=password&username=Admin&password=admin123")
        #expect(status == 200)
        let token = try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["access_token"] as? String)

        let shared = Shared()
        let (tally, stop) = (shared.tally, shared.stop)
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let (tally, stop) = (shared.tally, shared.stop)
                        while !stop.withLockedValue({ $0 }) {
                            // A raw connection per request: what came back tells a refusal (nothing) from a cut
                            // (a head or part of a body) and from a whole answer.
                            let bytes: [UInt8]
                            do {
                                let client = try await RawClient.connect(port: port)
                                try await client.send(
                                    "GET /fhir/Patient?_count=50 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n")
                                _ = try await client.waitForClose(within: .seconds(30))
                                bytes = client.bytes
                                await client.close()
                            } catch {
                                bytes = []
                            }
                            let answer = RawResponse(parsing: bytes)
                            tally.withLockedValue {
                                if bytes.isEmpty {
                                    // Not connected, or closed before an answer began: the listener has closed.
                                    $0.refused += 1
                                } else if let answer, answer.status == 200,
                                    (try? JSONSerialization.jsonObject(with: Data(answer.body))) != nil
                                {
                                    $0.complete += 1
                                } else {
                                    let phase = shared.signalled.withLockedValue { $0 } ? "after" : "before"
                                    $0.cut.append("\(phase) SIGTERM: \(bytes.count) bytes, status \(answer?.status ?? 0)")
                                }
                            }
                            if bytes.isEmpty, shared.signalled.withLockedValue({ $0 }) { stop.withLockedValue { $0 = true } }
                        }
                    }
                }
            }
        }
        // Under load: some answers done, others in flight (a busy machine may take a while for the first ones).
        let loading = ContinuousClock.now
        while tally.withLockedValue({ $0.complete }) < 8, ContinuousClock.now - loading < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let before = tally.withLockedValue { $0.complete }
        let signalled = ContinuousClock.now
        shared.signalled.withLockedValue { $0 = true }
        process.send(SIGTERM)
        // Readiness fails first (within the drain delay, while the listener still accepts and requests are answered).
        var readiness = 200
        while readiness == 200, ContinuousClock.now - signalled < .milliseconds(900) {
            readiness = (try? await Self.request(URLSession(configuration: .ephemeral), base + "/health/ready"))?.0 ?? 0
        }
        #expect(readiness == 503)
        while process.isRunning, ContinuousClock.now - signalled < .seconds(15) { try await Task.sleep(for: .milliseconds(50)) }
        let exited = ContinuousClock.now - signalled
        stop.withLockedValue { $0 = true }
        await load.value

        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        #expect(exited < .seconds(7), "exit \(exited) after SIGTERM (grace 5 s, drain 1 s)")
        let result = tally.withLockedValue { $0 }
        #expect(before > 0 && result.complete > before, "the load answered \(result.complete) requests")
        #expect(result.cut.isEmpty, "requests cut or refused mid-answer: \(result.cut.count) of \(result.complete), before \(before): \(result.cut.prefix(2))")

        let lines = try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "lines that are not JSON: \(lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil }.prefix(3))")
        let requests = objects.filter { $0["message"] as? String == "request" }
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { ($0["request_id"] as? String)?.isEmpty == false && $0["route"] != nil && $0["time"] != nil })
        #expect(objects.contains { ($0["message"] as? String)?.hasPrefix("draining") == true })
        #expect(!lines.contains { $0.contains(token) })
    }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import TestProcesses
import Testing

/// The package's root folder.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs a Hummingbird server with `router` on a free loopback port for the duration of `body`, which gets its
/// base URL (`http://127.0.0.1:PORT`).
func withLocalServer<T: Sendable>(_ router: Router<BasicRequestContext>,
                                  _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in
                              portContinuation.yield(channel.localAddress?.port ?? 0)
                              portContinuation.finish()
                          }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TestServerError("the test server did not start") }
        return try await body(URL(string: "http://127.0.0.1:\(port)")!)
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("membership-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs a program to completion; throws with its error output when it fails.
@discardableResult
func run(_ arguments: [String], in folder: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestServerError("\(arguments.first ?? "") failed: \(problem)")
    }
    return text
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made with openssl.
struct SelfSignedCertificate {
    let certificate: URL
    let key: URL

    init(in folder: URL) throws {
        certificate = folder.appendingPathComponent("cert.pem")
        key = folder.appendingPathComponent("key.pem")
        try run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path])
    }
}

/// A message the SMTP test server received.
struct ReceivedMail: Decodable {
    let mail_from: String
    let rcpt_tos: [String]
    let data: String
    let auth_login: String?
    let tls: Bool

    /// The header fields (unfolded) and the body.
    var parts: (headers: [String: String], body: String) {
        let normalized = data.replacingOccurrences(of: "\r\n", with: "\n")
        let split = normalized.components(separatedBy: "\n\n")
        let head = split.first ?? ""
        var headers: [String: String] = [:]
        var last: String?
        for line in head.components(separatedBy: "\n") {
            if line.hasPrefix(" "), let last {
                headers[last, default: ""] += line
            } else if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = name
            }
        }
        return (headers, split.dropFirst().joined(separator: "\n\n"))
    }
}

/// aiosmtpd (Scripts/smtp-test-server.py) on a free loopback port.
final class SMTPTestServer {
    let port: Int
    private let process: SpawnedProcess
    private let folder: TemporaryFolder

    init(certificate: SelfSignedCertificate? = nil, implicitTLS: Bool = false, user: String? = nil,
         password: String? = nil, excludeAuth: [String] = []) throws {
        folder = try TemporaryFolder()
        var arguments = ["python3", packageRoot.appendingPathComponent("Scripts/smtp-test-server.py").path,
                         "--out", folder.url.path]
        if let certificate {
            arguments += ["--cert", certificate.certificate.path, "--key", certificate.key.path]
            if implicitTLS { arguments.append("--implicit-tls") }
        }
        if let user, let password { arguments += ["--user", user, "--password", password] }
        for mechanism in excludeAuth { arguments += ["--exclude-auth", mechanism] }
        // Started holding nothing of the test process (see ``SpawnedProcess``): it lives through the test.
        process = try SpawnedProcess("/usr/bin/env", arguments, input: .pipe, output: .pipe, errors: .pipe)
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = process.standardOutput?.availableData ?? Data()
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            let problem = String(decoding: process.standardError?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            throw TestServerError("the SMTP test server did not start (is aiosmtpd installed?): \(problem)")
        }
        self.port = port
    }

    /// The messages received so far, in order.
    func received() throws -> [ReceivedMail] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
            .filter { $0.hasSuffix(".json") }
            .sorted { Int($0.dropLast(5)) ?? 0 < Int($1.dropLast(5)) ?? 0 }
        return try files.map {
            try JSONDecoder().decode(ReceivedMail.self, from: Data(contentsOf: folder.url.appendingPathComponent($0)))
        }
    }

    /// Closes the server's standard input (it ends then); the process is reaped and its folder removed on a
    /// thread of their own, never holding the test's.
    func stop() {
        try? process.standardInput?.close()
        let process = process, folder = folder.url
        Thread.detachNewThread {
            while process.isRunning { usleep(20_000) }
            try? FileManager.default.removeItem(at: folder)
        }
    }
}

import FHIRModels
import Foundation
import IMISData
import TestProcesses
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

@testable import FHIRServer

/// The built server as a child process, killed with SIGKILL while an event is committed but not yet delivered
/// (its receiver is down), then started again on the same database: the event still arrives, with its id.
@Suite struct SubscriptionCrashTests {
    /// A port nothing listens on now (the kernel's choice for a socket bound to port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReceiverError("no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ReceiverError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts `imis-fhir serve` on `database` and `port`, delivering fast, with `settings` added.
    static func serve(database: String, port: Int, settings: [String: String] = [:]) throws -> SpawnedProcess {
        try SpawnedProcess(
            AccountCommandTests.executable.path, ["serve", "--database", database, "--port", String(port)],
            environment: [
                "MODE": "DEV", "LOG_LEVEL": "critical", "PATH": "/usr/bin:/bin", "SUBSCRIPTION_POLL_MS": "20",
                "SUBSCRIPTION_RETRY_FIRST_MS": "50", "SUBSCRIPTION_RETRY_MAX": "1", "SUBSCRIPTION_TIMEOUT": "2",
            ].merging(settings) { $1 })
    }

    /// One HTTP request to the child server as the demo administrator (HTTP Basic); status and JSON body.
    static func call(_ method: String, _ url: String, body: String? = nil) async throws -> (Int, JSON?) {
        var request = URLRequest(url: try #require(URL(string: url)), timeoutInterval: 10)
        request.httpMethod = method
        let credentials = "\(DemoDataset.Accounts.admin.username):\(DemoDataset.Accounts.admin.password)"
        request.setValue("Basic " + Data(credentials.utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONParser.parse(Array(data)))
    }

    /// Waits until the child server answers its health check.
    static func waitUntilUp(_ port: Int) async throws {
        for _ in 0..<600 {
            if let (status, _) = try? await call("GET", "http://127.0.0.1:\(port)/health/live"), status == 200 { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw ReceiverError("the server did not start")
    }

    @Test func anEventCommittedBeforeAKillIsDeliveredAfterTheRestart() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let receiver = WebhookReceiver()
        receiver.status.withLockedValue { $0 = 503 }
        try await receiver.run { base in
            let port = try Self.freePort()
            let first = try Self.serve(database: path, port: port)
            defer { first.terminate(SIGKILL) }
            try await Self.waitUntilUp(port)
            let server = "http://127.0.0.1:\(port)/fhir"
            let (created, _) = try await Self.call("POST", "\(server)/Subscription", body: String(buffer: SubscriptionTests.body(
                criteria: "PaymentNotice?status=active", endpoint: base, headers: nil, payload: "application/fhir+json")))
            #expect(created == 201)
            let notice = PaymentTests.noticeJSON(identifier: "CRASH-1", invoice: DemoDataset.UUIDs.doeContributionInvoice, amount: "0.01")
            let (posted, payment) = try await Self.call("POST", "\(server)/PaymentNotice", body: String(buffer: notice))
            #expect(posted == 201)
            let id = try #require(payment?["id"]?.string)
            // Committed and attempted (the receiver is down): pending when the process dies.
            #expect(await receiver.wait { !$0.isEmpty })
            first.send(SIGKILL)
            await first.waitUntilExit()
            let attempted = try #require(receiver.deliveries.first?.webhookID)

            receiver.status.withLockedValue { $0 = 200 }
            let again = try Self.freePort()
            let second = try Self.serve(database: path, port: again)
            defer { second.terminate(SIGKILL) }
            try await Self.waitUntilUp(again)
            #expect(await receiver.wait(timeout: 30) { !$0.filter { $0.answered == 200 }.isEmpty })
            let delivered = try #require(receiver.acknowledged.first)
            #expect(delivered.path == "/PaymentNotice/\(id)")
            #expect(delivered.webhookID == attempted)
            // One event, one id. (A request the killed process had sent just before it died may still be answered
            // 200 once the receiver is back; the sender never learnt it, so the event is sent again with its id.)
            #expect(Set(receiver.acknowledged.map(\.webhookID)) == [attempted])
        }
    }
}

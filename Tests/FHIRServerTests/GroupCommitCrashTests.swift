import FHIRModels
import Foundation
import GRDB
import IMISData
import NIOConcurrencyHelpers
import TestProcesses
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The built server, on an SQLite file, taking PaymentNotices from many clients at once so that their
/// transactions share commits, killed with SIGKILL in the middle: every notice it answered 201 is in the file,
/// once; nothing half-written is (each payment has its detail row); the notices refused inside their transaction
/// (a currency other than the invoice's), which shared groups with the others, left nothing and took none down.
@Suite struct GroupCommitCrashTests {
    typealias Crash = SubscriptionCrashTests

    /// The counter `name` of the server's `/metrics` for SQLite.
    static func metric(_ name: String, port: Int) async throws -> Double {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/metrics")), timeoutInterval: 10)
        request.httpMethod = "GET"
        let (data, _) = try await URLSession.shared.data(for: request)
        let prefix = "\(name){engine=\"sqlite\"} "
        let line = try #require(String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(prefix) })
        return try #require(Double(line.dropFirst(prefix.count)))
    }

    @Test func everyAcknowledgedWriteOfGroupedCommitsSurvivesAKill() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("group-crash-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let port = try Crash.freePort()
        let server = try Crash.serve(database: path, port: port, settings: [
            "RATELIMIT_RATE": "off", "RATELIMIT_AUTHENTICATED_RATE": "off", "DB_COMMIT_GROUP_MAX": "32",
        ])
        defer { server.terminate(SIGKILL) }
        try await Crash.waitUntilUp(port)
        let base = "http://127.0.0.1:\(port)/fhir"
        let acknowledged = NIOLockedValueBox<Set<String>>([])
        let refused = NIOLockedValueBox(0)
        let refusedAsAsked = NIOLockedValueBox(0)
        let clients = 24
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var next = 0
                    let bad = client % 4 == 3
                    while !Task.isCancelled {
                        let identifier = "\(bad ? "GROUPBAD" : "GROUP")-\(client)-\(next)"
                        next += 1
                        let notice = PaymentTests.noticeJSON(
                            identifier: identifier, invoice: DemoDataset.UUIDs.doeContributionInvoice, amount: "0.01",
                            currency: bad ? "USD" : "EUR")
                        guard let (status, _) = try? await Crash.call("POST", "\(base)/PaymentNotice", body: String(buffer: notice))
                        else { return }  // the server is gone
                        switch (bad, status) {
                        case (false, 201): acknowledged.withLockedValue { _ = $0.insert(identifier) }
                        case (true, 400..<500): refusedAsAsked.withLockedValue { $0 += 1 }
                        default: refused.withLockedValue { $0 += 1 }
                        }
                    }
                }
            }
            // Let the clients run until units have shared commits, then kill the server under them.
            var shared = false
            for _ in 0..<600 where !shared {
                try await Task.sleep(nanoseconds: 50_000_000)
                let commits = try await Self.metric("imisfhir_db_commits_total", port: port)
                let units = try await Self.metric("imisfhir_db_committed_units_total", port: port)
                shared = units >= commits + 20 && acknowledged.withLockedValue { $0.count } >= 100
            }
            #expect(shared, "no commit was shared by several requests")
            server.send(SIGKILL)
            await server.waitUntilExit()
            try await group.waitForAll()
        }
        let answered = acknowledged.withLockedValue { $0 }
        #expect(refused.withLockedValue { $0 } == 0, "a good notice refused, or a bad one accepted")
        #expect(answered.count >= 100)
        #expect(refusedAsAsked.withLockedValue { $0 } >= 10)

        let file = try DatabaseQueue(path: path)
        let stored = try await file.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.CodeExt AS code, count(d.PaymentId) AS details FROM tblPaymentInvoice p
                LEFT JOIN tblDetailPaymentInvoice d ON d.PaymentId = p.UUID WHERE p.CodeExt LIKE 'GROUP%' GROUP BY p.UUID
                """).map { (row: Row) -> (String, Int) in (row["code"], row["details"]) }
        }
        let codes = stored.map(\.0)
        #expect(!codes.contains { $0.hasPrefix("GROUPBAD-") }, "a refused notice left a payment")
        #expect(Set(codes).count == codes.count, "a payment was recorded twice")
        #expect(answered.isSubset(of: Set(codes)), "lost: \(answered.subtracting(codes).sorted().prefix(5))")
        #expect(stored.allSatisfy { $0.1 == 1 }, "a payment without its detail row")
    }
}

import Foundation
import IMISData
import PostgresNIO
import TestProcesses

/// A PostgreSQL cluster of one test's own, as `.ci/run` starts one: in a temporary folder, on a free loopback port,
/// trusting local connections of the user `imis`. The test starts and stops it at will; ``remove()`` stops it and
/// deletes the folder. `initdb` refuses to run as root: as root, the cluster belongs to the `postgres` user.
final class OwnPostgresCluster: @unchecked Sendable {
    let directory: URL
    let port: Int
    private let bin: URL
    private let asPostgres: [String]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A new cluster, initialized and not started; with `primary` (started), a streaming replica of it instead, as
    /// PostgreSQL's own tools make one (`pg_basebackup -R`: a hot standby that replays the primary's WAL).
    init(standbyOf primary: OwnPostgresCluster? = nil) throws {
        let versions = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")
            .filter { $0.first?.isNumber == true }
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        guard let newest = versions.last else { throw Failure(description: "no PostgreSQL under /usr/lib/postgresql") }
        bin = URL(fileURLWithPath: "/usr/lib/postgresql/\(newest)/bin")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "imis-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path)
            asPostgres = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        } else {
            asPostgres = []
        }
        port = try Self.freePort()
        if let primary {
            try run("pg_basebackup", ["-D", data, "-h", "127.0.0.1", "-p", String(primary.port), "-U", "imis", "-R",
                                      "-X", "stream", "-c", "fast"])
        } else {
            try run("initdb", ["-D", data, "-U", "imis", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        }
    }

    private var data: String { directory.appendingPathComponent("data").path }

    /// `postgres://imis@127.0.0.1:<port>/postgres`.
    var url: String { "postgres://imis@127.0.0.1:\(port)/postgres" }

    /// Starts the server and waits until it accepts connections, on a thread of its own (never one of the
    /// test's tasks'). A failed start is tried once more; the error then carries the end of the server's log.
    func start() async throws {
        let arguments = [
            "-D", data, "-w", "-l", directory.appendingPathComponent("log").path, "-o",
            "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        ]
        do {
            try await runOffThread("pg_ctl", arguments)
        } catch {
            do {
                try await runOffThread("pg_ctl", arguments)
            } catch {
                let log = (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? ""
                throw Failure(description: "\(error); the server's log ends: \(log.suffix(600))")
            }
        }
    }

    /// The cluster's `postgres` database as the outage tests serve it: started, running (cancel `running` when
    /// done) and migrated, with 4 connections and the patience a loaded test machine needs to hand one out (the
    /// answers the tests look for come from noticing an outage, not from running out of time).
    func migratedDatabase() async throws -> (database: IMISPostgres, running: Task<Void, Never>) {
        try await start()
        var settings = try PostgresSettings(url: url)
        settings.tls = .disable
        settings.maximumConnections = 4
        settings.allowSlowTestMachines()
        let database = IMISPostgres(settings: settings, logger: TestPostgres.logger)
        let running = Task.detached { await database.run() }
        do {
            try await database.migrate()
        } catch {
            running.cancel()
            throw error
        }
        return (database, running)
    }

    /// Stops the server the way an operator does (`-m fast`: sessions are ended, connections closed).
    func stop() async throws {
        try await runOffThread("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// ``run(_:_:)`` on a thread of its own: waiting for the tool never holds one of the few threads that run
    /// the tests' tasks (on two cores, two such waits would stall every other test meanwhile).
    private func runOffThread(_ tool: String, _ arguments: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.run(tool, arguments) })
            }
        }
    }

    func remove() {
        try? run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a tool and waits for it, as a ``SpawnedProcess``: the server `pg_ctl start` leaves running holds
    /// nothing of the test process (with Foundation's `Process` it would keep what it inherited, and a wait for
    /// the tool's end would wait for the server's).
    private func run(_ tool: String, _ arguments: [String]) throws {
        let command = asPostgres + [bin.appendingPathComponent(tool).path] + arguments
        let process = try SpawnedProcess(command[0], Array(command.dropFirst()))
        while process.isRunning { usleep(10_000) }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(tool) \(arguments.last ?? "") ended with status \(process.terminationStatus ?? -1)")
        }
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        guard let port = channel.localAddress?.port else { throw Failure(description: "no free port") }
        return port
    }
}

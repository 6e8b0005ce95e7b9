import Foundation
import IMISData
import Logging
import Membership
import NIOConcurrencyHelpers

/// The export jobs of this instance: kicks them off into background tasks (at most
/// ``ExportSettings/concurrency`` running at once, the others waiting their turn), keeps their state in the
/// database (``ExportJobStore``) so that any instance answers polling, cancels them, fails the jobs of an instance
/// that stopped, and deletes expired files.
public final class ExportJobs: Sendable {
    let store: any ExportJobStore
    let settings: ExportSettings
    let folder: URL
    let logger: Logger
    let clock: @Sendable () -> Date
    let tasks = NIOLockedValueBox<[String: Task<Void, Never>]>([:])
    let running = NIOLockedValueBox(0)
    /// When this instance started.
    let startedAt: Date
    /// Whether no other process runs jobs on this database (SQLite): then a job this instance does not run, with
    /// no sign of life since it started, has stopped.
    let singleInstance: Bool

    /// The jobs over `store`, their files under `settings.directory`.
    public init(store: any ExportJobStore, settings: ExportSettings, directory: String, singleInstance: Bool,
                logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.singleInstance = singleInstance
        self.startedAt = clock()
        self.settings = settings
        self.folder = URL(fileURLWithPath: directory, isDirectory: true)
        self.logger = logger
        self.clock = clock
    }

    /// The owner key of a principal: one running export per client, user or insuree.
    static func owner(_ principal: Principal) -> String {
        switch principal {
        case .system(let clientID, _): "client:" + clientID
        case .user(let userID, _, _, _, _): "user:\(userID)"
        case .insuree(let insureeID, _, _): "insuree:\(insureeID)"
        }
    }

    /// The folder of one job.
    func folder(of id: String) -> URL { folder.appendingPathComponent(id, isDirectory: true) }

    /// Stores a new running job and starts it; the owner's running job instead when it has one.
    func kickOff(service: FHIRService, principal: Principal, parameters: ExportParameters, request: String) async throws
        -> (job: ExportJobRecord, started: Bool)
    {
        let now = clock()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let record = ExportJobRecord(
            id: bytes.map { String(format: "%02x", $0) }.joined(), owner: Self.owner(principal), status: .running,
            request: request, parameters: parameters.encoded(), transactionTime: now, created: now, heartbeat: now,
            progress: "queued", expires: now.addingTimeInterval(settings.expiry))
        await sweep()
        if let existing = try await store.startExportJob(record, staleBefore: staleBefore(now)) {
            return (existing, false)
        }
        let task = Task { [self] in await self.run(record, service: service, principal: principal, parameters: parameters) }
        tasks.withLockedValue { $0[record.id] = task }
        return (record, true)
    }

    /// Runs a job when its turn comes, then records its end: complete with its files, failed, or nothing when it
    /// was cancelled (the record is gone).
    func run(_ record: ExportJobRecord, service: FHIRService, principal: Principal, parameters: ExportParameters) async {
        defer { _ = tasks.withLockedValue { $0.removeValue(forKey: record.id) } }
        var job = record
        do {
            try await waitForTurn(&job)
            defer { running.withLockedValue { $0 -= 1 } }
            // Every write stamped at or before transactionTime commits within the settle time.
            let settleEnd = record.transactionTime.addingTimeInterval(settings.settle)
            let wait = settleEnd.timeIntervalSince(clock())
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
            let runner = ExportRunner(
                service: service, principal: principal, parameters: parameters, transactionTime: record.transactionTime,
                folder: folder(of: record.id), maxFileBytes: settings.maxFileBytes)
            let state = NIOLockedValueBox(job)
            let lastBeat = NIOLockedValueBox(clock())
            let files = try await runner.run { [self] written, type in
                let now = clock()
                let due = lastBeat.withLockedValue { last in
                    guard now.timeIntervalSince(last) >= settings.heartbeat else { return false }
                    last = now
                    return true
                }
                guard due else { return }
                var current = state.withLockedValue { $0 }
                current.progress = "\(written) resources written, now \(type)"
                try await beat(&current)
                state.withLockedValue { [current] in $0 = current }
            }
            job = state.withLockedValue { $0 }
            job.status = .complete
            job.progress = "complete"
            job.manifest = ExportManifest.encode(files.output, errors: files.errors)
            job.heartbeat = clock()
            job.expires = job.heartbeat.addingTimeInterval(settings.expiry)
            if try await !store.updateRunningExportJob(job) { removeFiles(record.id) }
        } catch is CancellationError {
            removeFiles(record.id)
        } catch {
            removeFiles(record.id)
            logger.error("export failed", metadata: ["job": "\(record.id)", "error": "\(String(reflecting: type(of: error)))"])
            job.status = .failed
            job.error = (error as? FHIRError)?.message ?? "the export failed on the server"
            job.heartbeat = clock()
            _ = try? await store.updateRunningExportJob(job)
        }
    }

    /// Waits until fewer than ``ExportSettings/concurrency`` jobs run here, showing signs of life meanwhile.
    func waitForTurn(_ job: inout ExportJobRecord) async throws {
        while true {
            let mine = running.withLockedValue { count in
                guard count < max(1, settings.concurrency) else { return false }
                count += 1
                return true
            }
            if mine { return }
            try await beat(&job)
            try await Task.sleep(nanoseconds: 200_000_000)
        }
    }

    /// Records the job's progress and a sign of life; throws `CancellationError` when the job no longer runs.
    func beat(_ job: inout ExportJobRecord) async throws {
        job.heartbeat = clock()
        guard try await store.updateRunningExportJob(job) else { throw CancellationError() }
    }

    /// The job `id` of `principal`, after failing it when its instance stopped (a running job whose signs of life
    /// ended), and forgetting it when its files expired; nil when there is none for them.
    func job(id: String, principal: Principal) async throws -> ExportJobRecord? {
        guard id.utf8.count == 32, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
            var job = try await store.exportJob(id: id), job.owner == Self.owner(principal)
        else { return nil }
        let now = clock()
        if job.status == .running, job.heartbeat < staleBefore(now), !isMine(job.id) {
            job = try await failStale(job)
        }
        if job.status != .running, job.expires < now {
            try await remove(job.id)
            return nil
        }
        return job
    }

    /// Fails a job whose instance stopped, and removes what it wrote.
    func failStale(_ stale: ExportJobRecord) async throws -> ExportJobRecord {
        var job = stale
        job.status = .failed
        job.error = "the export stopped when its server stopped; kick it off again"
        job.heartbeat = clock()
        job.expires = job.heartbeat.addingTimeInterval(settings.expiry)
        _ = try await store.updateRunningExportJob(job)
        removeFiles(job.id)
        return try await store.exportJob(id: job.id) ?? job
    }

    /// Cancels a job (stopping it when it runs here) and removes it with its files.
    func remove(_ id: String) async throws {
        tasks.withLockedValue { $0[id] }?.cancel()
        try await store.deleteExportJob(id: id)
        removeFiles(id)
    }

    func removeFiles(_ id: String) {
        try? FileManager.default.removeItem(at: folder(of: id))
    }

    /// Fails the jobs of stopped instances and removes expired ones with their files (when this instance starts,
    /// and at every kick-off).
    public func sweep() async {
        do {
            let now = clock()
            for job in try await store.staleExportJobs(before: staleBefore(now)) where !isMine(job.id) {
                _ = try await failStale(job)
            }
            for job in try await store.expiredExportJobs(now: now) { try await remove(job.id) }
        } catch {
            logger.warning("export clean-up failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// Whether the job runs (or waits) in this instance.
    func isMine(_ id: String) -> Bool { tasks.withLockedValue { $0[id] != nil } }

    /// Running jobs with no sign of life since this instant have stopped: `staleAfter` ago, and on a database only
    /// this process writes (SQLite) anything before this instance started.
    func staleBefore(_ now: Date) -> Date {
        let silent = now.addingTimeInterval(-settings.staleAfter)
        return singleInstance ? max(silent, startedAt) : silent
    }
}

/// The manifest's `output` and `error` as stored with a complete job.
struct ExportManifest: Codable {
    var output: [ExportFile]
    var error: [ExportFile]

    static func encode(_ output: [ExportFile], errors: [ExportFile]) -> String {
        (try? JSONEncoder().encode(ExportManifest(output: output, error: errors)))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String?) -> ExportManifest {
        guard let text, let manifest = try? JSONDecoder().decode(ExportManifest.self, from: Data(text.utf8)) else {
            return ExportManifest(output: [], error: [])
        }
        return manifest
    }

    /// Every file, output and errors.
    var files: [ExportFile] { output + error }
}

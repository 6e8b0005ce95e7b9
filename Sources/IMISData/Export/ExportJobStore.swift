import Foundation
import GRDB

/// One bulk export (FHIR Bulk Data Access `$export`) as the project keeps it (`imisfhir_export_job`), so that any
/// instance on the database answers its polling and a restart finds it.
public struct ExportJobRecord: Sendable, Hashable {
    /// The states of a job. Only `running` counts against the one-running-export-per-client rule.
    public enum Status: String, Sendable {
        case running, complete, failed, cancelled
    }

    /// A random id (lower-case hex), the last segment of the polling URL.
    public var id: String
    /// Who kicked it off (`client:<id>`, `user:<id>`, `insuree:<id>`): only they may poll, download or cancel.
    public var owner: String
    public var status: Status
    /// The kick-off URL as the client sent it (the manifest's `request`).
    public var request: String
    /// The export's parameters as JSON (what the job needs to run).
    public var parameters: String
    /// The manifest's `transactionTime`.
    public var transactionTime: Date
    public var created: Date
    /// The last sign of life of the instance running it (a job whose instance fell silent is failed).
    public var heartbeat: Date
    /// `X-Progress` while running.
    public var progress: String
    /// The manifest's `output` and `error` as JSON, when complete.
    public var manifest: String?
    /// Why it failed.
    public var error: String?
    /// When its files are deleted.
    public var expires: Date

    public init(id: String, owner: String, status: Status, request: String, parameters: String, transactionTime: Date,
                created: Date, heartbeat: Date, progress: String, manifest: String? = nil, error: String? = nil,
                expires: Date) {
        self.id = id
        self.owner = owner
        self.status = status
        self.request = request
        self.parameters = parameters
        self.transactionTime = transactionTime
        self.created = created
        self.heartbeat = heartbeat
        self.progress = progress
        self.manifest = manifest
        self.error = error
        self.expires = expires
    }
}

/// The stored export jobs.
public protocol ExportJobStore: Sendable {
    /// Inserts `record` unless its owner already has a running job fresher than `staleBefore`; that job otherwise.
    func startExportJob(_ record: ExportJobRecord, staleBefore: Date) async throws -> ExportJobRecord?
    /// The job `id`, whatever its state.
    func exportJob(id: String) async throws -> ExportJobRecord?
    /// Writes the state of a running job; false when it no longer runs (cancelled, failed by another instance).
    func updateRunningExportJob(_ record: ExportJobRecord) async throws -> Bool
    /// Removes the job (cancel, or its files expired).
    func deleteExportJob(id: String) async throws
    /// Running jobs whose heartbeat is older than `before` (their instance stopped).
    func staleExportJobs(before: Date) async throws -> [ExportJobRecord]
    /// Jobs that expired before `now`.
    func expiredExportJobs(now: Date) async throws -> [ExportJobRecord]
}

/// The table of the export jobs; plain SQL, so that the PostgreSQL schema derives from it.
enum ExportJobSchema {
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_export_job (
          id TEXT PRIMARY KEY NOT NULL,
          owner TEXT NOT NULL,
          status TEXT NOT NULL,
          request TEXT NOT NULL,
          parameters TEXT NOT NULL,
          transaction_time_ms INTEGER NOT NULL,
          created_ms INTEGER NOT NULL,
          heartbeat_ms INTEGER NOT NULL,
          progress TEXT NOT NULL,
          manifest TEXT,
          error TEXT,
          expires_ms INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS imisfhir_export_job_owner ON imisfhir_export_job (owner, status);
        """
}

/// ``ExportJobStore`` written once for every engine over ``AccountSQL``.
public struct SQLExportJobStore: ExportJobStore {
    public let sql: any AccountSQL

    /// The store over `sql`.
    public init(sql: any AccountSQL) {
        self.sql = sql
    }

    static let columns = """
        id, owner, status, request, parameters, transaction_time_ms, created_ms, heartbeat_ms, progress, manifest, \
        error, expires_ms
        """

    /// ``DatabaseMismatch`` naming the table, unless the database has it.
    func requireTable() async throws {
        guard try await sql.table("imisfhir_export_job") != nil else {
            throw DatabaseMismatch(table: "imisfhir_export_job", column: nil,
                                   problem: "is missing: exports need the project's own tables (serve with migrations)")
        }
    }

    public func startExportJob(_ record: ExportJobRecord, staleBefore: Date) async throws -> ExportJobRecord? {
        try await requireTable()
        return try await sql.transaction {
            // Instances sharing the database check and insert for one owner one after the other.
            try await sql.lock("export:" + record.owner)
            let running = try await sql.fetch("""
                SELECT \(Self.columns) FROM imisfhir_export_job WHERE owner = ? AND status = 'running' AND heartbeat_ms >= ?
                """, [record.owner, Self.ms(staleBefore)]).compactMap(Self.record)
            if let first = running.first { return first }
            _ = try await sql.write(
                "INSERT INTO imisfhir_export_job (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Self.values(record))
            return nil
        }
    }

    public func exportJob(id: String) async throws -> ExportJobRecord? {
        guard try await sql.table("imisfhir_export_job") != nil else { return nil }
        return try await sql.fetch("SELECT \(Self.columns) FROM imisfhir_export_job WHERE id = ?", [id]).first
            .flatMap(Self.record)
    }

    public func updateRunningExportJob(_ record: ExportJobRecord) async throws -> Bool {
        try await sql.write("""
            UPDATE imisfhir_export_job SET status = ?, heartbeat_ms = ?, progress = ?, manifest = ?, error = ?, expires_ms = ?
            WHERE id = ? AND status = 'running' RETURNING id
            """, [record.status.rawValue, Self.ms(record.heartbeat), record.progress, record.manifest, record.error,
                  Self.ms(record.expires), record.id]).count == 1
    }

    public func deleteExportJob(id: String) async throws {
        _ = try await sql.write("DELETE FROM imisfhir_export_job WHERE id = ?", [id])
    }

    public func staleExportJobs(before: Date) async throws -> [ExportJobRecord] {
        guard try await sql.table("imisfhir_export_job") != nil else { return [] }
        return try await sql.fetch("""
            SELECT \(Self.columns) FROM imisfhir_export_job WHERE status = 'running' AND heartbeat_ms < ?
            """, [Self.ms(before)]).compactMap(Self.record)
    }

    public func expiredExportJobs(now: Date) async throws -> [ExportJobRecord] {
        guard try await sql.table("imisfhir_export_job") != nil else { return [] }
        return try await sql.fetch("""
            SELECT \(Self.columns) FROM imisfhir_export_job WHERE status <> 'running' AND expires_ms < ?
            """, [Self.ms(now)]).compactMap(Self.record)
    }

    static func values(_ record: ExportJobRecord) -> [(any DatabaseValueConvertible)?] {
        [record.id, record.owner, record.status.rawValue, record.request, record.parameters, ms(record.transactionTime),
         ms(record.created), ms(record.heartbeat), record.progress, record.manifest, record.error, ms(record.expires)]
    }

    static func record(_ row: [DatabaseValue]) -> ExportJobRecord? {
        guard row.count == 12, let id = String.fromDatabaseValue(row[0]), let owner = String.fromDatabaseValue(row[1]),
            let status = String.fromDatabaseValue(row[2]).flatMap(ExportJobRecord.Status.init(rawValue:)),
            let request = String.fromDatabaseValue(row[3]), let parameters = String.fromDatabaseValue(row[4]),
            let time = Int64.fromDatabaseValue(row[5]), let created = Int64.fromDatabaseValue(row[6]),
            let heartbeat = Int64.fromDatabaseValue(row[7]), let progress = String.fromDatabaseValue(row[8]),
            let expires = Int64.fromDatabaseValue(row[11])
        else { return nil }
        return ExportJobRecord(
            id: id, owner: owner, status: status, request: request, parameters: parameters,
            transactionTime: date(time), created: date(created), heartbeat: date(heartbeat), progress: progress,
            manifest: String.fromDatabaseValue(row[9]), error: String.fromDatabaseValue(row[10]), expires: date(expires))
    }

    static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
}

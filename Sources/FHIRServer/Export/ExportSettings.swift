import Foundation

/// The settings of `$export` (`EXPORT_*`).
public struct ExportSettings: Sendable {
    /// `EXPORT_DIR`: the folder of the export files (one sub-folder per job); nil: exports are not offered. On
    /// PostgreSQL with several instances it must be a folder they share.
    public var directory: String?
    /// `EXPORT_EXPIRY`: seconds an export's files are kept after it completes.
    public var expiry: TimeInterval = 3_600
    /// `EXPORT_CONCURRENCY`: exports that run at once on one instance (more wait their turn).
    public var concurrency: Int = 1
    /// `EXPORT_SETTLE`: seconds between the kick-off's `transactionTime` and the first read; every write stamped
    /// at or before `transactionTime` has committed by then (see the README, "Exporting").
    public var settle: TimeInterval = 2
    /// `EXPORT_FILE_MAX_MB` in bytes: the largest NDJSON file.
    public var maxFileBytes: Int = 64 << 20
    /// Bytes of an export file read from disk at a time when it is downloaded.
    public var downloadChunkBytes: Int = 128 << 10
    /// `EXPORT_SWEEP`: seconds between two clean-ups of expired exports and stopped jobs in the background.
    public var sweepInterval: TimeInterval = 60
    /// Seconds without a sign of life after which a running job is failed (its instance stopped).
    public var staleAfter: TimeInterval = 60
    /// Seconds between the signs of life of a running job.
    public var heartbeat: TimeInterval = 5

    public init(directory: String? = nil) {
        self.directory = directory
    }
}

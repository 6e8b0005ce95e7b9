import Foundation
import ServiceLifecycle

extension ExportJobs {
    /// Runs ``sweep()`` now and then every ``ExportSettings/sweepInterval`` seconds until the task is cancelled:
    /// expired files go even when nobody kicks an export off or polls.
    public func sweepPeriodically() async {
        let interval = max(0.01, settings.sweepInterval)
        while !Task.isCancelled {
            await sweep()
            do {
                try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            } catch {
                return
            }
        }
    }
}

/// The background clean-up of the export jobs, beside the HTTP server and stopped with it.
struct ExportSweeper: Service {
    let jobs: ExportJobs

    /// Sweeps until the server shuts down.
    func run() async throws {
        await cancelWhenGracefulShutdown { await jobs.sweepPeriodically() }
    }
}

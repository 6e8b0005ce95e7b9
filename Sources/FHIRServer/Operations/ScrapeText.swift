import Foundation
import IMISData

/// Prometheus text of values read at scrape time (https://prometheus.io/docs/instrumenting/exposition_formats/).
struct ScrapeText {
    enum Kind: String {
        case counter, gauge, summary
    }

    private(set) var text = ""
    private var declared: Set<String> = []

    /// `# HELP` and `# TYPE` of `name`, once.
    mutating func declare(_ name: String, _ kind: Kind, _ help: String) {
        guard declared.insert(name).inserted else { return }
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample; `labels` are fixed names and values of bounded sets.
    mutating func add(_ name: String, _ kind: Kind, _ help: String, _ value: Double, labels: [(String, String)] = [],
                      sampleName: String? = nil) {
        declare(name, kind, help)
        let rendered = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        text += "\(sampleName ?? name)\(rendered) \(Self.number(value))\n"
    }

    /// The database connections of one engine.
    mutating func pool(engine: String, _ reading: PoolStatistics.Reading) {
        let labels = [("engine", engine)]
        add("imisfhir_db_connections_in_use", .gauge, "Database connections running a statement", Double(reading.inUse),
            labels: labels)
        add("imisfhir_db_connection_waiters", .gauge, "Requests waiting for a database connection",
            Double(reading.waiting), labels: labels)
        let wait = "imisfhir_db_connection_wait_seconds"
        add(wait, .summary, "Time spent waiting for a database connection", reading.waitSeconds, labels: labels,
            sampleName: wait + "_sum")
        add(wait, .summary, "", Double(reading.acquisitions), labels: labels, sampleName: wait + "_count")
        add("imisfhir_db_connection_failures_total", .counter, "Waits for a database connection that ended without one",
            Double(reading.failures), labels: labels)
        guard engine == "sqlite" else { return }
        add("imisfhir_db_commits_total", .counter, "Durable commits of write transactions", Double(reading.commits),
            labels: labels)
        add("imisfhir_db_committed_units_total", .counter,
            "Write transactions made durable (more than the commits when several shared one)", Double(reading.committedUnits),
            labels: labels)
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// What the kernel says of this process (Linux `/proc`; nil elsewhere).
struct ProcessReading {
    var residentBytes: Int?
    var openFiles: Int?
    var maxFiles: Int?

    static func now() -> ProcessReading {
        var reading = ProcessReading()
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { reading.residentBytes = pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            reading.openFiles = entries.count
        }
        if let limit = OpenFileLimit.raiseToHardLimit(), limit != Int.max { reading.maxFiles = limit }
        return reading
    }
}

import ArgumentParser
import FHIRServer
import Foundation
import IMISData
import Logging

/// `imis-fhir import FILE`: FHIR NDJSON bulk import (https://hl7.org/fhir/R4/nd-json.html), each line created as
/// `POST [base]/[type]` creates it, in batches of one transaction each (see ``BulkImport``).
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import FHIR resources from NDJSON (one per line), each created as POST [type] creates it.",
        discussion: """
            Lines run in file order, --batch-size lines per transaction. A line may refer to a resource of an \
            earlier line by the id it has in the file (Patient/<id>): the reference is rewritten to the id the \
            server gave it. A bad line is reported with its number and the OperationOutcome a POST would answer; \
            the exit status is 1 when any line failed.
            """)
    @OptionGroup var common: CommonOptions
    @Argument(help: "The NDJSON file, or - for standard input.") var file: String
    @Option(name: .customLong("batch-size"), help: "Lines per transaction.") var batchSize: Int = 500
    @Option(name: .customLong("on-error"),
            help: "stop: end at the first bad line, its batch rolled back; skip: leave bad lines out and go on.")
    var onError: ImportOnError = .stop

    enum ImportOnError: String, ExpressibleByArgument, CaseIterable, Sendable {
        case stop, skip
    }

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        let job = ImportJob(
            file: file, batchSize: batchSize, onError: onError == .skip ? .skip : .stop, mapping: try settings.mappingContext())
        let opened = try Storage.open(try settings.storageSettings(common), logger: logger)
        let summary = try await opened.run {
            try await opened.prepare()
            return try await job.run(into: opened.storage, logger: logger)
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

/// One import run: reads the lines, runs them in batches, reports.
struct ImportJob: Sendable {
    let file: String
    let batchSize: Int
    let onError: BulkImport.OnError
    /// The mapping settings the lines are read with (identifier systems, currency).
    var mapping = MappingContext()

    struct Summary: Sendable {
        var created = 0
        var failed = 0
    }

    func run(into storage: Storage, logger: Logger) async throws -> Summary {
        let reader = try NDJSONReader(path: file)
        var importer = BulkImport(storage: storage, mapping: mapping, onError: onError, logger: logger)
        let bar = ProgressBar(unit: "lines")
        let started = Date()
        var summary = Summary()
        var lines = 0
        var stoppedAt: (line: Int, batch: ClosedRange<Int>)?
        func rate() -> Int {
            let seconds = Date().timeIntervalSince(started)
            return seconds > 0 ? Int(Double(summary.created) / seconds) : 0
        }
        while stoppedAt == nil {
            var batch: [BulkImport.Line] = []
            batch.reserveCapacity(batchSize)
            while batch.count < batchSize, let bytes = try reader.next() {
                lines += 1
                batch.append(BulkImport.Line(number: lines, bytes: bytes))
            }
            if batch.isEmpty { break }
            let result = await importer.run(batch)
            summary.created += result.created
            summary.failed += result.failures.count
            if !result.failures.isEmpty { bar.clear() }
            for failure in result.failures {
                let type = failure.resourceType.map { " (\($0))" } ?? ""
                FileHandle.standardError.write(Data("line \(failure.line)\(type): \(failure.message)\n".utf8))
            }
            if result.stopped, let failed = result.failures.last {
                stoppedAt = (failed.line, batch[0].number...batch[batch.count - 1].number)
            }
            bar.show(fraction: reader.size.map { $0 > 0 ? Double(reader.consumed) / Double($0) : 1 },
                     text: "\(lines) lines, \(summary.created) created, \(summary.failed) failed, \(rate())/s")
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(started)
        if let stoppedAt {
            FileHandle.standardError.write(Data((
                "stopped at line \(stoppedAt.line): lines \(stoppedAt.batch.lowerBound)-\(stoppedAt.batch.upperBound) "
                + "(its batch) were rolled back, later lines were not read (--on-error skip goes on)\n").utf8))
        }
        print("imported \(summary.created) resources from \(lines) lines in \(String(format: "%.1f", seconds)) s "
            + "(\(rate()) resources/s); \(summary.failed) failed")
        return summary
    }
}

/// The lines of a file (or standard input for `-`), read in large chunks; a trailing `\r` and a leading byte
/// order mark are dropped.
final class NDJSONReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var first = true
    /// The file's size, when it is a regular file.
    let size: Int?
    /// Bytes handed out so far, line ends included.
    private(set) var consumed = 0

    init(path: String) throws {
        if path == "-" {
            handle = .standardInput
            size = nil
            return
        }
        guard let opened = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        handle = opened
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        size = (attributes?[.type] as? FileAttributeType) == .typeRegular ? (attributes?[.size] as? Int) : nil
    }

    /// The next line, or nil at the end.
    func next() throws -> [UInt8]? {
        while true {
            if let end = buffer[start...].firstIndex(of: 0x0A) {
                return take(upTo: end, skipping: 1)
            }
            if atEnd {
                return start < buffer.count ? take(upTo: buffer.count, skipping: 0) : nil
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    private func take(upTo end: Int, skipping separator: Int) -> [UInt8] {
        var line = Array(buffer[start..<end])
        consumed += end - start + separator
        start = end + separator
        if line.last == 0x0D { line.removeLast() }
        if first {
            first = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        return line
    }
}

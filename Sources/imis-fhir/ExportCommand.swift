import ArgumentParser
import FHIRServer
import Foundation
import IMISData
import Logging
import Synchronization

/// `imis-fhir export --output DIR`: the Bulk Data export (`$export`) straight from the database into a folder, with
/// the parameters of the HTTP kick-off; NDJSON files per type and a `manifest.json`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export FHIR resources as NDJSON into a folder, as $export does (with a manifest.json).",
        discussion: """
            Without --type, every type of the level. --since exports what changed strictly after an instant (the \
            transactionTime of the last manifest: nothing is lost or repeated between runs). A progress bar shows \
            on a terminal, plain lines otherwise.
            """)
    @OptionGroup var common: CommonOptions
    @Option(help: "The folder of the files (created when missing).") var output: String
    @Option(help: "system, patient or group.") var level: String = "system"
    @Option(help: "The Group (family) of a group export.") var group: String?
    @Option(help: "_type: types, comma-separated.") var type: String?
    @Option(help: "_since: changed strictly after this instant.") var since: String?
    @Option(help: "_until: changed at or before this instant.") var until: String?
    @Option(help: "_elements: elements kept, comma-separated.") var elements: String?
    @Option(help: "patient: Patient ids of a patient or group export, comma-separated.") var patient: String?
    @Option(name: .customLong("type-filter"), help: "_typeFilter: Type?search (repeatable).") var typeFilter: [String] = []

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        guard let exportLevel = ExportParameters.Level(rawValue: level) else {
            throw ValidationError("--level must be system, patient or group")
        }
        guard (exportLevel == .group) == (group != nil) else { throw ValidationError("--group goes with --level group") }
        var items: [(name: String, value: String)] = []
        for (name, value) in [("_type", type), ("_since", since), ("_until", until), ("_elements", elements), ("patient", patient)] {
            if let value { items.append((name, value)) }
        }
        items += typeFilter.map { ("_typeFilter", $0) }
        let export = try settings.exportSettings()
        let opened = try Storage.open(try settings.storageSettings(common), logger: logger)
        let bar = ProgressBar(unit: "resources")
        let (folder, group, asked) = (output, group, items)
        let started = Date()
        let summary = try await opened.run {
            try await opened.prepare()
            let bulk = BulkExport(storage: opened.storage, mapping: try settings.mappingContext(), logger: logger)
            let parameters: ExportParameters
            do {
                parameters = try await bulk.parameters(asked, level: exportLevel, groupID: group)
            } catch let error as FHIRError {
                throw ValidationError(error.message)
            }
            let lines = ProgressLines(visible: !bar.visible)
            return try await bulk.run(parameters, folder: folder, settle: export.settle, maxFileBytes: export.maxFileBytes) {
                written, type in
                let index = (parameters.types.firstIndex(of: type) ?? 0) + 1
                bar.show(fraction: Double(index - 1) / Double(max(1, parameters.types.count)),
                         text: "\(written) resources, \(type) (\(index)/\(parameters.types.count))")
                lines.say("\(written) resources, \(type)")
            }
        }
        bar.finish()
        let request = "export --level \(level)" + items.map { " \($0.name)=\($0.value)" }.joined()
        try Data(BulkExport.manifest(summary, request: request)).write(
            to: URL(fileURLWithPath: folder).appendingPathComponent("manifest.json"))
        let seconds = Date().timeIntervalSince(started)
        let rate: Int = seconds > 0 ? Int(Double(summary.resources) / seconds) : 0
        let time: String = String(format: "%.1f", seconds)
        let instant: String = ISO8601DateFormatter().string(from: summary.transactionTime)
        print("exported \(summary.resources) resources in \(summary.output.count) files to \(folder) in \(time) s"
            + " (\(rate) resources/s); transactionTime \(instant)")
    }
}

/// Progress as plain lines when standard output is not a terminal: at most one every 5 seconds.
final class ProgressLines: Sendable {
    let visible: Bool
    let last = Mutex(Date.distantPast)

    init(visible: Bool) { self.visible = visible }

    func say(_ text: String) {
        guard visible else { return }
        let now = Date()
        let due = last.withLock { last in
            guard now.timeIntervalSince(last) >= 5 else { return false }
            last = now
            return true
        }
        if due { print(text) }
    }
}

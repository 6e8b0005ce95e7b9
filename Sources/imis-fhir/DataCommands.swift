import ArgumentParser
import FHIRServer
import Foundation
import IMISData
import Logging

/// `imis-fhir demo-data`: synthetic families for benchmarks, on SQLite or PostgreSQL (`DB_ENGINE`).
struct DemoData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data", abstract: "Load synthetic families for benchmarks (deterministic for a seed).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Number of families.") var families: Int = 1000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(name: .customLong("demo-dataset"),
          help: "Load the demo dataset (the IG example world) first when the database has no insuree yet.")
    var demoDataset = false
    @Flag(help: "Also give every family an active policy on the demo product RX01 with its contribution, and every third family a claim with one service line (needs the demo dataset).")
    var insurance = false

    func run() async throws {
        let settings = Settings.load()
        let logger = try makeLogger(settings)
        guard families >= 0 else { throw ValidationError("--families must not be negative") }
        let bar = ProgressBar(unit: "families")
        let opened = try Storage.open(try settings.storageSettings(common), logger: logger)
        let (families, seed, demoDataset, insurance) = (families, seed, demoDataset, insurance)
        let result = try await opened.run {
            try await opened.prepare()
            if demoDataset { try await opened.loadDemoDataset() }
            return try await opened.generateSyntheticData(families: families, seed: seed, insurance: insurance) { done, total in
                bar.show(done, of: total)
            }
        }
        bar.finish()
        let extras = insurance ? ", \(result.policies) policies, \(result.claims) claims" : ""
        print("loaded \(result.families) families, \(result.insurees) insurees\(extras) in \(String(format: "%.1f", result.seconds)) s"
            + " (\(Int(result.insureesPerSecond)) insurees/s)")
    }
}

/// A progress bar on standard output when it is a terminal (nothing otherwise): `[####....] 1200/3000 families`.
final class ProgressBar: Sendable {
    let unit: String
    let visible = isatty(STDOUT_FILENO) != 0

    init(unit: String) { self.unit = unit }

    /// Redraws the bar at `done` of `total`.
    func show(_ done: Int, of total: Int) {
        show(fraction: total > 0 ? Double(done) / Double(total) : 1, text: "\(done)/\(total) \(unit)")
    }

    /// Redraws the bar filled to `fraction` (none without one: only the text) followed by `text`.
    func show(fraction: Double?, text: String) {
        guard visible else { return }
        var line = "\r"
        if let fraction {
            let width = 40
            let filled = max(0, min(width, Int(Double(width) * fraction)))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        }
        FileHandle.standardOutput.write(Data((line + text + "\u{1B}[K").utf8))
    }

    /// Clears the bar's line before something else is printed.
    func clear() {
        guard visible else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }

    /// Ends the bar's line.
    func finish() {
        if visible { print("") }
    }
}

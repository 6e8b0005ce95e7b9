import Foundation
import Testing

/// One sample of a scrape, as Prometheus's own Python client parses the text format.
struct PrometheusSample: Sendable, Decodable {
    var family: String
    var type: String
    var name: String
    var labels: [String: String]
    var value: Double
}

/// Parses Prometheus text with `prometheus_client.parser.text_string_to_metric_families` (PyPI's
/// `prometheus_client`, which `.ci/run` installs): a malformed exposition fails the test.
func parsePrometheus(_ text: String) async throws -> [PrometheusSample] {
    // On a Dispatch thread: the wait for Python must not hold a thread of Swift's concurrency pool.
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try parsePrometheusBlocking(text) }) }
    }
}

/// ``parsePrometheus(_:)``, waiting for the parser on the calling thread.
func parsePrometheusBlocking(_ text: String) throws -> [PrometheusSample] {
    let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                out.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
        print(json.dumps(out))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let failure = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "the parser refused the exposition: \(String(decoding: failure, as: UTF8.self))")
    return try JSONDecoder().decode([PrometheusSample].self, from: data)
}

extension [PrometheusSample] {
    /// The samples named `name` whose labels include `labels`.
    func matching(_ name: String, _ labels: [String: String] = [:]) -> [PrometheusSample] {
        filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The sum of the values of ``matching(_:_:)``.
    func total(_ name: String, _ labels: [String: String] = [:]) -> Double {
        matching(name, labels).reduce(0) { $0 + $1.value }
    }
}

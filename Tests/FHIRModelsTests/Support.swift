import Foundation
import Testing

@testable import FHIRModels

/// The repository's `fixtures/` folder.
let fixturesURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

func fixtureFiles(_ folder: String) -> [String] {
    let dir = fixturesURL.appendingPathComponent(folder)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".json") && $0 != "manifest.json" }.sorted()
}

func fixtureBytes(_ folder: String, _ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: fixturesURL.appendingPathComponent(folder).appendingPathComponent(name)))
}

/// Structural JSON equality: object members compared as sets, arrays in order, numbers by their
/// exact text (so `1.50` ≠ `1.5`). Returns the first difference found, or nil.
func jsonDifference(_ a: JSON, _ b: JSON, path: String = "$") -> String? {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        let xd = Dictionary(x.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        let yd = Dictionary(y.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        if Set(xd.keys) != Set(yd.keys) {
            return "\(path): keys differ: \(Set(xd.keys).symmetricDifference(Set(yd.keys)).sorted())"
        }
        for key in xd.keys.sorted() {
            if let d = jsonDifference(xd[key]!, yd[key]!, path: path + "." + key) { return d }
        }
        return nil
    case (.array(let x), .array(let y)):
        if x.count != y.count { return "\(path): array lengths \(x.count) vs \(y.count)" }
        for i in x.indices {
            if let d = jsonDifference(x[i], y[i], path: "\(path)[\(i)]") { return d }
        }
        return nil
    default:
        return a == b ? nil : "\(path): \(a) vs \(b)"
    }
}

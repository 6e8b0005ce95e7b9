import Foundation
import Testing

/// The repository's `fixtures/` folder.
let fixturesURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

/// The insuree photo fixture: a 30 × 38 baseline JPEG made by `Scripts/make-photo-fixture.py`.
func photoFixture() throws -> [UInt8] {
    Array(try Data(contentsOf: fixturesURL.appendingPathComponent("card/photo.jpg")))
}

/// A command-line PDF checker the tests need but the machine lacks; the test fails with this message.
struct MissingTool: Error, CustomStringConvertible {
    var name: String
    var package: String
    var description: String { "\(name) is not installed: install the Debian package \(package) (see .ci/run)" }
}

struct ToolFailure: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var output: String
    var description: String { "\(command) exited with \(status): \(output)" }
}

/// qpdf and poppler-utils, run on a PDF written to a temporary file.
struct PDFTools {
    static let packages = [
        "qpdf": "qpdf", "pdftotext": "poppler-utils", "pdfimages": "poppler-utils",
        "pdfinfo": "poppler-utils",
        "pdftoppm": "poppler-utils", "zbarimg": "zbar-tools",
    ]

    /// The executable's path in `PATH` (or /usr/bin), or `MissingTool`.
    static func locate(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MissingTool(name: name, package: packages[name] ?? name)
    }

    /// Runs `name` with `arguments`; returns its exit status, standard output and standard error.
    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: [UInt8], errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try locate(name))
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Small outputs: the error pipe's buffer holds what is written there while the output is read.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, Array(data), String(decoding: errorData, as: UTF8.self))
    }

    /// Runs `name` and requires exit status 0 and nothing on standard error (poppler reports syntax errors
    /// there even when it exits with 0).
    static func bytes(_ name: String, _ arguments: [String]) throws -> [UInt8] {
        let (status, output, errors) = try run(name, arguments)
        guard status == 0, errors.isEmpty else {
            let text = errors + String(decoding: output.prefix(2000), as: UTF8.self)
            throw ToolFailure(command: ([name] + arguments).joined(separator: " "), status: status, output: text)
        }
        return output
    }

    static func output(_ name: String, _ arguments: [String]) throws -> String {
        String(decoding: try bytes(name, arguments), as: UTF8.self)
    }

    /// Writes `pdf` to a temporary file, calls `body` with its path, and removes it.
    static func withFile<T>(_ pdf: [UInt8], _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID().uuidString).pdf")
        try Data(pdf).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    /// What the checks below found in one PDF.
    struct Report {
        var qpdf: String
        var text: String
        /// The rows of `pdfimages -list` (one per image drawn), split into columns.
        var images: [[String]]
        var pages: Int
    }

    /// `qpdf --check` (must pass, without warnings), `pdftotext -layout`, `pdfimages -list` and `pdfinfo`.
    static func check(_ pdf: [UInt8]) throws -> Report {
        try withFile(pdf) { path in
            let qpdf = try output("qpdf", ["--check", path])
            let text = try output("pdftotext", ["-layout", "-enc", "UTF-8", path, "-"])
            let list = try output("pdfimages", ["-list", path]).split(separator: "\n").dropFirst(2)
            let info = try output("pdfinfo", [path])
            let pagesLine = info.split(separator: "\n").first { $0.hasPrefix("Pages:") } ?? ""
            return Report(
                qpdf: qpdf, text: text, images: list.map { $0.split(separator: " ").map(String.init) },
                pages: Int(pagesLine.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) ?? -1)
        }
    }
}

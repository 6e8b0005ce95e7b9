import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// A server configuration whose exports go to a fresh temporary folder and start at once (`settle`).
func exportConfiguration(settle: TimeInterval = 0, staleAfter: TimeInterval = 60) -> ServerConfiguration {
    var configuration = ServerConfiguration()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-test-\(UUID().uuidString)")
    configuration.export = ExportSettings(directory: folder.path)
    configuration.export.settle = settle
    configuration.export.staleAfter = staleAfter
    return configuration
}

/// The headers of a kick-off.
let asyncHeaders: HTTPFields = [.accept: "application/fhir+json", HTTPField.Name("Prefer")!: "respond-async"]

/// The path of an absolute URL the test server wrote (`http://localhost/fhir/...` → `/fhir/...`).
func pathOf(_ url: String) -> String {
    guard let components = URLComponents(string: url) else { return url }
    return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
}

/// A finished export: the manifest and, per output file's type, the resources of its lines (each checked valid FHIR).
struct ExportResult {
    var manifest: JSON
    var lines: [String: [JSON]]

    /// The ids exported of `type`.
    func ids(_ type: String) -> [String] { (lines[type] ?? []).compactMap { $0["id"]?.string } }
}

extension TestClientProtocol {
    /// Kicks an export off; the status URL's path. The kick-off must answer 202 with `Content-Location`.
    func kickOff(_ uri: String, token: String = adminToken, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        var headers = asyncHeaders
        headers[.authorization] = "Bearer \(token)"
        return try await execute(uri: uri, method: .get, headers: headers) { response in
            #expect(response.status == .accepted, "\(uri): \(String(buffer: response.body))", sourceLocation: sourceLocation)
            return pathOf(response.headers[.contentLocation] ?? "")
        }
    }

    /// Polls `status` until the export completes (at most ~30 s); the manifest's response.
    func awaitManifest(_ status: String, token: String = adminToken, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> (HTTPFields, JSON)
    {
        for _ in 0..<600 {
            let (code, headers, body) = try await execute(
                uri: status, method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { ($0.status, $0.headers, Array(buffer: $0.body)) }
            if code == .accepted {
                #expect(headers[HTTPField.Name("X-Progress")!] != nil, sourceLocation: sourceLocation)
                #expect(headers[HTTPField.Name("Retry-After")!] != nil, sourceLocation: sourceLocation)
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            #expect(code == .ok, "\(String(decoding: body, as: UTF8.self))", sourceLocation: sourceLocation)
            return (headers, try JSONParser.parse(body))
        }
        Issue.record("the export did not finish", sourceLocation: sourceLocation)
        return ([:], .null)
    }

    /// Kick-off, polling and the download of every file; each line validated by the project's validator, each
    /// file's `count` its number of lines.
    func export(_ uri: String, token: String = adminToken, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> ExportResult
    {
        let status = try await kickOff(uri, token: token, sourceLocation: sourceLocation)
        let (_, manifest) = try await awaitManifest(status, token: token, sourceLocation: sourceLocation)
        var lines: [String: [JSON]] = [:]
        for output in manifest["output"]?.array ?? [] {
            let type = output["type"]?.string ?? ""
            let url = output["url"]?.string ?? ""
            let text = try await execute(uri: pathOf(url), method: .get, headers: [.authorization: "Bearer \(token)"]) {
                response in
                #expect(response.status == .ok, sourceLocation: sourceLocation)
                #expect(response.headers[.contentType] == "application/fhir+ndjson", sourceLocation: sourceLocation)
                return String(buffer: response.body)
            }
            let fileLines = text.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(output["count"]?.number == String(fileLines.count), "\(type)", sourceLocation: sourceLocation)
            for line in fileLines {
                do {
                    let resource = try Resource.decode(Array(line.utf8))
                    #expect(resource.resourceType == type, sourceLocation: sourceLocation)
                } catch {
                    Issue.record("an exported \(type) is invalid FHIR: \(error)", sourceLocation: sourceLocation)
                }
                lines[type, default: []].append(try JSONParser.parse(Array(line.utf8)))
            }
        }
        return ExportResult(manifest: manifest, lines: lines)
    }

    /// Every id a search finds, following its `next` links.
    func allIDs(_ uri: String, token: String = adminToken) async throws -> [String] {
        var ids: [String] = []
        var next: String? = uri
        while let page = next {
            let bundle = try await getJSON(page, token: token)
            ids += FHIRServerTests.entryIDs(bundle)
            next = bundle["link"]?.array?.first(where: { $0["relation"]?.string == "next" })?["url"]?.string.map(pathOf)
        }
        return ids
    }
}

extension TestClientProtocol {
    /// The status of `method` on `uri` as the demo administrator (with the kick-off headers).
    func exportStatus(_ uri: String, _ method: HTTPRequest.Method = .get) async throws -> HTTPResponse.Status {
        try await fhir(uri: uri, method: method, headers: asyncHeaders) { $0.status }
    }
}

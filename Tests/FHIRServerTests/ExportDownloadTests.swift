import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FHIRServer

/// Export files sent from disk chunk by chunk, plain and gzipped, and expired exports swept in the background.
@Suite struct ExportDownloadTests {
    /// `bytes` gunzipped by the system's gzip.
    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gunzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("file.gz")
        try Data(bytes).write(to: path)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-d", path.path]
        try gzip.run()
        gzip.waitUntilExit()
        return FileManager.default.contents(atPath: folder.appendingPathComponent("file").path).map(Array.init) ?? []
    }

    /// A writer that keeps every buffer written, as the server would send them.
    struct CollectingWriter: ResponseBodyWriter {
        let chunks: WrittenChunks
        mutating func write(_ buffer: ByteBuffer) async throws { chunks.append(Array(buffer: buffer)) }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { chunks.finished() }
    }

    /// The buffers a response body writes.
    static func written(_ body: ResponseBody) async throws -> WrittenChunks {
        let chunks = WrittenChunks()
        try await body.write(CollectingWriter(chunks: chunks))
        return chunks
    }

    /// Some megabytes of NDJSON-like lines in a temporary file.
    static func largeFile(lines: Int) throws -> (path: String, bytes: [UInt8]) {
        var text = ""
        for index in 0..<lines {
            text += "{\"resourceType\":\"Patient\",\"id\":\"\(index)\",\"name\":[{\"family\":\"F\(index * 7919 % 104_729)\"}]}\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("large-\(UUID().uuidString).ndjson").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (path, Array(text.utf8))
    }

    @Test func aFileLargerThanTheChunkIsSentInChunksOfAtMostTheChunkSize() async throws {
        let (path, bytes) = try Self.largeFile(lines: 40_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let download = ExportDownload(path: path, size: bytes.count, gzip: false, chunkBytes: 64 << 10)
        #expect(download.body.contentLength == bytes.count)
        let chunks = try await Self.written(download.body)
        #expect(chunks.all.count >= bytes.count / (64 << 10))
        #expect(chunks.all.allSatisfy { $0.count <= 64 << 10 })
        #expect(chunks.all.flatMap { $0 } == bytes)
        #expect(chunks.isFinished)
    }

    @Test func aLargeFileIsGzippedChunkByChunkAndGunzipsToTheFile() async throws {
        let (path, bytes) = try Self.largeFile(lines: 40_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let download = ExportDownload(path: path, size: bytes.count, gzip: true, chunkBytes: 64 << 10)
        #expect(download.body.contentLength == nil)
        let chunks = try await Self.written(download.body)
        #expect(chunks.all.count > 1)
        let gzipped = chunks.all.flatMap { $0 }
        #expect(gzipped.prefix(2) == [0x1f, 0x8b])
        #expect(gzipped.count < bytes.count / 2)
        #expect(try Self.gunzip(gzipped) == bytes)
    }

    @Test func aDownloadLargerThanTheChunkEqualsTheJobsFilePlainAndGzipped() async throws {
        var configuration = exportConfiguration()
        configuration.export.downloadChunkBytes = 1_000
        let directory = try #require(configuration.export.directory)
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            let status = try await client.kickOff("/fhir/$export?_type=Patient")
            let (_, manifest) = try await client.awaitManifest(status)
            let output = try #require(manifest["output"]?.array?.first)
            let url = pathOf(try #require(output["url"]?.string))
            let job = try #require(status.split(separator: "/").last.map(String.init))
            let name = try #require(url.split(separator: "/").last.map(String.init))
            let file = try #require(FileManager.default.contents(
                atPath: URL(fileURLWithPath: directory).appendingPathComponent(job).appendingPathComponent(name).path))
            #expect(file.count > 1_000)
            let (length, plain) = try await client.fhir(uri: url, method: .get) {
                ($0.headers[.contentLength], Array(buffer: $0.body))
            }
            #expect(length == String(file.count))
            #expect(plain == Array(file))
            let (encoding, gzipped) = try await client.fhir(uri: url, method: .get, headers: [.acceptEncoding: "gzip"]) {
                ($0.headers[.contentEncoding], Array(buffer: $0.body))
            }
            #expect(encoding == "gzip")
            let lines = String(decoding: try Self.gunzip(gzipped), as: UTF8.self).split(separator: "\n")
            #expect(lines.count == Int(output["count"]?.number ?? "") ?? -1)
            #expect(lines.joined(separator: "\n") + "\n" == String(decoding: file, as: UTF8.self))
        }
    }

    @Test func expiredExportFilesAreSweptWithoutAnyRequest() async throws {
        var configuration = exportConfiguration()
        configuration.export.expiry = 1
        configuration.export.sweepInterval = 0.1
        let directory = try #require(configuration.export.directory)
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            let status = try await client.kickOff("/fhir/$export?_type=Patient")
            _ = try await client.awaitManifest(status)
            let job = try #require(status.split(separator: "/").last.map(String.init))
            let folder = URL(fileURLWithPath: directory).appendingPathComponent(job).path
            #expect(FileManager.default.fileExists(atPath: folder))
            // No kick-off, no polling: the background sweep removes them once they expire.
            var gone = false
            for _ in 0..<100 where !gone {
                try await Task.sleep(for: .milliseconds(50))
                gone = !FileManager.default.fileExists(atPath: folder)
            }
            #expect(gone)
        }
    }
}

/// The buffers a ``ExportDownloadTests/CollectingWriter`` received, and whether it was finished.
final class WrittenChunks: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [[UInt8]] = []
    private var done = false

    func append(_ chunk: [UInt8]) { lock.withLock { chunks.append(chunk) } }
    func finished() { lock.withLock { done = true } }
    var all: [[UInt8]] { lock.withLock { chunks } }
    var isFinished: Bool { lock.withLock { done } }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Testing

@testable import FHIRServer

/// The status page at `/`, rendered by a real browser (Debian's `chromium`, headless): it draws, and shows the counts.
@Suite struct StatusPageTests {
    /// Runs headless Chromium with `arguments` and the URL, for at most 90 seconds; its standard output. The wait runs
    /// on a Dispatch thread: blocking a thread of Swift's concurrency pool could starve the server Chromium talks to.
    static func chromium(_ arguments: [String], url: String, profile: URL) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                             "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage",
                             "--user-data-dir=\(profile.path)"] + arguments + [url]
        // A file, not a pipe: Chromium's helper processes may keep a pipe open after the browser has exited.
        let outputFile = profile.appendingPathExtension("out")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(90)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            process.terminate()
            Issue.record("chromium \(arguments) did not finish within 90 seconds")
        }
        try output.close()
        #expect(process.terminationStatus == 0, "chromium \(arguments) exited \(process.terminationStatus)")
        return (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
    }

    /// Width, height, and how many distinct pixel values the PNG holds (read by Python's zlib: a blank page has one).
    static func pngFacts(_ file: URL) throws -> (width: Int, height: Int, colours: Int) {
        let script = """
            import struct, sys, zlib
            data = open(sys.argv[1], "rb").read()
            assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
            pos, idat, width, height, ctype = 8, b"", 0, 0, 0
            while pos < len(data):
                length, kind = struct.unpack(">I4s", data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b"IHDR": width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
                if kind == b"IDAT": idat += body
                pos += 12 + length
            raw = zlib.decompress(idat)
            channels = {2: 3, 6: 4}.get(ctype, 4)
            stride = width * channels + 1
            rows, prev = [], bytearray(stride - 1)
            for y in range(height):
                f, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
                for i in range(len(line)):
                    a = line[i - channels] if i >= channels else 0
                    b = prev[i]
                    c = prev[i - channels] if i >= channels else 0
                    if f == 1: line[i] = (line[i] + a) & 255
                    elif f == 2: line[i] = (line[i] + b) & 255
                    elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                rows.append(bytes(line)); prev = line
            colours = {row[i:i + channels] for row in rows[::4] for i in range(0, len(row), channels * 4)}
            print(width, height, len(colours))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let numbers = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(numbers.count == 3, "not a PNG: \(file.path)")
        return (numbers[0], numbers[1], numbers[2])
    }

    @Test func theStatusPageRendersInABrowserWithTheCounts() async throws {
        let database = try demoDatabase()
        let store = SQLiteRegistryStore(database: database)
        let total = RowQuery(limit: 0, countTotal: true)
        let expected = [
            "insurees": try await store.search(Insuree.self, total).total ?? -1,
            "families": try await store.search(Family.self, total).total ?? -1,
            "policies": try await store.search(Policy.self, total).total ?? -1,
            "claims": try await store.search(Claim.self, total).total ?? -1,
        ]
        #expect(expected["insurees"] ?? 0 > 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let screenshot = folder.appendingPathComponent("status.png")
        try await withLiveServer(configuration: ServerConfiguration()) { port in
            let url = "http://127.0.0.1:\(port)/"
            let dom = try await Self.chromium(["--dump-dom"], url: url, profile: folder.appendingPathComponent("a"))
            for (name, count) in expected {
                #expect(dom.contains("<dd id=\"count-\(name)\">\(count)</dd>"), "\(name) \(count) not on the page")
            }
            #expect(dom.contains("id=\"readiness\" class=\"ok\">ready<"))
            #expect(dom.contains("SQLite"))
            #expect(dom.contains("href=\"/fhir/metadata\""))
            #expect(dom.contains("href=\"/fhir/.well-known/smart-configuration\""))
            #expect(dom.contains("no subscriptions delivered yet"))
            _ = try await Self.chromium(["--screenshot=\(screenshot.path)", "--window-size=1024,768"], url: url,
                                  profile: folder.appendingPathComponent("b"))
        }
        let png = try Self.pngFacts(screenshot)
        #expect(png.width == 1024 && png.height == 768)
        // The header band, the cards, the text: far more than a blank page's one colour.
        #expect(png.colours > 20, "the screenshot has \(png.colours) colours")
    }

    @Test func inProductionTheCountsAreHiddenUnlessSwitchedOn() async throws {
        var configuration = ServerConfiguration(production: true)
        let (app, _) = try await makeTestApplication(configuration: configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                #expect(!page.contains("count-insurees"))
                #expect(page.contains("STATUS_COUNTS"))
                #expect(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"))
            }
        }
        configuration.operations.statusCounts = true
        let (shown, _) = try await makeTestApplication(configuration: configuration)
        try await shown.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { #expect(String(buffer: $0.body).contains("count-insurees")) }
        }
    }
}

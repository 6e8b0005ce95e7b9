import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import Testing

@testable import FHIRServer

/// The life of an export job: cancel, one running export per client, refusals of bad kick-offs, a restart.
@Suite struct ExportJobTests {
    /// A configuration whose exports wait an hour before they read: they stay running for the whole test.
    static func slowExports() -> ServerConfiguration { exportConfiguration(settle: 3_600) }

    @Test func aRunningExportIsCancelledByDeleteAndThenUnknown() async throws {
        let (app, _) = try await makeTestApplication(configuration: Self.slowExports())
        try await app.test(.router) { client in
            let status = try await client.kickOff("/fhir/$export")
            let polled = try await client.fhir(uri: status, method: .get) { $0.status }
            #expect(polled == .accepted)
            #expect(try await client.exportStatus(status, .delete) == .accepted)
            #expect(try await client.exportStatus(status, .get) == .notFound)
            #expect(try await client.exportStatus(status, .delete) == .notFound)
            // Cancelled, it no longer counts as running.
            _ = try await client.kickOff("/fhir/$export")
        }
    }

    @Test func aSecondExportWhileOneRunsIsRefusedWithRetryAfter() async throws {
        let (app, _) = try await makeTestApplication(configuration: Self.slowExports())
        try await app.test(.router) { client in
            _ = try await client.kickOff("/fhir/$export")
            var headers = asyncHeaders
            headers[.authorization] = "Bearer \(adminToken)"
            try await client.execute(uri: "/fhir/Patient/$export", method: .get, headers: headers) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[HTTPField.Name("Retry-After")!] != nil)
                #expect(fhirBody(response)["resourceType"]?.string == "OperationOutcome")
            }
            // Another account is not held up.
            _ = try await client.kickOff("/fhir/$export", token: testToken(uid: 2))
        }
    }

    @Test func aFinishedExportDoesNotCountAsRunning() async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            let first = try await client.kickOff("/fhir/$export?_type=Patient")
            _ = try await client.awaitManifest(first)
            let second = try await client.kickOff("/fhir/$export?_type=Patient")
            let (headers, _) = try await client.awaitManifest(second)
            #expect(headers[HTTPField.Name("Expires")!] != nil)
            // The first export's files are still there until they expire.
            let (_, manifest) = try await client.awaitManifest(first)
            #expect(manifest["output"]?.array?.isEmpty == false)
        }
    }

    @Test func aFileIsSentGzippedWhenTheClientAcceptsIt() async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            let status = try await client.kickOff("/fhir/$export?_type=Patient")
            let (_, manifest) = try await client.awaitManifest(status)
            let file = pathOf(try #require(manifest["output"]?.array?.first?["url"]?.string))
            let plain = try await client.fhir(uri: file, method: .get) { Array(buffer: $0.body) }
            let (encoding, gzipped) = try await client.fhir(
                uri: file, method: .get, headers: [.acceptEncoding: "br;q=1, gzip;q=0.8"]
            ) { ($0.headers[.contentEncoding], Array(buffer: $0.body)) }
            #expect(encoding == "gzip")
            #expect(gzipped.prefix(2) == [0x1f, 0x8b])
            #expect(gzipped.count < plain.count)
            // gunzip gives the plain file back.
            #expect(try ExportDownloadTests.gunzip(gzipped) == plain)
            // Refused with q=0: sent as it is.
            let refused = try await client.fhir(uri: file, method: .get, headers: [.acceptEncoding: "gzip;q=0"]) {
                $0.headers[.contentEncoding]
            }
            #expect(refused == nil)
        }
    }

    @Test func onlyTheOwnerPollsDownloadsOrCancels() async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            let status = try await client.kickOff("/fhir/$export?_type=Patient")
            let (_, manifest) = try await client.awaitManifest(status)
            let file = try #require(manifest["output"]?.array?.first?["url"]?.string)
            let other = testToken(uid: 2)
            #expect(try await client.status(status, token: other) == .notFound)
            #expect(try await client.status(pathOf(file), token: other) == .notFound)
            #expect(try await client.status(pathOf(file), token: nil) == .unauthorized)
            #expect(try await client.status(pathOf(file) + "x", token: adminToken) == .notFound)
            #expect(try await client.status("/fhir/$export-poll-status/not-a-job", token: adminToken) == .notFound)
        }
    }

    @Test(arguments: [
        ("/fhir/$export?_outputFormat=text/csv", "_outputFormat"),
        ("/fhir/$export?_type=Unknown", "_type"),
        ("/fhir/$export?_typeFilter=Patient%3Funknown%3D1", "_typeFilter"),
        ("/fhir/$export?_typeFilter=Patient%3Fgender%3Afoo%3Dmale", "_typeFilter"),
        ("/fhir/$export?_type=Patient&_typeFilter=Claim%3Fstatus%3Dactive", "_typeFilter"),
        ("/fhir/$export?_typeFilter=Patient%3F_count%3D5", "_typeFilter"),
        ("/fhir/$export?_since=yesterday", "_since"),
        ("/fhir/$export?_until=2026-13-01T00:00:00Z", "_until"),
        ("/fhir/$export?patient=Patient/x", "patient"),
        ("/fhir/$export?_foo=1", "_foo"),
        ("/fhir/Patient/$export?_type=Location", "_type"),
    ])
    func aBadKickOffIsRefusedWithAnOperationOutcome(_ uri: String, _ named: String) async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            var headers = asyncHeaders
            headers[.authorization] = "Bearer \(adminToken)"
            try await client.execute(uri: uri, method: .get, headers: headers) { response in
                #expect(response.status == .badRequest, "\(uri)")
                let outcome = fhirBody(response)
                #expect(outcome["issue"]?.array?.first?["diagnostics"]?.string?.contains(named) == true, "\(uri)")
            }
        }
    }

    @Test func aKickOffWithoutRespondAsyncIsRefused() async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            let status = try await client.fhir(uri: "/fhir/$export", method: .get) { $0.status }
            #expect(status == .badRequest)
        }
    }

    @Test func aPostKickOffTakesAParametersResource() async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            var headers = asyncHeaders
            headers[.contentType] = "application/fhir+json"
            let body = #"{"resourceType":"Parameters","parameter":[{"name":"_type","valueString":"Group"}]}"#
            let status = try await client.fhir(uri: "/fhir/$export", method: .post, headers: headers,
                                               body: ByteBuffer(string: body)) { response in
                #expect(response.status == .accepted)
                return pathOf(response.headers[.contentLocation] ?? "")
            }
            let (_, manifest) = try await client.awaitManifest(status)
            #expect(manifest["output"]?.array?.compactMap { $0["type"]?.string } == ["Group"])
        }
    }

    @Test func aTypeWithoutChangeTimesIsLeftOutOfASinceExportWithAnErrorLine() async throws {
        let (app, _) = try await makeTestApplication(configuration: exportConfiguration())
        try await app.test(.router) { client in
            let status = try await client.kickOff(
                "/fhir/$export?_type=PaymentReconciliation,Patient&_since=2000-01-01T00:00:00Z")
            let (_, manifest) = try await client.awaitManifest(status)
            #expect(manifest["output"]?.array?.compactMap { $0["type"]?.string } == ["Patient"])
            let error = try #require(manifest["error"]?.array?.first)
            #expect(error["type"]?.string == "OperationOutcome")
            let text = try await client.fhir(uri: pathOf(error["url"]?.string ?? ""), method: .get) { String(buffer: $0.body) }
            let outcome = try Resource.decode(Array(text.split(separator: "\n").first.map { Array($0.utf8) } ?? []))
            #expect(outcome.resourceType == "OperationOutcome")
            #expect(text.contains("PaymentReconciliation"))
        }
    }
}

import FHIRModels
import Foundation
import Testing

@testable import FHIRServer

/// Idle, header and body timeouts, the connection limit, and what the HTTP parser refuses, on real sockets
/// (security.md, Input and transport). Timeouts are short; the ones a test is not about are long, so that only the
/// one under test can close the connection.
@Suite("Connection timeouts and limits over real sockets")
struct ConnectionLimitTests {
    static func configuration(
        idle: Duration? = .seconds(30), header: Duration? = .seconds(30), body: Duration? = .seconds(30),
        maxConnections: Int = 1000
    ) -> ServerConfiguration {
        ServerConfiguration(connections: ConnectionLimits(
            idleTimeout: idle, headerTimeout: header, bodyTimeout: body, maxConnections: maxConnections))
    }

    // Times are taken where they cannot come out short: a busy machine delays the test's own tasks, so a bound is
    // checked against when the event loop saw the connection close, and only in the direction a delay cannot help.

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withLiveServer(configuration: Self.configuration(idle: .milliseconds(500))) { port in
            let opened = ContinuousClock.now
            let client = try await RawClient.connect(port: port)
            #expect(try await client.waitForClose(within: .seconds(10)))
            let closedAt = try #require(client.closedAt)
            #expect(closedAt - opened >= .milliseconds(450))
            #expect(client.bytes.isEmpty)
        }
    }

    // The two tests below need the client to act before a timeout runs out; a machine busy enough to hold the
    // client up past it measures nothing, and the run is tried again (three times at most).

    @Test func aKeptAliveConnectionIsClosedTheIdleTimeoutAfterItsLastResponse() async throws {
        // 6 s rather than 1 or 3: a 2-core machine starting the whole suite held the client up past a 1 s timeout,
        // and once past 3 s, three times in a row.
        try await withLiveServer(configuration: Self.configuration(idle: .seconds(6))) { port in
            for _ in 0..<3 {
                let client = try await RawClient.connect(port: port)
                client.send(rawGET("/health/live"), after: .milliseconds(300))
                // Waiting long costs nothing when the answer comes; a loaded machine can take seconds to give it.
                let response = try await client.response(within: .seconds(30))
                if response == nil, let closedAt = client.closedAt, client.sends.first.map({ closedAt <= $0 }) ?? true {
                    continue  // closed idle before the client got to send: it was late
                }
                #expect(response?.status == 200)
                #expect(try await client.waitForClose(within: .seconds(10)))
                // Counted from the answer, not from when the connection opened 300 ms before it.
                let answeredAt = try #require(client.lastReadAt)
                let closedAt = try #require(client.closedAt)
                #expect(closedAt - answeredAt >= .milliseconds(5_900))
                return
            }
            Issue.record("the client was held up past the idle timeout three times")
        }
    }

    @Test func halfARequestHeadIsAnswered408AfterTheHeaderTimeout() async throws {
        try await withLiveServer(configuration: Self.configuration(header: .milliseconds(500))) { port in
            let client = try await RawClient.connect(port: port)
            let started = ContinuousClock.now
            try await client.send("GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\n")
            let response = try #require(try await client.response(within: .seconds(10)))
            #expect(response.status == 408)
            #expect(ContinuousClock.now - started >= .milliseconds(450))
            #expect(issueCode(try JSONParser.parse(response.body)) == "timeout")
            #expect(try await client.waitForClose(within: .seconds(10)))
        }
    }

    @Test func aHeadTrickledByteByByteIsCutOffAtTheHeaderTimeout() async throws {
        try await withLiveServer(configuration: Self.configuration(header: .seconds(1))) { port in
            let client = try await RawClient.connect(port: port)
            let started = ContinuousClock.now
            try await client.send("GET /fhir/metadata HTTP/1.1\r\n")
            // A byte every 100 ms: the connection is never quiet, yet the head never completes.
            while !client.isClosed, ContinuousClock.now - started < .seconds(5) {
                try? await client.send("X")
                try await Task.sleep(for: .milliseconds(100))
            }
            let closedAt = try #require(client.closedAt)
            #expect(closedAt - started < .seconds(3))
            #expect(RawResponse(parsing: client.bytes)?.status == 408)
        }
    }

    @Test func aPartialBodyIsAnswered408AfterTheBodyTimeout() async throws {
        try await withLiveServer(configuration: Self.configuration(body: .milliseconds(500))) { port in
            let client = try await RawClient.connect(port: port)
            try await client.send(
                "POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(adminToken)\r\n"
                    + "Content-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n{\"resourceType\":")
            let response = try #require(try await client.response(within: .seconds(10)))
            #expect(response.status == 408)
            #expect(response.headers["connection"] == "close")
            #expect(try await client.waitForClose(within: .seconds(10)))
        }
    }

    @Test func aBodyTrickledBelowTheMinimumRateIsCutOff() async throws {
        try await withLiveServer(configuration: Self.configuration(body: .seconds(1))) { port in
            let client = try await RawClient.connect(port: port)
            let started = ContinuousClock.now
            try await client.send(
                "POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(adminToken)\r\n"
                    + "Content-Type: application/fhir+json\r\nContent-Length: 1000\r\n\r\n")
            // A byte every 100 ms never pauses a second, but is far below 500 bytes per second.
            while !client.isClosed, ContinuousClock.now - started < .seconds(5) {
                try? await client.send(" ")
                try await Task.sleep(for: .milliseconds(100))
            }
            let closedAt = try #require(client.closedAt)
            #expect(closedAt - started < .seconds(3))
        }
    }

    @Test func aRequestThatKeepsToTheTimeoutsIsServed() async throws {
        // The idle timeout is not what this test is about: long enough that a client held up before its first byte
        // is not closed as idle.
        let configuration = Self.configuration(idle: .seconds(10), header: .seconds(1), body: .seconds(1))
        try await withLiveServer(configuration: configuration) { port in
            for _ in 0..<3 {
                let client = try await RawClient.connect(port: port)
                // A pause in the head shorter than the header timeout.
                client.send("GET /fhir/metadata HTTP/1.1\r\n", after: .zero)
                client.send("Host: localhost\r\n\r\n", after: .milliseconds(200))
                let response = try #require(try await client.response(within: .seconds(30)))
                let sends = client.sends
                if response.status == 408, sends.count == 2, sends[1] - sends[0] >= .milliseconds(900) {
                    continue  // the pause came out longer than the timeout: the client was late
                }
                #expect(response.status == 200)
                return
            }
            Issue.record("the client was held up past the header timeout three times")
        }
    }

    @Test func atTheConnectionLimitIdleConnectionsMakeRoomForANewClient() async throws {
        try await withLiveServer(configuration: Self.configuration(maxConnections: 8)) { port in
            var idle: [RawClient] = []
            for _ in 0..<8 {
                let client = try await RawClient.connect(port: port)
                try await client.send(rawGET("/health/live"))
                #expect(try await client.response(within: .seconds(10))?.status == 200)
                idle.append(client)
            }
            let newcomer = try await RawClient.connect(port: port)
            try await newcomer.send(rawGET("/fhir/Patient?_count=1", token: adminToken))
            let response = try await newcomer.response(within: .seconds(10))
            #expect(response?.status == 200)
            // The limit holds: the longest-idle connection made the room.
            #expect(try await idle[0].waitForClose(within: .seconds(10)))
            #expect(idle.filter(\.isClosed).count == 1)
            for client in idle + [newcomer] { await client.close() }
        }
    }

    @Test func atTheConnectionLimitConnectionsWithARequestUnderWayAreNotClosedToMakeRoom() async throws {
        try await withLiveServer(configuration: Self.configuration(header: .seconds(1), maxConnections: 4)) { port in
            var busy: [RawClient] = []
            for _ in 0..<4 {
                let client = try await RawClient.connect(port: port)
                try await client.send("GET /fhir/metadata HTTP/1.1\r\n")
                busy.append(client)
            }
            // Time for the server to read the partial heads (it has no way to say so).
            try await Task.sleep(for: .milliseconds(500))
            let newcomer = try await RawClient.connect(port: port)
            try await newcomer.send(rawGET("/health/live"))
            #expect(try await newcomer.response(within: .seconds(10))?.status == 200)
            // Each partial head ran to its header timeout (408), none was closed silently to make room.
            for client in busy {
                #expect(try await client.waitForClose(within: .seconds(10)))
                #expect(RawResponse(parsing: client.bytes)?.status == 408)
            }
            await newcomer.close()
        }
    }

    @Test func aRequestHeadOver80KBIsAnswered431WithAnOperationOutcome() async throws {
        try await withLiveServer(configuration: Self.configuration()) { port in
            let client = try await RawClient.connect(port: port)
            let big = String(repeating: "a", count: 100 * 1024)
            try await client.send("GET /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nX-Filler: \(big)\r\n\r\n")
            let response = try #require(try await client.response(within: .seconds(10)))
            #expect(response.status == 431)
            #expect(response.headers["content-type"]?.hasPrefix("application/fhir+json") == true)
            let outcome = try JSONParser.parse(response.body)
            #expect(outcome["resourceType"]?.string == "OperationOutcome")
            #expect(issueCode(outcome) == "too-long")
            _ = try Resource.decode(response.body)
            #expect(try await client.waitForClose(within: .seconds(10)))
        }
    }

    @Test func aRequestTheParserCannotReadIsAnswered400WithAnOperationOutcome() async throws {
        try await withLiveServer(configuration: Self.configuration()) { port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n")
            let response = try #require(try await client.response(within: .seconds(10)))
            #expect(response.status == 400)
            #expect(issueCode(try JSONParser.parse(response.body)) == "invalid")
        }
    }

    @Test func aBodyWithBrokenChunksIsAnswered400WithAnOperationOutcome() async throws {
        try await withLiveServer(configuration: Self.configuration()) { port in
            let client = try await RawClient.connect(port: port)
            try await client.send(
                "POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(adminToken)\r\n"
                    + "Content-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n")
            let response = try #require(try await client.response(within: .seconds(10)))
            #expect(response.status == 400)
            #expect(issueCode(try JSONParser.parse(response.body)) == "invalid")
        }
    }

    @Test(arguments: [
        ("HTTP_IDLE_TIMEOUT", "soon"), ("HTTP_HEADER_TIMEOUT", "-1"), ("HTTP_BODY_TIMEOUT", "1e3"),
        ("HTTP_BODY_TIMEOUT", "90000"), ("HTTP_MAX_CONNECTIONS", "0"), ("HTTP_MAX_CONNECTIONS", "many"),
        ("RATELIMIT_AUTHENTICATED_RATE", "fast"), ("RATELIMIT_RATE", "150"),
    ])
    func anInvalidSettingStopsTheServerNamingIt(_ key: String, _ value: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: AccountCommandTests.executable.path), "build the executable first")
        let result = try AccountCommandTests.run(["serve", "--port", "1"], environment: [key: value])
        #expect(result.status != 0)
        #expect(result.output.contains("invalid setting \(key)"), "\(result.output)")
    }

    @Test func oneHeadUnderTheLimitIsServed() async throws {
        try await withLiveServer(configuration: Self.configuration()) { port in
            let client = try await RawClient.connect(port: port)
            let filler = String(repeating: "a", count: 60 * 1024)
            try await client.send("GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\nX-Filler: \(filler)\r\n\r\n")
            #expect(try await client.response(within: .seconds(10))?.status == 200)
        }
    }
}

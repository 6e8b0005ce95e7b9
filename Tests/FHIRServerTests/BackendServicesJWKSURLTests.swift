import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Synchronization
import Testing

@testable import FHIRServer

/// Clients registered with the URL of their JWK Set: the server fetches it from a real local HTTP server, keeps it
/// for a bounded time, fetches again for a key it has not seen, and refuses what it cannot use.
@Suite("SMART Backend Services with a JWK Set URL")
struct BackendServicesJWKSURLTests {
    /// What the local key server serves, and how often the set was asked for.
    final class KeyServer: Sendable {
        let document: Mutex<String>
        let hits = Mutex(0)

        init(_ keys: [AssertionKey]) {
            document = Mutex(AssertionKey.jwks(keys))
        }

        func serve(_ keys: [AssertionKey]) { document.withLock { $0 = AssertionKey.jwks(keys) } }
        var requests: Int { hits.withLock { $0 } }
    }

    /// A clock the test moves forward.
    final class MovableClock: Sendable {
        let value = Mutex(Date())
        var now: Date { value.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
    }

    /// A local server answering `GET /jwks.json` with what `document` holds now (and `GET /huge` with more than the
    /// size limit, `GET /moved` with a redirect), counting the requests for the set; `body` gets its port.
    static func withKeyServer(_ server: KeyServer, _ body: @escaping @Sendable (Int) async throws -> Void) async throws
    {
        let router = Router()
        router.get("jwks.json") { _, _ -> Response in
            server.hits.withLock { $0 += 1 }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: server.document.withLock { $0 })))
        }
        router.get("huge") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(string: "{\"keys\":[" + String(repeating: " ", count: 70_000) + "]}")))
        }
        router.get("moved") { _, _ -> Response in
            Response(status: .found, headers: [.location: "/jwks.json"])
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    @Test func theSetIsFetchedOnceAndKeptThenFetchedAgainForANewKid() async throws {
        let first = AssertionKey.es384(kid: "first")
        let rotated = AssertionKey.es384(kid: "rotated")
        let server = KeyServer([first])
        // The server's clock stands still: however slow the machine, the set is younger than the re-fetch interval.
        let clock = MovableClock()
        let world = try await AuthTestWorld.make(clock: { clock.now })
        try await Self.withKeyServer(server) { port in
            let url = "http://127.0.0.1:\(port)/jwks.json"
            try await world.assertionClient("dashboard", scope: "system/Patient.rs", jwksURL: url)
            try await world.run { client in
                let endpoint = try await client.tokenEndpoint()
                for _ in 0..<3 {
                    let (status, _, body) = try await client.token(
                        assertionRequest(
                            try first.sign(AssertionKey.claims(client: "dashboard", aud: endpoint, now: clock.now))))
                    #expect(status == .ok, "\(body)")
                }
                #expect(server.requests == 1)
                #expect(await world.auth.tokens.clientKeys.isCached(url))
                // A key the cached set lacks: fetched again only once the set is older than the re-fetch interval.
                server.serve([first, rotated])
                let (early, _, _) = try await client.token(
                    assertionRequest(
                        try rotated.sign(AssertionKey.claims(client: "dashboard", aud: endpoint, now: clock.now))))
                #expect(early == .unauthorized)
                #expect(server.requests == 1)
            }
        }
    }

    @Test func aSetOlderThanTheRefetchIntervalIsFetchedAgainForAnUnknownKid() async throws {
        let first = AssertionKey.es384(kid: "first")
        let rotated = AssertionKey.es384(kid: "rotated")
        let server = KeyServer([first])
        let clock = MovableClock()
        var settings = testTokenSettings
        settings.jwksCacheLifetime = 3600
        let world = try await AuthTestWorld.make(settings: settings, clock: { clock.now })
        try await Self.withKeyServer(server) { port in
            try await world.assertionClient(
                "dashboard", scope: "system/Patient.rs", jwksURL: "http://127.0.0.1:\(port)/jwks.json")
            try await world.run { client in
                let endpoint = try await client.tokenEndpoint()
                let before = AssertionKey.claims(client: "dashboard", aud: endpoint, now: clock.now)
                #expect(try await client.token(assertionRequest(try first.sign(before))).0 == .ok)
                server.serve([first, rotated])
                clock.advance(31)
                let claims = AssertionKey.claims(client: "dashboard", aud: endpoint, now: clock.now)
                let (status, _, body) = try await client.token(assertionRequest(try rotated.sign(claims)))
                #expect(status == .ok, "\(body)")
                #expect(server.requests == 2)
            }
        }
    }

    @Test(arguments: ["huge", "moved", "missing"])
    func aSetThatIsTooLargeRedirectedOrMissingIsRefused(path: String) async throws {
        let key = AssertionKey.es384()
        let server = KeyServer([key])
        let world = try await AuthTestWorld.make()
        try await Self.withKeyServer(server) { port in
            try await world.assertionClient(
                "dashboard", scope: "system/Patient.rs", jwksURL: "http://127.0.0.1:\(port)/\(path)")
            try await world.run { client in
                let claims = AssertionKey.claims(client: "dashboard", aud: try await client.tokenEndpoint())
                let (status, _, body) = try await client.token(assertionRequest(try key.sign(claims)))
                #expect(status == .unauthorized)
                #expect(body["error"]?.string == "invalid_client")
            }
        }
    }

    @Test func aURLThatFailedIsNotAskedAgainForAWhile() async throws {
        let key = AssertionKey.es384()
        let server = KeyServer([key])
        let clock = MovableClock()
        let world = try await AuthTestWorld.make(clock: { clock.now })
        try await Self.withKeyServer(server) { port in
            try await world.assertionClient(
                "dashboard", scope: "system/Patient.rs", jwksURL: "http://127.0.0.1:\(port)/jwks.json")
            try await world.run { client in
                let endpoint = try await client.tokenEndpoint()
                server.serve([])
                for _ in 0..<3 {
                    let claims = AssertionKey.claims(client: "dashboard", aud: endpoint, now: clock.now)
                    #expect(try await client.token(assertionRequest(try key.sign(claims))).0 == .unauthorized)
                }
                #expect(server.requests == 1)
                server.serve([key])
                clock.advance(31)
                let claims = AssertionKey.claims(client: "dashboard", aud: endpoint, now: clock.now)
                let (status, _, body) = try await client.token(assertionRequest(try key.sign(claims)))
                #expect(status == .ok, "\(body)")
                #expect(server.requests == 2)
            }
        }
    }

    @Test func anHTTPSetURLIsRefusedWhenHTTPSIsRequired() async throws {
        let key = AssertionKey.es384()
        let server = KeyServer([key])
        var settings = testTokenSettings
        settings.jwksRequiresHTTPS = true
        let world = try await AuthTestWorld.make(settings: settings)
        try await Self.withKeyServer(server) { port in
            try await world.assertionClient(
                "dashboard", scope: "system/Patient.rs", jwksURL: "http://127.0.0.1:\(port)/jwks.json")
            try await world.run { client in
                let claims = AssertionKey.claims(client: "dashboard", aud: try await client.tokenEndpoint())
                let (status, _, body) = try await client.token(assertionRequest(try key.sign(claims)))
                #expect(status == .unauthorized)
                #expect(body["error"]?.string == "invalid_client")
                #expect(server.requests == 0)
            }
        }
    }
}

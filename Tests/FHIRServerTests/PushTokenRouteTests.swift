import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// A device's FCM token stays with the account that registered it until that account (or FCM) drops it.
@Suite("Push token ownership")
struct PushTokenRouteTests {
    func post(_ client: any TestClientProtocol, _ uri: String, token: String, _ json: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.execute(uri: uri, method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                 body: ByteBuffer(string: json)) {
            ($0.status, (try? JSONParser.parse(Array(buffer: $0.body))) ?? .null)
        }
    }

    @Test func anotherAccountCannotTakeOverARegisteredPushToken() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let john = try await client.signIn(DemoDataset.Accounts.johnDoe.username, password: DemoDataset.Accounts.johnDoe.password)
            let clerk = try await client.signIn(DemoDataset.Accounts.clerk.username, password: DemoDataset.Accounts.clerk.password)
            let johnUser = try #require(try await world.auth.accounts.user(loginName: DemoDataset.Accounts.johnDoe.username))
            let clerkUser = try #require(try await world.auth.accounts.user(loginName: DemoDataset.Accounts.clerk.username))
            func owners() async throws -> [[String]] {
                [try await world.auth.pushTokens.pushTokens(userID: johnUser.id).map(\.token),
                 try await world.auth.pushTokens.pushTokens(userID: clerkUser.id).map(\.token)]
            }

            #expect(try await post(client, "/membership/push-tokens", token: john, #"{"token":"johns-phone"}"#).0 == .created)
            // Someone else presenting the same token: refused, saying nothing about whose it is, and nothing moves.
            let (taken, takenBody) = try await post(client, "/membership/push-tokens", token: clerk, #"{"token":"johns-phone"}"#)
            #expect(taken == .conflict)
            #expect(takenBody == .object([
                JSONMember("error", .string("conflict")),
                JSONMember("error_description", .string("this push token cannot be registered for this account")),
            ]))
            let (compat, compatBody) = try await post(client, "/api/membership/save_fcm_token/", token: clerk,
                                                      #"{"user_id":"ignored","fcm_token":"johns-phone"}"#)
            #expect(compat == .conflict)
            #expect(compatBody == .object([JSONMember("message", .string("this push token cannot be registered for this account"))]))
            #expect(try await owners() == [["johns-phone"], []])
            let dropByOther = try await client.execute(uri: "/membership/push-tokens/johns-phone", method: .delete,
                                                       headers: [.authorization: "Bearer \(clerk)"]) { $0.status }
            #expect(dropByOther == .notFound)

            // Its owner may register it again; once the owner drops it, the device's next user may take it.
            #expect(try await post(client, "/membership/push-tokens", token: john, #"{"fcm_token":"johns-phone"}"#).0 == .created)
            let dropped = try await client.execute(uri: "/membership/push-tokens/johns-phone", method: .delete,
                                                   headers: [.authorization: "Bearer \(john)"]) { $0.status }
            #expect(dropped == .noContent)
            #expect(try await post(client, "/api/membership/save_fcm_token/", token: clerk, #"{"fcm_token":"johns-phone"}"#).0 == .created)
            #expect(try await owners() == [[], ["johns-phone"]])
        }
    }
}

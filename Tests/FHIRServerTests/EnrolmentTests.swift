import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// Self-enrolment with payment verified by the server: pending until a PaymentNotice or a PayPal capture the server
/// made itself (against the local stand-in) pays it, refused with nothing written on a declined, wrong or replayed
/// payment, lapsing unpaid, deduplicated, rate-limited, and isolated.
@Suite("Self-enrolment and its payment")
struct EnrolmentTests {
    /// The app's `enrollment/` body (family and members as `json_content` texts, a photo, the client's PayPal JSON).
    static func appBody(_ chfids: [String], photo: Bool = true) -> String {
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1, 0xFF, 0xD9]).base64EncodedString()
        let members = chfids.enumerated().map { index, chfid in
            let content = #"{\"isHead\":\#(index == 0 ? 1 : 0),\"phone\":\"+2557000000\#(index)\",\"birthdate\":\"19\#(80 + index)-02-03\",\"email\":\"\",\"gender\":\"\#(index == 0 ? "male" : "female")\",\"givenName\":\"Given\#(index)\",\"lastName\":\"Enrolled\",\"healthFacility\":\"1\",\"relationShip\":\"\#(index == 0 ? "" : "Spouse")\"}"#
            return #"{"chfid":"\#(chfid)","json_content":"\#(content)"\#(photo ? #","photo":"data:image/jpeg;base64,\#(jpeg)""# : "")}"#
        }
        return #"""
            {"family":{"id":0,"uuid":"","json_content":"{\"familyType\":\"H\",\"confirmationType\":\"\",\"addressDetail\":\"Main street 1\",\"confirmationNumber\":\"\"}"},
             "members":[\#(members.joined(separator: ","))],
             "payments":{"id":"PAYID-CLIENT","transactions":[{"amount":{"total":"1.00","currency":"USD"}}]}}
            """#
    }

    static func world(paypal port: Int? = nil, adjust: @escaping (inout EnrolmentSettings) -> Void = { _ in }) async throws -> AuthTestWorld {
        try await AuthTestWorld.make(adjust: { services in
            if let port {
                services.enrolment.paypal = PayPalSettings(baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                                                           clientID: PayPalStandIn.clientID, clientSecret: PayPalStandIn.secret)
            }
            adjust(&services.enrolment)
        })
    }

    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String,
                     body: String? = nil) async throws -> (HTTPResponse.Status, JSON) {
        try await AppClient(client: client).send(method, path, body: body)
    }

    /// The enrolment's policy, invoice payments and members as stored.
    static func stored(_ world: AuthTestWorld, _ id: String) async throws -> (EnrolmentRecord, Policy?, [PaymentDetails]) {
        let record = try #require(try await world.auth.enrolments?.enrolment(id: id))
        let policy = try await world.auth.registry.record(Policy.self, uuid: record.policyUUID, includeDeleted: false)?.record
        return (record, policy, try await world.auth.insurance.payments(invoiceUUID: record.invoiceUUID))
    }

    @Test func pendingEnrolmentIsPaidByAPaymentNoticeAndBecomesActive() async throws {
        let world = try await Self.world()
        let secret = try await world.client("payment-layer", scope: "system/PaymentNotice.cru system/Invoice.r")
        try await world.run { client in
            let (status, answer) = try await Self.send(client, .post, "/api/membership/enrollment/", body: Self.appBody(["E100001", "E100002"]))
            #expect(status == .created)
            #expect(answer["Success"] == .bool(true) && answer["status"] == .string("pending"))
            let id = try #require(answer["enrolment_id"]?.string)
            var (record, policy, payments) = try await Self.stored(world, id)
            #expect(policy?.policyStatus == .idle && payments.isEmpty)
            #expect(answer["amount"] == .string(record.amount) && record.amount == policy?.value)
            let head = try #require(try await world.auth.registry.insuree(chfid: "E100001")?.record)
            #expect(head.isHead && head.familyID != nil)
            #expect(try await world.auth.registry.insuree(chfid: "E100002")?.record.familyID == head.familyID)

            // A device of the head, registered before the payment, hears of the activation.
            let user = try await world.user("payinghead", roles: ["insuree"], insureeCHFID: "E100001")
            _ = try await world.auth.pushTokens.savePushToken("device-E1", userID: user.id, now: Date())
            let (_, _, tokenAnswer) = try await client.token([("grant_type", "client_credentials"), ("client_id", "payment-layer"),
                                                               ("client_secret", secret)])
            let token = try #require(tokenAnswer["access_token"]?.string)
            let notice = PaymentTests.noticeJSON(identifier: "MM-ENROL-1", invoice: record.invoiceUUID, amount: record.amount)
            let posted = try await client.execute(uri: "/fhir/PaymentNotice", method: .post,
                                                  headers: [.contentType: "application/fhir+json", .authorization: "Bearer \(token)"],
                                                  body: notice) { $0.status }
            #expect(posted == .created)
            (record, policy, payments) = try await Self.stored(world, id)
            #expect(policy?.policyStatus == .active && payments.count == 1 && record.status == EnrolmentRecord.active)
            let pushed = try await world.messages(to: "device-E1")
            #expect(pushed.count == 1 && pushed.first?.channel == .push && pushed.first?.data["event"] == "policy-activated")
            // The same notice again activates nothing more and tells no one again.
            let replayed = try await client.execute(uri: "/fhir/PaymentNotice", method: .post,
                                                    headers: [.contentType: "application/fhir+json", .authorization: "Bearer \(token)"],
                                                    body: notice) { $0.status }
            #expect(replayed == .ok)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await world.messages(to: "device-E1", attempts: 1).count == 1)
            let (_, shown) = try await Self.send(client, .get, "/membership/enrollment/\(id)")
            #expect(shown["status"] == .string("active"), "\(shown)")
            // The family's card, printed today, says until when; the demo family's lapsed policy prints expired.
            let today = LocalDate(utc: Date())
            let card = try await MembershipEndpoint(services: world.auth).cardData(insureeID: try #require(head.id), today: today)
            #expect(card.policyStatus == "Active until \(try #require(policy?.expiryDate))")
            let john = try #require(try await world.auth.registry.insuree(chfid: DemoDataset.johnDoeCHFID)?.record.id)
            let lapsed = try await MembershipEndpoint(services: world.auth).cardData(insureeID: john, today: today)
            #expect(lapsed.policyStatus == "Expired on 2022-06-30")
        }
    }

    @Test func payPalCaptureByTheServerActivatesOnceAndNotifiesTheFamily() async throws {
        let paypal = PayPalStandIn(), fcm = FCMStandIn()
        try await fcm.run { fcmPort in try await paypal.run { port in
            let world = try await AuthTestWorld.make(adjust: { services in
                services.enrolment.paypal = PayPalSettings(baseURL: URL(string: "http://127.0.0.1:\(port)")!,
                                                           clientID: PayPalStandIn.clientID, clientSecret: PayPalStandIn.secret)
                services.notifier = fcm.notifier(port: fcmPort, pushTokens: services.pushTokens)
            })
            try await world.run { client in
                let (status, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E200001"]))
                #expect(status == .created)
                let id = try #require(answer["enrolment_id"]?.string)
                let orderID = try #require(answer["paypal"]?["order_id"]?.string)
                #expect(answer["paypal"]?["approval_url"]?.string?.contains(orderID) == true)
                let order = try #require(paypal.order(orderID))
                #expect(order.amount == answer["amount"]?.string && order.currency == "EUR" && order.reference == id)
                // A device of the new family's head, registered before the payment.
                let user = try await world.user("newhead", roles: ["insuree"], insureeCHFID: "E200001")
                _ = try await world.auth.pushTokens.savePushToken("device-E2", userID: user.id, now: Date())

                let (captured, paid) = try await Self.send(client, .post, "/membership/enrollment/\(id)/paypal/capture",
                                                           body: #"{"order_id":"\#(orderID)"}"#)
                #expect(captured == .ok && paid["status"] == .string("active"))
                let (_, policy, payments) = try await Self.stored(world, id)
                #expect(policy?.policyStatus == .active && payments.count == 1)
                #expect(payments.first?.identifier?.value == orderID)
                // Delivered by the server's FCM channel to the stand-in.
                let pushed = try await fcm.waitForDeliveries(1)
                #expect(pushed.count == 1 && pushed.first?.token == "device-E2" && pushed.first?.event == "policy-activated")

                // The same order again: nothing more is captured or recorded.
                let (again, replay) = try await Self.send(client, .post, "/membership/enrollment/\(id)/paypal/capture")
                #expect(again == .ok && replay["status"] == .string("active"))
                #expect(try await Self.stored(world, id).2.count == 1 && paypal.captures.withLock { $0 } == 1)

                // Its order id presented for another enrolment activates nothing.
                let (_, other) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E200002"]))
                let otherID = try #require(other["enrolment_id"]?.string)
                let (refused, message) = try await Self.send(client, .post, "/membership/enrollment/\(otherID)/paypal/capture",
                                                             body: #"{"order_id":"\#(orderID)"}"#)
                #expect(refused == .conflict && message["message"]?.string != nil)
                let (_, otherPolicy, otherPayments) = try await Self.stored(world, otherID)
                #expect(otherPolicy?.policyStatus == .idle && otherPayments.isEmpty)
                #expect(fcm.deliveries.count == 1)
            }
        } }
    }

    @Test func aCaptureOfAnotherAmountIsRefusedWithNothingWritten() async throws {
        let paypal = PayPalStandIn()
        paypal.mode.withLock { $0 = .otherAmount("1.00") }
        try await paypal.run { port in
            let world = try await Self.world(paypal: port)
            try await world.run { client in
                let (_, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E300001"]))
                let id = try #require(answer["enrolment_id"]?.string)
                let (status, refusal) = try await Self.send(client, .post, "/membership/enrollment/\(id)/paypal/capture")
                #expect(status == .unprocessableContent && refusal["error"] == .string("payment_mismatch"))
                let (record, policy, payments) = try await Self.stored(world, id)
                #expect(record.status == EnrolmentRecord.pending && policy?.policyStatus == .idle && payments.isEmpty)
            }
        }
    }

    @Test func aDeclinedPaymentLeavesTheEnrolmentPending() async throws {
        let paypal = PayPalStandIn()
        paypal.mode.withLock { $0 = .decline }
        try await paypal.run { port in
            let world = try await Self.world(paypal: port)
            try await world.run { client in
                let (_, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E400001"]))
                let id = try #require(answer["enrolment_id"]?.string)
                let (status, refusal) = try await Self.send(client, .post, "/membership/enrollment/\(id)/paypal/capture")
                #expect(status.code == 402 && refusal["message"]?.string?.contains("INSTRUMENT_DECLINED") == true, "\(status) \(refusal)")
                let (record, policy, payments) = try await Self.stored(world, id)
                #expect(record.status == EnrolmentRecord.pending && policy?.policyStatus == .idle && payments.isEmpty)
            }
        }
    }

    @Test func anOrderPayPalAlreadyCapturedIsRecordedFromPayPalsOwnOrder() async throws {
        let paypal = PayPalStandIn()
        try await paypal.run { port in
            let world = try await Self.world(paypal: port)
            try await world.run { client in
                let (_, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E120001"]))
                let id = try #require(answer["enrolment_id"]?.string)
                let orderID = try #require(answer["paypal"]?["order_id"]?.string)
                // Captured at PayPal by an earlier call whose answer never reached the server.
                paypal.orders.withLock { $0[orderID]?.captured = true }
                let (status, paid) = try await Self.send(client, .post, "/membership/enrollment/\(id)/paypal/capture")
                #expect(status == .ok && paid["status"] == .string("active"))
                let (_, policy, payments) = try await Self.stored(world, id)
                #expect(policy?.policyStatus == .active && payments.count == 1)
            }
        }
    }

    @Test func aLapsedEnrolmentIsNeverCapturedAtPayPal() async throws {
        let paypal = PayPalStandIn()
        try await paypal.run { port in
            let world = try await Self.world(paypal: port) { $0.lifetime = 0 }
            try await world.run { client in
                let (_, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E130001"]))
                let id = try #require(answer["enrolment_id"]?.string)
                let (status, refusal) = try await Self.send(client, .post, "/membership/enrollment/\(id)/paypal/capture")
                #expect(status == .conflict && refusal["error"] == .string("expired"))
                #expect(paypal.captures.withLock { $0 } == 0)
            }
        }
    }

    @Test func anUnpaidEnrolmentExpiresAndLeavesNothingActiveOrPayable() async throws {
        let world = try await Self.world { $0.lifetime = 0 }
        try await world.run { client in
            let (_, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E500001", "E500002"]))
            let id = try #require(answer["enrolment_id"]?.string)
            let record = try #require(try await world.auth.enrolments?.enrolment(id: id))
            #expect(try await world.auth.enrolments?.expireEnrolments() == [id])
            let (_, shown) = try await Self.send(client, .get, "/membership/enrollment/\(id)")
            #expect(shown["status"] == .string("expired"))
            #expect(try await world.auth.registry.record(Policy.self, uuid: record.policyUUID, includeDeleted: false) == nil)
            #expect(try await world.auth.registry.insuree(chfid: "E500001") == nil)
            #expect(try await world.auth.insurance.invoice(uuid: record.invoiceUUID)?.invoice.record.invoiceStatus == .cancelled)
            await #expect(throws: (any Error).self) {
                _ = try await world.auth.insurance.recordPayment(PaymentRequest(
                    identifier: PaymentNoticeIdentifier(value: "LATE-1"), invoiceUUID: record.invoiceUUID,
                    amount: record.amount, datePayment: LocalDate(utc: Date())))
            }
            // The insurance numbers are free again.
            let (again, _) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E500001"]))
            #expect(again == .created)
        }
    }

    @Test func theSameInsuranceNumbersCannotEnrolTwice() async throws {
        let world = try await Self.world()
        try await world.run { client in
            #expect(try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E600001"])).0 == .created)
            let (status, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E600002", "E600001"]))
            #expect(status == .conflict && answer["message"]?.string?.contains("E600001") == true)
            #expect(try await world.auth.registry.insuree(chfid: "E600002") == nil)
        }
    }

    @Test func enrolmentsFromOneAddressAreLimited() async throws {
        let world = try await Self.world { $0.perAddress = 2 }
        try await world.run { client in
            for chfid in ["E700001", "E700002"] {
                #expect(try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody([chfid])).0 == .created)
            }
            let (status, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E700003"]))
            #expect(status == .tooManyRequests && answer["message"]?.string != nil)
            #expect(try await world.auth.registry.insuree(chfid: "E700003") == nil)
        }
    }

    @Test func badBodiesAreRefusedWithAMessage() async throws {
        let world = try await Self.world()
        try await world.run { client in
            for body in ["[]", "{}", #"{"members":[{"chfid":"E1","json_content":"{\"isHead\":0}"}]}"#,
                         Self.appBody(["E800001"]).replacingOccurrences(of: "data:image/jpeg;base64,", with: "data:image/jpeg;base64,AAAA")] {
                let (status, answer) = try await Self.send(client, .post, "/membership/enrollment", body: body)
                #expect(status == .badRequest && answer["message"]?.string != nil, "\(body.prefix(60))")
            }
        }
    }

    @Test func anotherFamilysEnrolmentAndCardAreNeverReachable() async throws {
        let world = try await Self.world()
        try await world.user("jane", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.run { client in
            let (_, answer) = try await Self.send(client, .post, "/membership/enrollment", body: Self.appBody(["E900001"]))
            #expect(answer["family_uuid"] == nil && answer["chfids"] == nil)
            #expect(try await Self.send(client, .get, "/membership/enrollment/\(RowUUID.make())").0 == .notFound)
            #expect(try await Self.send(client, .get, "/membership/enrollment/not-an-id").0 == .notFound)
            let enrolled = try #require(try await world.auth.registry.insuree(chfid: "E900001")?.record)
            let token = try await client.signIn("jane")
            #expect(try await client.status("/api/membership/membership/card/\(enrolled.uuid)", token: token) == .notFound)
        }
    }
}

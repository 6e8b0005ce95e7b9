import Crypto
import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Logging
import Membership

/// Self-enrolment with payment (`POST /membership/enrollment`, and the app's `enrollment/` with its original body):
/// the family is recorded as a pending enrolment with an idle policy and a contribution invoice; the policy becomes
/// active only when a payment is verified by the server — a PaymentNotice of the invoice from the payment layer, or
/// a PayPal order the server created for the amount it computed and captured itself. Errors are `{"message"}`
/// (with an `error` code), as the app reads them.
struct EnrolmentEndpoint: Sendable {
    let services: AuthServices

    /// `POST /membership/enrollment`: 201 with the enrolment's id, amount, expiry and, with PayPal configured, the
    /// order to approve.
    func enrol(_ request: RouteRequest) async -> FHIRResponse {
        do {
            guard let store = services.enrolments else { throw Self.refusal("unavailable", "self-enrolment is not available", 503) }
            let settings = services.enrolment
            let input = try EnrolmentInput(body: request.body, relations: try await services.registry.referenceCodes(.relation),
                                           maxMembers: settings.maxMembers, maxPhotoBytes: settings.maxPhotoBytes)
            let product = try await productCode(input.productCode)
            var family = input.family
            let types = try await services.registry.referenceCodes(.familyType).map(\.code)
            if let type = family.familyType, !types.contains(type) { family.familyType = nil }
            let confirmations = try await services.registry.referenceCodes(.confirmationType).map(\.code)
            if let type = family.confirmationType, !confirmations.contains(type) { family.confirmationType = nil }
            var members: [EnrolmentMember] = []
            var written: [String] = []
            for input in input.members {
                var insuree = input.insuree
                if let facility = insuree.hfID, try await services.registry.record(HealthFacility.self, id: facility) == nil {
                    insuree.hfID = nil
                }
                var member = EnrolmentMember(insuree: insuree)
                if let bytes = input.photo, let root = services.photoRoot {
                    let file = "\(RowUUID.make()).jpg"
                    let folder = "enrolment"
                    try? FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
                    guard FileManager.default.createFile(atPath: "\(root)/\(folder)/\(file)", contents: Data(bytes)) else {
                        throw Self.refusal("server_error", "the photo could not be stored", 500)
                    }
                    written.append("\(root)/\(folder)/\(file)")
                    member.photo = (folder, file)
                }
                members.append(member)
            }
            let record: EnrolmentRecord
            do {
                record = try await store.enrol(EnrolmentRequest(
                    family: family, members: members, productCode: product, currency: services.app.currency,
                    lifetime: settings.lifetime, sourceKey: Self.sourceKey(request.clientIP), limit: settings.perAddress,
                    window: settings.window))
            } catch {
                // Nothing half-written: the photos of a refused enrolment go too.
                for path in written { try? FileManager.default.removeItem(atPath: path) }
                throw error
            }
            var answer = Self.describe(record)
            var message = "Enrolment recorded; the policy becomes active once its payment is verified."
            if settings.paypal != nil {
                do {
                    let ordered = try await order(record)
                    answer = Self.describe(ordered)
                } catch {
                    message += " PayPal could not be reached: create the order again with POST enrollment/{id}/paypal."
                }
            }
            return AuthJSON.answer([JSONMember("Success", .bool(true)), JSONMember("message", .string(message))] + answer,
                                   status: .created)
        } catch {
            return Self.failure(error)
        }
    }

    /// `GET /membership/enrollment/{id}`: the enrolment's payment state (no personal data: the id is the capability).
    func show(id: String) async -> FHIRResponse {
        do {
            return AuthJSON.answer(Self.describe(try await enrolment(id)))
        } catch {
            return Self.failure(error)
        }
    }

    /// `POST /membership/enrollment/{id}/paypal`: the PayPal order of a pending enrolment, created once by the server
    /// for the amount it computed.
    func createOrder(id: String) async -> FHIRResponse {
        do {
            let record = try await enrolment(id)
            return AuthJSON.answer(Self.describe(record.orderID == nil ? try await order(record) : record))
        } catch {
            return Self.failure(error)
        }
    }

    /// `POST /membership/enrollment/{id}/paypal/capture` (optionally `{order_id}`, which must be the enrolment's):
    /// the server captures its own order at PayPal and activates the policy only when PayPal's answer says
    /// COMPLETED for the enrolment's amount and currency. Replays answer the settled state and write nothing.
    func capture(id: String, body: [UInt8]) async -> FHIRResponse {
        do {
            let record = try await enrolment(id)
            guard let store = services.enrolments, let settings = services.enrolment.paypal else { throw Self.noPayPal }
            if record.status == EnrolmentRecord.active { return AuthJSON.answer(Self.describe(record)) }
            guard record.status == EnrolmentRecord.pending, record.expiresAt > services.tokens.now else {
                throw Self.refusal("expired", "this enrolment has expired unpaid", 409)
            }
            guard let orderID = record.orderID else { throw Self.refusal("no_order", "this enrolment has no PayPal order", 409) }
            if let sent = (try? JSONParser.parse(body))?["order_id"], sent != .string(orderID) {
                throw Self.refusal("order_mismatch", "this order does not belong to this enrolment", 409)
            }
            let client = PayPalClient(settings: settings)
            var order: PayPalOrder
            do {
                order = try await client.capture(id: orderID)
            } catch PayPalError.alreadyCaptured {
                order = try await client.order(id: orderID)
            }
            guard order.status == "COMPLETED", order.captureStatus == "COMPLETED" else {
                throw PayPalError.declined(order.captureStatus ?? order.status)
            }
            guard order.id == orderID, order.referenceID == nil || order.referenceID == record.id,
                  let amount = order.capturedAmount.flatMap(DecimalText.parse), amount == DecimalText.parse(record.amount),
                  order.capturedCurrency == record.currency
            else {
                Self.logger.error("PayPal capture does not match its enrolment", metadata: ["order": "\(orderID)"])
                throw Self.refusal("payment_mismatch",
                                   "the captured payment does not match the enrolment's amount and currency", 422)
            }
            let paid: EnrolmentPayment
            do {
                paid = try await store.payEnrolment(
                    id: record.id, identifier: PaymentNoticeIdentifier(system: Self.paypalSystem, value: orderID),
                    amount: record.amount, currency: record.currency, receipt: order.captureID)
            } catch {
                // Captured at PayPal but not recorded (the enrolment lapsed meanwhile): the money must go back.
                Self.logger.error("captured PayPal order not recorded; refund it", metadata: ["order": "\(orderID)"])
                throw error
            }
            if paid.recorded { services.notifyPolicyActivated(familyUUID: paid.enrolment.familyUUID) }
            return AuthJSON.answer(Self.describe(paid.enrolment))
        } catch {
            return Self.failure(error)
        }
    }

    /// The answer when PayPal is not configured: the enrolment is paid through the payment layer instead.
    static let noPayPal = refusal("not_offered", "PayPal payments are not offered here; pay through the payment layer", 409)

    /// The identifier system PayPal payments are recorded under (the order id is the value).
    static let paypalSystem = "https://api.paypal.com/v2/checkout/orders"

    /// The enrolment with this id (its state brought up to date); 404 for anything else, a malformed id included.
    func enrolment(_ id: String) async throws -> EnrolmentRecord {
        guard let store = services.enrolments, RowUUID.normalized(id) != nil,
              let record = try await store.enrolment(id: RowUUID.normalized(id) ?? id)
        else { throw Self.refusal("not_found", "no such enrolment", 404) }
        return record
    }

    /// Creates the PayPal order of `record` and stores it (the first one stored wins).
    func order(_ record: EnrolmentRecord) async throws -> EnrolmentRecord {
        guard let store = services.enrolments, let settings = services.enrolment.paypal else { throw Self.noPayPal }
        guard record.status == EnrolmentRecord.pending else { throw Self.refusal("not_payable", "this enrolment is \(record.status)", 409) }
        let order = try await PayPalClient(settings: settings).createOrder(
            reference: record.id, amount: record.amount, currency: record.currency, description: "Enrolment contribution")
        return try await store.attachOrder(enrolmentID: record.id, orderID: order.id, approvalURL: order.approvalURL)
    }

    /// The product enrolled on: the one named, on sale today; else the first on sale by code.
    func productCode(_ code: String?) async throws -> String {
        let today = LocalDate(utc: services.tokens.now)
        let onSale = try await services.registry.search(Product.self, RowQuery(limit: 1_000)).items.map(\.record)
            .filter { $0.dateFrom <= today && today <= $0.dateTo }.sorted { $0.code < $1.code }
        if let code {
            guard onSale.contains(where: { $0.code == code }) else { throw Self.refusal("invalid_request", "product \(code) is not on sale", 400) }
            return code
        }
        guard let first = onSale.first else { throw Self.refusal("invalid_request", "no product is on sale", 400) }
        return first.code
    }

    /// The answer fields of an enrolment.
    static func describe(_ record: EnrolmentRecord) -> [JSONMember] {
        [JSONMember("enrolment_id", .string(record.id)), JSONMember("status", .string(record.status)),
         JSONMember("amount", .string(record.amount)), JSONMember("currency", .string(record.currency)),
         JSONMember("expires_at", .string(ISO8601DateFormatter().string(from: record.expiresAt))),
         JSONMember("paypal", record.orderID.map { order in
             .object([JSONMember("order_id", .string(order)), JSONMember("approval_url", AuthJSON.string(record.approvalURL))])
         } ?? .null)]
    }

    /// A keyed digest of the caller's address: the per-address limit without keeping addresses.
    static func sourceKey(_ address: String) -> String {
        SHA256.hash(data: Data("enrolment source \(address)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A refusal with its `error` code, `message` and status.
    static func refusal(_ code: String, _ message: String, _ status: Int, retryAfter: Int? = nil) -> TokenError {
        TokenError(code, message, status: status, retryAfter: retryAfter)
    }

    /// Any failure as `{"message", "error"}` with its status.
    static func failure(_ error: any Error) -> FHIRResponse {
        var refusal: TokenError?
        if let error = error as? EnrolmentInputError { refusal = Self.refusal("invalid_request", error.message, 400) }
        switch error as? EnrolmentRefusal {
        case .duplicate(let chfid)?: refusal = Self.refusal("duplicate", "insurance number \(chfid) is already registered", 409)
        case .tooMany?:
            refusal = Self.refusal("too_many_requests", "too many enrolments from this address; try again later", 429, retryAfter: 3600)
        case .notPayable(let why)?: refusal = Self.refusal("not_payable", why, 409)
        case nil: break
        }
        switch error as? PayPalError {
        case .declined(let issue)?: refusal = Self.refusal("payment_declined", "PayPal declined the payment (\(issue))", 402)
        case .alreadyCaptured?: refusal = Self.refusal("payment_mismatch", "the order was captured elsewhere", 409)
        case .unavailable?: refusal = Self.refusal("provider_unavailable", "PayPal could not be reached; try again", 502)
        case nil: break
        }
        switch error as? RegistryError {
        case .conflict(let text)?: refusal = Self.refusal("conflict", text, 409)
        case .invalidValue(let text)?, .invalidReference(let text)?: refusal = Self.refusal("invalid_request", text, 422)
        default: break
        }
        let answer = TokenEndpoint.failure(refusal ?? error)
        guard let json = try? JSONParser.parse(answer.body), let code = MembershipCompat.text(json["error"]) else { return answer }
        var headers: HTTPFields = [:]
        if let retry = answer.headers[.retryAfter] { headers[.retryAfter] = retry }
        return AuthJSON.answer([JSONMember("message", json["error_description"] ?? .string("")), JSONMember("error", .string(code))],
                               status: answer.status, headers: headers)
    }

    static let logger = Logger(label: "imis.enrolment")
}

import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import Membership
import NIOCore
import Testing

@testable import FHIRServer

/// The openIMIS insuree app (the membership module's Flutter client, before it became an officer app), replayed call
/// by call in the order it makes them — start-up, sign-up sheet, sign-in, home, claims, profile, card — with its paths,
/// bodies and headers, each answer checked against the types its Dart code casts.
@Suite("The insuree app's calls, replayed")
struct MembershipAppReplayTests {
    static let api = "/api/membership/"

    @Test func signedOutTheAppLoadsItsConfigurationPlacesAndFacilities() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let app = AppClient(client: client)
            // main.dart: the configuration, before anything else (`APP_CONFIG` has no slash; `config/` works too).
            for path in ["config", "config/"] {
                let (status, config) = try await app.get(Self.api + path)
                #expect(status == .ok, "\(path)")
                expectTypes(config, ["app_version": .string, "support_email": .string, "develop_by": .string,
                                     "supported_partners": .array, "family_type_codes": .object,
                                     "confirmation_types": .object, "contributions_requirements": .object,
                                     "languages": .object], path)
                // FamilyType(name: key, code: value as String); the demo's openIMIS reference tables.
                #expect(config["family_type_codes"]?["Household"] == .string("H"))
                #expect(config["confirmation_types"].map { if case .object(let m) = $0 { !m.isEmpty } else { false } } == true)
                expectTypes(config["contributions_requirements"], ["premium_amount": .integer, "per_member": .integer,
                                                                  "Currency": .string, "validity": .string], "contributions")
                #expect(config["languages"]?["en_US"]?["greeting"] == .string("Hello"))
            }
            // The sign-up sheet: places (`data[]`, one chain per region) and facilities (`{success, data}`).
            let (placesStatus, places) = try await app.get(Self.api + "locations/")
            #expect(placesStatus == .ok)
            let region = try #require(places["data"]?.array?.first)
            let fields: KeyValuePairs<String, DartType> = ["id": .integer, "uuid": .string, "code": .string,
                                                           "name": .string, "type": .string]
            expectTypes(region, fields, "region")
            #expect(region["type"] == .string("R"))
            expectTypes(region["district"], fields, "district")
            #expect(region["district"]?["type"] == .string("D"))
            for key in ["Municipality", "Village"] where region[key] != nil { expectTypes(region[key], fields, key) }
            let (facilitiesStatus, facilities) = try await app.get(Self.api + "hospitals")
            #expect(facilitiesStatus == .ok)
            #expect(facilities["success"] == .bool(true))
            let facility = try #require(facilities["data"]?.array?.first)
            expectTypes(facility, ["id": .integer, "uuid": .string, "code": .string, "name": .string, "level": .string,
                                   "care_type": .string, "legal_form": .string, "location": .integer,
                                   "offline": .bool, "validity_from": .date, "phone": .optionalString,
                                   "services_pricelist": .optionalInteger, "items_pricelist": .optionalInteger], "facility")
            // public_enrollment_service: `national_id`; no register is connected here.
            let (national, nationalBody) = try await app.get(Self.api + "nationalId/?national_id=NationaID1")
            #expect(national == .notFound)
            expectType(nationalBody, "message", .string, "nationalId")
            let (missing, missingBody) = try await app.get(Self.api + "nationalId/")
            #expect(missing == .badRequest)
            #expect(missingBody["message"] == .string("National ID is required."))
            // public_enrollment_service: the family, its members with photos and the app's payment JSON, signed out;
            // 200/201 is success, otherwise it shows `message`.
            let (enrolled, enrolment) = try await app.post(Self.api + "enrollment/", EnrolmentTests.appBody(["R1000001", "R1000002"]))
            #expect(enrolled == .created)
            expectTypes(enrolment, ["Success": .bool, "message": .string, "enrolment_id": .string, "status": .string], "enrollment")
            let (again, refused) = try await app.post(Self.api + "enrollment/", EnrolmentTests.appBody(["R1000001"]))
            #expect(again == .conflict)
            expectType(refused, "message", .string, "enrollment refused")
        }
    }

    @Test func theConfigurationComesFromTheProductsOnSaleAndTheSettings() async throws {
        let world = try await AuthTestWorld.make(adjust: { auth in
            auth.app.supportEmail = "help@insurer.example"
            auth.app.operatorName = "Insurer"
            auth.app.currency = "TZS"
            auth.app.partners = [.init(name: "openIMIS", logo: "https://openimis.org/logo.png")]
        })
        try await world.run { client in
            let (_, config) = try await AppClient(client: client).get(Self.api + "config")
            #expect(config["support_email"] == .string("help@insurer.example"))
            #expect(config["develop_by"] == .string("Insurer"))
            #expect(config["supported_partners"] == .array([.object([
                JSONMember("name", .string("openIMIS")), JSONMember("logo", .string("https://openimis.org/logo.png"))])]))
            // The demo's RX01: lump sum 10000.00, 100.00 per adult, 12 months.
            #expect(config["contributions_requirements"] == .object([
                JSONMember("premium_amount", .number("10000")), JSONMember("per_member", .number("100")),
                JSONMember("Currency", .string("TZS")), JSONMember("validity", .string("1 year")),
                JSONMember("product_code", .string("RX01")),
            ]))
        }
    }

    @Test func checkUsernameAnswersAlikeForATakenAndAFreeName() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            let app = AppClient(client: client)
            let (taken, takenBody) = try await app.post(Self.api + "check-username/", #"{"username":"jdoe"}"#)
            let (free, freeBody) = try await app.post(Self.api + "check-username/", #"{"username":"nobody-has-this"}"#)
            #expect(taken == .ok && free == .ok)
            #expect(takenBody == freeBody)
            expectType(takenBody, "message", .string, "check-username")
            let (missing, missingBody) = try await app.post(Self.api + "check-username/", #"{}"#)
            #expect(missing == .badRequest)
            #expect(missingBody["message"] == .string("Username is required"))
        }
    }

    @Test func signedInEveryScreenGetsTheFieldsItsDartCodeCasts() async throws {
        let world = try await AuthTestWorld.make()
        try await world.run { client in
            var app = AppClient(client: client)
            // login_out_dto.dart; `email` is force-unwrapped, and John Doe has none.
            let (status, login) = try await app.post(Self.api + "login", #"{"username":"jdoe","password":"JohnDoe-123"}"#)
            #expect(status == .ok)
            expectTypes(login, ["refresh": .string, "access": .string, "username": .string, "exp": .integer,
                                "first_name": .optionalString, "last_name": .optionalString, "email": .string,
                                "is_officer": .bool, "is_insuree": .bool, "insuree_info": .object], "login")
            #expect(login["email"] == .string(""))
            expectTypes(login["insuree_info"], ["first_name": .string, "last_name": .string, "chfid": .string,
                                                "uuid": .string], "insuree_info")
            app.token = try #require(login["access"]?.string)
            let chfid = try #require(login["insuree_info"]?["chfid"]?.string)
            let uuid = try #require(login["insuree_info"]?["uuid"]?.string)

            // Home: InsureeDetailDto.dart.
            let (homeStatus, home) = try await app.get(Self.api + "insuree-information/?insuree=\(chfid)")
            #expect(homeStatus == .ok)
            let person: KeyValuePairs<String, DartType> = [
                "fullname": .string, "chf_id": .string, "date_of_birth": .string, "insuree_gender": .optionalString,
                "first_service_point": .optionalString, "district_fsp": .optionalString, "photo": .optionalString,
                "policy_status": .string]
            expectTypes(home["data"]?["insuree"], person, "insuree")
            #expect(home["data"]?["insuree"]?["fullname"] == .string("Doe John"))
            let members = try #require(home["data"]?["families"]?.array?.first?["members"]?.array)
            #expect(members.count == 2)
            for member in members { expectTypes(member, person, "member") }
            let policies = try #require(home["data"]?["policy"]?.array)
            #expect(!policies.isEmpty)
            let policy: KeyValuePairs<String, DartType> = ["enrollment_date": .date, "start_date": .date,
                                                           "expiry_date": .date, "policy_status": .string]
            for row in policies { expectTypes(row, policy, "policy") }
            expectTypes(home["data"]?["insuree"]?["latest_policy"], policy, "latest_policy")

            // Claims: claim_out_dto.dart (`insuree_id` is sent and not needed), then each claim's lines by its int id.
            let (claimsStatus, claims) = try await app.get(Self.api + "claims/?insuree_id=\(chfid)")
            #expect(claimsStatus == .ok)
            let claim = try #require(claims.array?.first)
            expectTypes(claim, ["id": .integer, "uuid": .string, "code": .string, "status": .integer, "claimed": .string,
                                "approved": .optionalString, "date_from": .date, "date_to": .date, "date_claimed": .date,
                                "validity_from": .date, "feedback_available": .bool, "explanation": .string,
                                "guarantee_id": .string, "visit_type": .string, "json_ext": .optionalString,
                                "insuree": .optionalInteger, "health_facility": .optionalInteger, "icd": .optionalInteger,
                                "audit_user_id": .optionalInteger, "feedback_status": .optionalInteger], "claim")
            let claimID = try #require(claim["id"].flatMap { if case .number(let n) = $0 { n } else { nil } })
            let (linesStatus, lines) = try await app.get(Self.api + "claimed-item-services/?claim_id=\(claimID)")
            #expect(linesStatus == .ok)
            let items = lines["claimed_items"]?.array ?? []
            let services = lines["claimed_services"]?.array ?? []
            #expect(!items.isEmpty || !services.isEmpty)
            let line: KeyValuePairs<String, DartType> = ["qty_provided": .number, "price_asked": .number,
                                                         "price_approved": .optionalNumber, "status": .integer]
            for item in items { expectTypes(item, line, "item"); expectType(item, "item_name", .string, "item") }
            for service in services { expectTypes(service, line, "service"); expectType(service, "service_name", .string, "service") }

            // Profile: profile.dart reads extensions and identifiers by position.
            let (profileStatus, patient) = try await app.get(Self.api + "fhir-patient/?identifier=\(chfid)")
            #expect(profileStatus == .ok)
            let extensions = try #require(patient["extension"]?.array)
            #expect(extensions.count >= 3)
            if extensions.count >= 3 {
                #expect(extensions[0]["url"]?.string?.hasSuffix("/patient-is-head") == true)
                #expect(extensions[1]["url"]?.string?.hasSuffix("/patient-card-issued") == true)
                expectType(extensions[1], "valueBoolean", .bool, "extension[1]")
                expectType(extensions[2]["valueReference"], "reference", .string, "extension[2].valueReference")
            }
            #expect((patient["identifier"]?.array?.count ?? 0) >= 2)
            #expect(patient["id"] == .string(uuid))

            // The card, as `MEMBERSHIP_CARD + '/$uuid'` goes out once dio has merged the double slash.
            let (cardStatus, card) = try await app.get(Self.api + "membership/card/\(uuid)")
            #expect(cardStatus == .ok)
            expectType(card, "pdf_base64", .string, "card")
            #expect(card["pdf_base64"]?.string.flatMap { Data(base64Encoded: $0) }?.starts(with: Array("%PDF".utf8)) == true)

            // `deviceToken`: the body is a JSON string (`jsonEncode`), with the insuree's UUID as `user_id`.
            let (saved, savedBody) = try await app.post(Self.api + "save_fcm_token/", #"{"fcm_token":"device-1","user_id":"\#(uuid)"}"#)
            #expect(saved == .created)
            expectType(savedBody, "message", .string, "save_fcm_token")
        }
    }

    @Test func anEmailOnTheAccountIsWhatLoginAnswers() async throws {
        let world = try await AuthTestWorld.make()
        try await world.user("zoe", roles: ["insuree"], insureeCHFID: "100000001")
        try await world.run { client in
            let (status, login) = try await AppClient(client: client).post(
                Self.api + "login", #"{"username":"zoe","password":"Secret-pass-1"}"#)
            #expect(status == .ok)
            #expect(login["email"] == .string("zoe@example.org"))
            #expect(login["is_officer"] == .bool(false))
        }
    }
}

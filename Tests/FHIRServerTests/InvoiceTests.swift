import FHIRModels
import Foundation
import HTTPTypes
import HummingbirdTesting
import IMISData
import NIOCore
import Testing

@testable import FHIRServer

/// Invoice through HTTP: read, vread, history, every declared search parameter, create and update with the
/// status transitions (api.md §1; reference §3.12).
@Suite struct InvoiceTests {
    static let ig = "https://openimis.github.io/openimis_fhir_r4_ig"
    static let fhirJSON: HTTPFields = [.contentType: "application/fhir+json"]
    let demoInvoice = DemoDataset.UUIDs.doeContributionInvoice

    /// A contribution invoice of the Doe family for `amount`.
    static func invoiceJSON(code: String, amount: String, currency: String = "EUR", status: String = "issued",
                            id: String? = nil, subject: String = "Group/\(DemoDataset.UUIDs.doeFamily)") -> ByteBuffer {
        let idMember = id.map { #""id": "\#($0)", "# } ?? ""
        return ByteBuffer(string: """
            {"resourceType": "Invoice", \(idMember)
             "identifier": [{"type": {"coding": [{"system": "\(ig)/CodeSystem/openimis-identifiers", "code": "Code"}]}, "value": "\(code)"}],
             "status": "\(status)",
             "type": {"coding": [{"system": "\(ig)/CodeSystem/invoice-type", "code": "contribution"}]},
             "subject": {"reference": "\(subject)"},
             "recipient": {"reference": "Patient/\(DemoDataset.UUIDs.janeDoe)"},
             "date": "2022-06-20",
             "issuer": {"reference": "Organization/openIMIS-Implementation"},
             "lineItem": [{"sequence": 1,
               "chargeItemCodeableConcept": {"coding": [{"system": "\(ig)/CodeSystem/invoice-charge-item", "code": "policy"}]},
               "priceComponent": [{"type": "base", "factor": 1, "amount": {"value": \(amount), "currency": "\(currency)"},
                 "extension": [{"url": "\(ig)/StructureDefinition/unit-price", "valueMoney": {"value": \(amount), "currency": "\(currency)"}}]}]}],
             "totalNet": {"value": \(amount), "currency": "\(currency)"},
             "totalGross": {"value": \(amount), "currency": "\(currency)"}}
            """)
    }

    /// Enrols the Doe family on RX01 for 2022-07-01...2023-06-30: a new idle policy (its UUID and value).
    static func enrolIdlePolicy(_ database: TestBackend) async throws -> (uuid: String, value: String) {
        let store = database.store()
        let family = try #require(try await store.record(Family.self, uuid: DemoDataset.UUIDs.doeFamily, includeDeleted: false)?.record.id)
        let product = try #require(try await store.record(Product.self, uuid: DemoDataset.UUIDs.productRX01, includeDeleted: false)?.record.id)
        let enrolment = try await store.enrolFamily(policy: Policy(
            familyID: family, enrollDate: LocalDate("2022-06-20")!, startDate: LocalDate("2022-07-01")!,
            expiryDate: LocalDate("2023-06-30")!, productID: product, stage: "R"), members: [], contributions: [])
        #expect(enrolment.policy.record.status == PolicyStatus.idle.rawValue)
        return (enrolment.policy.record.uuid, enrolment.policy.record.value ?? "0")
    }

    @Test func readVreadAndHistoryInIGForm() async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Invoice/\(demoInvoice)", method: .get) { response in
                #expect(response.status == .ok)
                let invoice = fhirBody(response)
                #expect(invoice["status"]?.string == "issued")
                #expect(invoice["type"]?["coding"]?.array?.first?["code"]?.string == "contribution")
                #expect(invoice["totalGross"]?["value"]?.number == "10000.00")
                #expect(invoice["totalNet"]?["currency"]?.string == "EUR")
                #expect(invoice["recipient"]?["reference"]?.string == "Patient/\(DemoDataset.UUIDs.janeDoe)")
                let component = invoice["lineItem"]?.array?.first?["priceComponent"]?.array?.first
                #expect(component?["type"]?.string == "base")
                #expect(component?["extension"]?.array?.first?["url"]?.string == "\(Self.ig)/StructureDefinition/unit-price")
                let codes = invoice["identifier"]?.array?.compactMap { $0["value"]?.string }
                #expect(codes == [demoInvoice, DemoDataset.doeInvoiceCode])
            }
            try await client.fhir(uri: "/fhir/Invoice/\(DemoDataset.doeInvoiceCode)", method: .get) { response in
                #expect(fhirBody(response)["id"]?.string == demoInvoice)
            }
            try await client.fhir(uri: "/fhir/Invoice/\(demoInvoice)/_history/1", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.fhir(uri: "/fhir/Invoice/\(demoInvoice)/_history", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [demoInvoice])
            }
            try await client.fhir(uri: "/fhir/Invoice/IV-NONE", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test(arguments: [
        ("identifier=\(DemoDataset.doeInvoiceCode)", 1), ("identifier=IV-NONE", 0),
        ("status=issued", 1), ("status=balanced", 0), ("status:not=issued", 0),
        ("subject=Group/\(DemoDataset.UUIDs.doeFamily)", 1), ("subject=Patient/\(DemoDataset.UUIDs.janeDoe)", 0),
        ("patient=\(DemoDataset.johnDoeCHFID)", 1), ("patient=Patient/\(DemoDataset.UUIDs.janeDoe)", 1), ("patient=000000000", 0),
        ("recipient=Patient/\(DemoDataset.UUIDs.janeDoe)", 1), ("recipient=Patient/\(DemoDataset.janeDoeCHFID)", 1),
        ("recipient=Group/\(DemoDataset.UUIDs.doeFamily)", 0),
        ("issuer=Organization/openIMIS-Implementation", 1), ("issuer=Organization/other", 0),
        ("date=2021-09-01", 1), ("date=gt2021-09-01", 0), ("date=ge2021", 1),
        ("type=contribution", 1), ("type=https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/invoice-type|contribution", 1),
        ("type=other", 0), ("type:not=contribution", 0), ("type=urn:other|contribution", 0),
    ])
    func everySearchParameter(query: String, expected: Int) async throws {
        let (app, _) = try await makeTestApplication()
        try await app.test(.router) { client in
            try await client.fhir(uri: "/fhir/Invoice?\(query)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(entryIDs(fhirBody(response)).count == expected, "\(query)")
            }
        }
    }

    @Test func createAndStatusTransitions() async throws {
        let (app, database) = try await makeTestApplication()
        let policy = try await Self.enrolIdlePolicy(database)
        try await app.test(.router) { client in
            let id = try await client.fhir(uri: "/fhir/Invoice", method: .post, headers: Self.fhirJSON,
                                              body: Self.invoiceJSON(code: "IV-T-1", amount: "250.50", status: "draft")) { response in
                #expect(response.status == .created)
                let invoice = fhirBody(response)
                #expect(invoice["status"]?.string == "draft")
                #expect(invoice["totalGross"]?["value"]?.number == "250.50")
                return invoice["id"]?.string ?? ""
            }
            let line = try #require(try await database.store().invoice(uuid: id)?.lines.first?.record)
            #expect(line.lineID == policy.uuid)
            func put(_ status: String, amount: String = "250.50", ifMatch: String? = nil) async throws -> (HTTPResponse.Status, JSON) {
                var headers = Self.fhirJSON
                if let ifMatch { headers[.ifMatch] = ifMatch }
                return try await client.fhir(uri: "/fhir/Invoice/\(id)", method: .put, headers: headers,
                                                body: Self.invoiceJSON(code: "IV-T-1", amount: amount, status: status, id: id)) {
                    ($0.status, fhirBody($0))
                }
            }
            #expect(try await put("issued", ifMatch: "W/\"7\"").0 == .preconditionFailed)
            let issued = try await put("issued", ifMatch: "W/\"1\"")
            #expect(issued.0 == .ok && issued.1["status"]?.string == "issued" && issued.1["meta"]?["versionId"]?.string == "2")
            #expect(try await put("balanced").0 == .unprocessableContent)
            #expect(try await put("draft").0 == .unprocessableContent)
            #expect(try await put("cancelled", amount: "300.00").0 == .unprocessableContent)
            #expect(try await put("cancelled").1["status"]?.string == "cancelled")
            #expect(try await put("issued").0 == .unprocessableContent)
            try await client.fhir(uri: "/fhir/Invoice?identifier=IV-T-1&status=cancelled", method: .get) { response in
                #expect(entryIDs(fhirBody(response)) == [id])
            }
        }
    }

    @Test func createRefusals() async throws {
        let (app, database) = try await makeTestApplication()
        _ = try await Self.enrolIdlePolicy(database)
        try await app.test(.router) { client in
            for (body, path) in [
                (Self.invoiceJSON(code: "IV-T-2", amount: "10.00", status: "balanced"), "Invoice.status"),
                (Self.invoiceJSON(code: "IV-T-3", amount: "10.00", subject: "Group/00000000-0000-4000-8000-000000000000"), "Invoice.subject"),
            ] {
                try await client.fhir(uri: "/fhir/Invoice", method: .post, headers: Self.fhirJSON, body: body) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(fhirBody(response)["issue"]?.array?.first?["expression"]?.array?.first?.string == path)
                }
            }
            try await client.fhir(uri: "/fhir/Invoice", method: .post, headers: Self.fhirJSON,
                                     body: Self.invoiceJSON(code: DemoDataset.doeInvoiceCode, amount: "10.00")) { response in
                #expect(response.status == .conflict)
            }
        }
        // Without an idle policy there is nothing to invoice.
        let (other, _) = try await makeTestApplication()
        try await other.test(.router) { client in
            try await client.fhir(uri: "/fhir/Invoice", method: .post, headers: Self.fhirJSON,
                                     body: Self.invoiceJSON(code: "IV-T-4", amount: "10.00")) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
    }
}

import Foundation
import IMISData
import Testing

@testable import Membership

/// The card's QR Code read back by a standard decoder (zbarimg, Debian's zbar-tools) from the printed page
/// (rendered by poppler's pdftoppm), and the policy state the card shows as of the day it is printed.
@Suite struct CardQRCodeTests {
    /// The QR Codes zbarimg finds on the card's page rendered at `dpi`.
    static func decoded(_ pdf: [UInt8], dpi: Int = 150) throws -> [String] {
        try PDFTools.withFile(pdf) { path in
            let prefix = path + "-page"
            _ = try PDFTools.bytes("pdftoppm", ["-r", String(dpi), "-gray", "-singlefile", "-png", path, prefix])
            defer { try? FileManager.default.removeItem(atPath: prefix + ".png") }
            let (status, output, errors) = try PDFTools.run("zbarimg", ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", prefix + ".png"])
            guard status == 0 else { throw ToolFailure(command: "zbarimg", status: status, output: errors) }
            return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    @Test(arguments: ["070707070", "100000001", "RW-2026-000123-XY"])
    func theCardsQRCodeDecodesToTheHeadsInsuranceNumber(_ number: String) throws {
        let data = MembershipCardTests.card(members: [
            MembershipCardTests.member(number, "Alice", "Mukamana"), MembershipCardTests.member("999", "Bob", "Mukamana"),
        ])
        #expect(try Self.decoded(MembershipCard.render(data)) == [number])
        #expect(try PDFTools.check(MembershipCard.render(data)).qpdf.contains("No syntax or stream encoding errors found"))
    }

    @Test func everyMaskOfTheEncoderDecodes() throws {
        // Each mask drawn alone on a page, so a wrong mask or format bit cannot hide behind the penalty's choice.
        for mask in 0...7 {
            var document = PDFDocument(title: "QR", producer: "test", creationDate: Date(timeIntervalSince1970: 0))
            document.beginPage(size: .a4)
            let code = try #require(QRCode("070707070", mask: mask))
            for (row, modules) in code.modules.enumerated() {
                for (column, dark) in modules.enumerated() where dark {
                    document.drawRectangle(x: 100 + Double(column) * 6, y: 700 - Double(row) * 6, width: 6, height: 6,
                                           fill: .black, stroke: nil, lineWidth: 0)
                }
            }
            #expect(try Self.decoded(document.bytes()) == ["070707070"], "mask \(mask)")
        }
    }

    @Test func thePolicyStateIsThatOfThePrintingDay() {
        let day = LocalDate("2026-12-07")!
        #expect(MembershipCardData.policyState("active", expiry: LocalDate("2026-12-06"), on: day) == "Expired on 2026-12-06")
        #expect(MembershipCardData.policyState("active", expiry: LocalDate("2026-12-07"), on: day) == "Active until 2026-12-07")
        #expect(MembershipCardData.policyState("expired", expiry: LocalDate("2025-01-31"), on: day) == "Expired on 2025-01-31")
        #expect(MembershipCardData.policyState("idle", expiry: LocalDate("2027-12-06"), on: day) == "Idle (contribution not paid)")
        #expect(MembershipCardData.policyState("suspended", expiry: nil, on: day) == "Suspended")
    }

    @Test func anExpiredPolicyPrintsExpired() throws {
        var data = MembershipCardTests.card(members: [MembershipCardTests.member("070707070", "Alice", "Mukamana")])
        data.policyStatus = MembershipCardData.policyState("active", expiry: data.expiryDate, on: LocalDate("2026-03-01")!)
        let text = MembershipCardTests.squeezed(try PDFTools.check(MembershipCard.render(data)).text)
        #expect(text.contains("Expired on 2026-01-31"))
    }
}

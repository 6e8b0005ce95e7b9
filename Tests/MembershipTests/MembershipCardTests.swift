import Foundation
import IMISData
import Testing

@testable import Membership

/// The membership card, checked with qpdf and poppler as a reader would see it.
@Suite struct MembershipCardTests {
    static func card(members: [MembershipCardData.Member]) -> MembershipCardData {
        MembershipCardData(
            insurerName: "Kigali Health Insurance Scheme", familyName: "Mukamana", members: members,
            productCode: "BAS01", productName: "Basic family cover", policyStatus: "Active",
            startDate: LocalDate("2025-02-01"), effectiveDate: LocalDate("2025-02-15"),
            expiryDate: LocalDate("2026-01-31"), issueDate: LocalDate("2025-03-04")!)
    }

    static func member(_ number: String, _ given: String, _ family: String, photo: [UInt8]? = nil)
        -> MembershipCardData.Member
    {
        MembershipCardData.Member(
            insuranceNumber: number, givenName: given, familyName: family, birthDate: LocalDate("1988-07-14"),
            gender: "Female", relationship: "Head", photoJPEG: photo)
    }

    /// `text` with runs of white space made single spaces (pdftotext -layout pads columns).
    static func squeezed(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    @Test func cardWithPhotoPassesQpdfAndShowsMemberProductAndExpiry() throws {
        let pdf = MembershipCard.render(
            Self.card(members: [Self.member("070707070", "Alice", "Mukamana", photo: try photoFixture())]))
        let report = try PDFTools.check(pdf)
        #expect(report.qpdf.contains("No syntax or stream encoding errors found"))
        #expect(report.pages == 1)
        let text = Self.squeezed(report.text)
        for expected in [
            "Kigali Health Insurance Scheme", "Membership card", "070707070", "Alice Mukamana", "BAS01",
            "Basic family cover", "Active", "2025-02-01", "2025-02-15", "2026-01-31", "1988-07-14", "Issued 2025-03-04",
        ] {
            #expect(text.contains(expected), "missing \(expected) in: \(text)")
        }
        #expect(!text.contains("No photo"))
        // pdfimages -list: page num type width height color comp bpc enc ...
        try #require(report.images.count == 1, "\(report.images)")
        let row = report.images[0]
        #expect(Array(row[2...8]) == ["image", "30", "38", "rgb", "3", "8", "jpeg"])
    }

    @Test func everyMemberIsShownAndMissingPhotosAreMarked() throws {
        let members = [
            Self.member("111111111", "Jean", "Habimana"), Self.member("222222222", "Claire", "Uwase"),
            Self.member("333333333", "Eric", "Nkusi", photo: try photoFixture()),
        ]
        let report = try PDFTools.check(MembershipCard.render(Self.card(members: members)))
        let text = Self.squeezed(report.text)
        for expected in [
            "Members (3)", "111111111", "222222222", "333333333", "Jean Habimana", "Claire Uwase", "Eric Nkusi",
        ] {
            #expect(text.contains(expected), "missing \(expected) in: \(text)")
        }
        #expect(text.components(separatedBy: "No photo").count - 1 == 2)
        #expect(report.images.count == 1)
    }

    @Test func oddTextAndBadPhotosStillGiveAValidPDF() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        let truncatedJPEG = Array(try photoFixture().prefix(40))
        let members = [
            MembershipCardData.Member(
                insuranceNumber: "(12)\\34", givenName: "Zoë (Jr.)", familyName: "Ngabo\\Łukasz", birthDate: nil,
                gender: "Ő", relationship: "Ŝon)", photoJPEG: png),
            MembershipCardData.Member(
                insuranceNumber: "555", givenName: "José\u{301}", familyName: "中文 Müller", photoJPEG: truncatedJPEG),
            MembershipCardData.Member(insuranceNumber: "", givenName: "", familyName: "", photoJPEG: []),
        ]
        var data = Self.card(members: members)
        data.insurerName = "Caisse (Santé) \\ Mutuelle"
        data.productName = "Cover ) ( \\"
        let report = try PDFTools.check(MembershipCard.render(data))
        #expect(report.images.isEmpty)
        let text = Self.squeezed(report.text)
        for expected in [
            "Caisse (Santé) \\ Mutuelle", "Cover ) ( \\", "(12)\\34", "Zoë (Jr.)", "Ngabo\\Lukasz", "Born - O", "Son)",
            "Jose ?? Müller",
        ] {
            #expect(text.contains(expected), "missing \(expected) in: \(text)")
        }
    }

    @Test func emptyFamilyGivesAValidOnePagePDF() throws {
        let report = try PDFTools.check(MembershipCard.render(Self.card(members: [])))
        #expect(report.pages == 1)
        #expect(report.images.isEmpty)
        #expect(Self.squeezed(report.text).contains("No members on this policy."))
    }

    @Test func largeFamilyStaysOnOnePageAndSaysWhoIsLeftOut() throws {
        let photo = try photoFixture()
        let members = (1...40).map { Self.member(String(format: "9%08d", $0), "Member\($0)", "Family", photo: photo) }
        let report = try PDFTools.check(MembershipCard.render(Self.card(members: members)))
        #expect(report.pages == 1)
        let text = Self.squeezed(report.text)
        #expect(text.contains("900000001"))
        #expect(text.contains("more members are not shown."))
        let shown = (1...40).filter { text.contains(String(format: "9%08d", $0)) }.count
        #expect(text.contains("\(40 - shown) more members are not shown."))
        // One image object, drawn once per member shown.
        #expect(report.images.count == shown)
        #expect(Set(report.images.map { $0[10] }).count == 1)
    }

    @Test func outputDependsOnTheDataOnly() throws {
        let data = Self.card(members: [Self.member("070707070", "Alice", "Mukamana", photo: try photoFixture())])
        let first = MembershipCard.render(data)
        #expect(first == MembershipCard.render(data))
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.contains("/CreationDate (D:20250304000000Z)"))
        #expect(MembershipCard.fileName(for: data) == "membership-card-070707070.pdf")
        #expect(MembershipCard.fileName(for: Self.card(members: [])) == "membership-card.pdf")
    }
}

import Foundation
import IMISData

/// The membership card of a family (api.md §3, `GET /membership/card`): one A4 page with the insurer, the
/// policy (product, status, validity) and a block per member with photo, name, insurance number and birth date.
public enum MembershipCard {
    /// The card as PDF bytes. The output depends on `data` only (the creation date is the issue date).
    public static func render(_ data: MembershipCardData) -> [UInt8] {
        var layout = Layout(data: data)
        layout.draw()
        return layout.document.bytes()
    }

    /// A file name for the card, from the first member's insurance number: `membership-card-<number>.pdf`.
    public static func fileName(for data: MembershipCardData) -> String {
        let number = (data.members.first?.insuranceNumber ?? "").filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return number.isEmpty ? "membership-card.pdf" : "membership-card-\(number).pdf"
    }

    /// The content type of ``render(_:)``.
    public static let contentType = "application/pdf"

    static func midnightUTC(_ date: LocalDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: date.year, month: date.month, day: date.day)
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }
}

/// Positions on the page, measured from the top (the page's own `y` runs upwards).
struct Layout {
    let data: MembershipCardData
    var document: PDFDocument
    let page = PDFPageSize.a4
    let margin = 36.0
    var contentWidth: Double { page.width - 2 * margin }

    static let accent = PDFColor(rgb: 0x1F4E79)
    static let panel = PDFColor(rgb: 0xF3F6FA)
    static let rule = PDFColor(rgb: 0xC8D2DC)
    static let muted = PDFColor(rgb: 0x5B6770)
    static let placeholder = PDFColor(rgb: 0xE8EDF2)

    /// Top of the member grid, and its height at most.
    let gridTop = 252.0
    var gridHeight: Double { page.height - gridTop - (margin + 36) }
    /// Full member blocks and the smallest compact ones, gap included.
    let fullPitch = 92.0
    let compactPitch = 36.0

    init(data: MembershipCardData) {
        self.data = data
        self.document = PDFDocument(
            title: "Membership card", producer: "imis-fhir", creationDate: MembershipCard.midnightUTC(data.issueDate))
    }

    mutating func draw() {
        document.beginPage(size: page)
        header()
        policy()
        members()
        footer()
    }

    func baseline(_ top: Double) -> Double { page.height - top }

    mutating func text(
        _ text: String, x: Double, top: Double, font: PDFFont = .helvetica, size: Double, color: PDFColor = .black,
        maxWidth: Double? = nil
    ) {
        let shown = maxWidth.map { font.truncated(text, size: size, maxWidth: $0) } ?? text
        document.drawText(shown, x: x, y: baseline(top), font: font, size: size, color: color)
    }

    mutating func box(x: Double, top: Double, width: Double, height: Double, fill: PDFColor?, stroke: PDFColor?) {
        document.drawRectangle(
            x: x, y: baseline(top + height), width: width, height: height, fill: fill, stroke: stroke, lineWidth: 0.75)
    }

    static func show(_ date: LocalDate?) -> String { date?.description ?? "-" }

    mutating func header() {
        box(x: margin, top: margin, width: contentWidth, height: 74, fill: Self.accent, stroke: nil)
        let issued = "Issued " + data.issueDate.description
        let issuedWidth = PDFFont.helvetica.width(of: issued, size: 9)
        text(issued, x: margin + contentWidth - 16 - issuedWidth, top: margin + 28, size: 9, color: .white)
        text(
            data.insurerName, x: margin + 16, top: margin + 30, font: .helveticaBold, size: 18, color: .white,
            maxWidth: contentWidth - 48 - issuedWidth)
        text("Membership card", x: margin + 16, top: margin + 54, size: 13, color: .white)
    }

    mutating func policy() {
        let top = 126.0
        box(x: margin, top: top, width: contentWidth, height: 88, fill: Self.panel, stroke: Self.rule)
        qrCode(data.members.first?.insuranceNumber ?? "", x: margin + contentWidth - Self.qrSide - 4, top: top + 4,
               side: Self.qrSide)
        let width = contentWidth - Self.qrSide - 8
        let left = margin + 14
        let middle = margin + width / 2
        let column = width / 6
        field("Family", data.familyName, x: left, top: top + 18, width: middle - left - 12, size: 12)
        field("Policy status", data.policyStatus, x: middle, top: top + 18, width: width / 2 - 14, size: 12)
        let product = [data.productCode, data.productName].filter { !$0.isEmpty }.joined(separator: " \u{2013} ")
        field("Product", product, x: left, top: top + 54, width: middle - left - 12, size: 11)
        field("Start", Self.show(data.startDate), x: middle, top: top + 54, width: column - 8, size: 11)
        field(
            "Effective", Self.show(data.effectiveDate), x: middle + column, top: top + 54, width: column - 8, size: 11)
        field("Expiry", Self.show(data.expiryDate), x: middle + 2 * column, top: top + 54, width: column - 8, size: 11)
    }

    /// A small grey label with its value below it.
    mutating func field(_ label: String, _ value: String, x: Double, top: Double, width: Double, size: Double) {
        text(label, x: x, top: top, size: 8, color: Self.muted, maxWidth: width)
        text(value, x: x, top: top + size + 5, font: .helveticaBold, size: size, maxWidth: width)
    }

    mutating func members() {
        text("Members (\(data.members.count))", x: margin, top: gridTop - 16, font: .helveticaBold, size: 12)
        document.drawLine(
            fromX: margin, fromY: baseline(gridTop - 10), toX: margin + contentWidth, toY: baseline(gridTop - 10),
            color: Self.rule, lineWidth: 0.75)
        guard !data.members.isEmpty else {
            text("No members on this policy.", x: margin, top: gridTop + 16, size: 10, color: Self.muted)
            return
        }
        let rows = (data.members.count + 1) / 2
        var pitch = min(fullPitch, (gridHeight / Double(rows)).rounded(.down))
        var shownRows = rows
        if pitch < compactPitch {
            pitch = compactPitch
            shownRows = Int((gridHeight - 16) / compactPitch)
        }
        let shown = min(data.members.count, shownRows * 2)
        let columnWidth = (contentWidth - 12) / 2
        for (index, member) in data.members.prefix(shown).enumerated() {
            let x = margin + Double(index % 2) * (columnWidth + 12)
            let top = gridTop + Double(index / 2) * pitch
            memberBlock(member, x: x, top: top, width: columnWidth, height: pitch - 8)
        }
        if shown < data.members.count {
            let note = "\(data.members.count - shown) more members are not shown."
            text(note, x: margin, top: gridTop + Double(shownRows) * pitch + 8, size: 9, color: Self.muted)
        }
    }

    mutating func memberBlock(
        _ member: MembershipCardData.Member, x: Double, top: Double, width: Double, height: Double
    ) {
        box(x: x, top: top, width: width, height: height, fill: nil, stroke: Self.rule)
        let photoHeight = height - 12
        let photoWidth = (photoHeight * 0.8).rounded()
        photo(member.photoJPEG, x: x + 6, top: top + 6, width: photoWidth, height: photoHeight)
        let textX = x + 6 + photoWidth + 10
        let textWidth = width - (textX - x) - 8
        let name = [member.givenName, member.familyName].filter { !$0.isEmpty }.joined(separator: " ")
        let born = "Born " + Self.show(member.birthDate)
        if height >= fullPitch - 8 {
            text(name, x: textX, top: top + 20, font: .helveticaBold, size: 11, maxWidth: textWidth)
            labelled("Insurance no.", member.insuranceNumber, x: textX, top: top + 37, width: textWidth)
            let details = [born, member.gender].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "   ")
            text(details, x: textX, top: top + 53, size: 9, maxWidth: textWidth)
            if let relationship = member.relationship, !relationship.isEmpty {
                text(relationship, x: textX, top: top + 68, size: 9, color: Self.muted, maxWidth: textWidth)
            }
        } else {
            let middle = top + height / 2
            text(name, x: textX, top: middle - 2, font: .helveticaBold, size: 10, maxWidth: textWidth)
            let line = "No. \(member.insuranceNumber)   \(born)"
            text(line, x: textX, top: middle + 10, size: 8, maxWidth: textWidth)
        }
    }

    mutating func labelled(_ label: String, _ value: String, x: Double, top: Double, width: Double) {
        let labelWidth = PDFFont.helvetica.width(of: label, size: 8)
        text(label, x: x, top: top, size: 8, color: Self.muted)
        text(value, x: x + labelWidth + 4, top: top, font: .helveticaBold, size: 10, maxWidth: width - labelWidth - 4)
    }

    mutating func photo(_ jpeg: [UInt8]?, x: Double, top: Double, width: Double, height: Double) {
        if let jpeg, document.drawJPEG(jpeg, x: x, y: baseline(top + height), width: width, height: height) {
            return
        }
        box(x: x, top: top, width: width, height: height, fill: Self.placeholder, stroke: nil)
        if height >= 40 {
            let label = "No photo"
            let labelWidth = PDFFont.helvetica.width(of: label, size: 7)
            text(label, x: x + (width - labelWidth) / 2, top: top + height / 2 + 2, size: 7, color: Self.muted)
        }
    }

    mutating func footer() {
        let top = page.height - margin - 14
        document.drawLine(
            fromX: margin, fromY: baseline(top - 10), toX: margin + contentWidth, toY: baseline(top - 10),
            color: Self.rule, lineWidth: 0.75)
        let note = "Show this card at the health facility. Cover depends on the policy being active on the day of care."
        text(note, x: margin, top: top, size: 8, color: Self.muted, maxWidth: contentWidth)
    }
}

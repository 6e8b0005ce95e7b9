import IMISData

/// The card's QR Code.
extension Layout {
    /// The side of the QR square in the policy panel, quiet zone included.
    static let qrSide = 80.0

    /// The QR Code of `text` (the family head's insurance number, as openIMIS cards carry it) with its four-module
    /// quiet zone, as filled rectangles (one per horizontal run of dark modules), its top left corner at `x`, `top`.
    mutating func qrCode(_ text: String, x: Double, top: Double, side: Double) {
        guard !text.isEmpty, let code = QRCode(text) else { return }
        let module = side / Double(code.size + 8)
        box(x: x, top: top, width: side, height: side, fill: .white, stroke: nil)
        for (row, modules) in code.modules.enumerated() {
            var column = 0
            while column < code.size {
                guard modules[column] else {
                    column += 1
                    continue
                }
                let start = column
                while column < code.size && modules[column] { column += 1 }
                box(x: x + Double(4 + start) * module, top: top + Double(4 + row) * module,
                    width: Double(column - start) * module, height: module, fill: .black, stroke: nil)
            }
        }
    }
}

/// The policy state a card prints.
extension MembershipCardData {
    /// The policy's state as of `day`, the day the card is printed: an active policy whose expiry date has passed,
    /// or an expired one, says "Expired on <date>"; an active one "Active until <date>"; the others their status.
    public static func policyState(_ status: String, expiry: LocalDate?, on day: LocalDate) -> String {
        let until = expiry.map(\.description) ?? "-"
        switch status.lowercased() {
        case "active": return expiry.map { $0 < day } == true ? "Expired on \(until)" : "Active until \(until)"
        case "expired": return "Expired on \(until)"
        case "idle": return "Idle (contribution not paid)"
        default: return status.prefix(1).uppercased() + status.dropFirst()
        }
    }
}

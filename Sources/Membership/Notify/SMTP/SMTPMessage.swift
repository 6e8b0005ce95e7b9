import Foundation

/// An RFC 5322 plain-text message in UTF-8, ready for the SMTP `DATA` command.
struct SMTPMessage: Sendable {
    var from: String
    var to: String
    var subject: String
    var text: String
    var date: Date
    var messageID: String

    /// How the body is encoded: `8bit` needs the server's 8BITMIME; lines longer than 998 octets need base64.
    enum TransferEncoding: String {
        case sevenBit = "7bit", eightBit = "8bit", base64
    }

    init(from: String, to: String, subject: String, text: String, date: Date, messageID: String) throws {
        for (field, value) in [("From", from), ("To", to), ("Subject", subject)]
        where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw DeliveryError.permanent("line break in the \(field) header")
        }
        guard Self.envelopeAddress(from) != nil else { throw DeliveryError.permanent("invalid sender address") }
        guard Self.envelopeAddress(to) != nil else { throw DeliveryError.permanent("invalid recipient address") }
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.date = date
        self.messageID = messageID
    }

    /// The address of `Name <address>` or of a bare `address`, when it is a plausible mailbox
    /// (one `@`, no spaces, brackets or control characters).
    static func envelopeAddress(_ mailbox: String) -> String? {
        var address = mailbox.trimmingCharacters(in: .whitespaces)
        if let open = address.lastIndex(of: "<"), address.hasSuffix(">") {
            address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254,
              !address.unicodeScalars.contains(where: {
                  $0.value < 0x21 || $0.value == 0x7F || "<>()[],;:\\\"".unicodeScalars.contains($0)
              })
        else { return nil }
        return address
    }

    /// The body's lines, CRLF-normalised.
    var lines: [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func transferEncoding(eightBitMIME: Bool) -> TransferEncoding {
        let lines = self.lines
        if lines.contains(where: { $0.utf8.count > 998 }) { return .base64 }
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return .sevenBit }
        return eightBitMIME ? .eightBit : .base64
    }

    /// RFC 5322 date (`Tue, 05 Mar 2024 10:00:00 +0000`).
    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// `text` as RFC 2047 encoded words when it is not plain ASCII (each word at most 75 characters).
    static func encodedHeader(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) else { return text }
        var words: [String] = []
        var chunk = ""
        for character in text {
            // 45 octets of UTF-8 make 60 base64 characters: with `=?UTF-8?B?` and `?=`, 72.
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// Lines that start with a dot get another one (RFC 5321 §4.5.2).
    static func dotStuffed(_ line: String) -> String { line.hasPrefix(".") ? "." + line : line }

    /// The whole `DATA` payload: headers, body, dot-stuffing, and the terminating `CRLF.CRLF`.
    func data(encoding: TransferEncoding) -> String {
        var lines = [
            "Date: \(Self.rfc5322(date))",
            "From: \(from)",
            "To: \(to)",
            "Subject: \(Self.encodedHeader(subject))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: \(encoding.rawValue)",
            "",
        ]
        switch encoding {
        case .sevenBit, .eightBit:
            lines += self.lines
        case .base64:
            let encoded = Data(self.lines.joined(separator: "\r\n").utf8).base64EncodedString()
            var index = encoded.startIndex
            while index < encoded.endIndex {
                let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
                lines.append(String(encoded[index..<end]))
                index = end
            }
        }
        return lines.map(Self.dotStuffed).joined(separator: "\r\n") + "\r\n.\r\n"
    }
}

import Foundation
import Testing

@testable import Membership

@Suite("SMTP message format")
struct SMTPMessageTests {
    /// Decodes RFC 2047 `=?UTF-8?B?...?=` words (folded or not); other text is returned as is.
    static func decodedHeader(_ value: String) -> String {
        let words = value.replacingOccurrences(of: "\r\n", with: "").split(separator: " ")
        guard words.allSatisfy({ $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }) else { return value }
        return words.map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
        }.joined()
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.date(from: text)
    }

    func message(subject: String = "Code", text: String) throws -> SMTPMessage {
        try SMTPMessage(from: "openIMIS <noreply@imis.example>", to: "jane@example.org", subject: subject, text: text,
                        date: Date(timeIntervalSince1970: 1_709_287_200), messageID: "abc@imis.example")
    }

    @Test func linesStartingWithADotAreStuffedAndTheDataEndsWithADotLine() throws {
        let data = try message(text: ".hidden\nplain\n..two\n.").data(encoding: .sevenBit)
        let lines = data.components(separatedBy: "\r\n")
        let body = Array(lines.drop { !$0.isEmpty }.dropFirst())
        #expect(body == ["..hidden", "plain", "...two", "..", ".", ""])
        #expect(data.hasSuffix("\r\n.\r\n"))
        #expect(!data.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func headersFollowRFC5322() throws {
        let data = try message(subject: "Vérification", text: "x").data(encoding: .eightBit)
        let head = data.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.contains("Date: Fri, 01 Mar 2024 10:00:00 +0000"))
        #expect(head.contains("Message-ID: <abc@imis.example>"))
        #expect(head.contains("Content-Transfer-Encoding: 8bit"))
        let subject = try #require(head.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") })
        #expect(subject.allSatisfy { $0.isASCII })
        #expect(Self.decodedHeader(String(subject.dropFirst(9))) == "Vérification")
    }

    @Test func aLongSubjectIsFoldedIntoShortEncodedWords() throws {
        let subject = String(repeating: "é", count: 80)
        let encoded = SMTPMessage.encodedHeader(subject)
        #expect(encoded.components(separatedBy: "\r\n ").allSatisfy { $0.count <= 75 })
        #expect(Self.decodedHeader(encoded) == subject)
    }

    @Test func theEncodingFitsTheTextAndTheServer() throws {
        #expect(try message(text: "ascii only").transferEncoding(eightBitMIME: false) == .sevenBit)
        #expect(try message(text: "ç").transferEncoding(eightBitMIME: true) == .eightBit)
        #expect(try message(text: "ç").transferEncoding(eightBitMIME: false) == .base64)
        let long = try message(text: String(repeating: "a", count: 1200))
        #expect(long.transferEncoding(eightBitMIME: true) == .base64)
        let data = long.data(encoding: .base64)
        let body = data.components(separatedBy: "\r\n\r\n")[1].components(separatedBy: "\r\n").filter { $0 != "." && !$0.isEmpty }
        #expect(body.allSatisfy { $0.count <= 76 })
        #expect(String(decoding: Data(base64Encoded: body.joined()) ?? Data(), as: UTF8.self) == String(repeating: "a", count: 1200))
    }

    @Test func lineBreaksInHeadersAndMalformedAddressesAreRefused() {
        #expect(throws: DeliveryError.self) { try message(subject: "Code\r\nBcc: all@example.org", text: "x") }
        #expect(throws: DeliveryError.self) {
            try SMTPMessage(from: "noreply@imis.example", to: "a@b>\r\nRCPT TO:<c@d", subject: "s", text: "t",
                            date: Date(), messageID: "m")
        }
        #expect(SMTPMessage.envelopeAddress("openIMIS <noreply@imis.example>") == "noreply@imis.example")
        #expect(SMTPMessage.envelopeAddress("jane@example.org") == "jane@example.org")
        #expect(SMTPMessage.envelopeAddress("no at sign") == nil)
        #expect(SMTPMessage.envelopeAddress("a@b@c") == nil)
    }
}

import Foundation
import Testing

@testable import Membership

/// The QR encoder against QR Codes made by a reference encoder (`qrcode`, PyPI; `fixtures/card/qr-reference.txt`, made by
/// `Scripts/make-qr-fixture.py`): the same modules for every version and mask, and a mask chosen by the penalty rules.
@Suite struct QRCodeTests {
    struct Reference {
        var text: String, version: String, mask: Int, rows: [[Bool]]
    }

    static func references() throws -> [Reference] {
        let text = try String(contentsOf: fixturesURL.appendingPathComponent("card/qr-reference.txt"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 4, "fixture line \(line.prefix(40))")
            return Reference(text: fields[0], version: fields[1], mask: try #require(Int(fields[2])),
                             rows: fields[3].split(separator: "/").map { $0.map { $0 == "1" } })
        }
    }

    @Test func everyVersionAndMaskMatchesTheReferenceEncoder() throws {
        let references = try Self.references().filter { !$0.version.hasPrefix("auto") }
        #expect(references.count == 48)
        for reference in references {
            let code = try #require(QRCode(reference.text, mask: reference.mask))
            #expect(String(code.version) == reference.version, "\(reference.text)")
            #expect(code.modules == reference.rows, "\(reference.text) mask \(reference.mask)")
        }
    }

    /// The reference picks its mask with the format areas left blank (a quirk of `qrcode`), so its choice may differ:
    /// the chosen code must be the reference's code for the mask chosen, in the smallest version.
    @Test func theMaskChosenByThePenaltyRulesGivesTheReferencesCodeForThatMask() throws {
        let references = try Self.references()
        for reference in references where reference.version.hasPrefix("auto") {
            let code = try #require(QRCode(reference.text))
            #expect("auto-\(code.version)" == reference.version)
            let same = references.first { $0.text == reference.text && $0.mask == code.mask && !$0.version.hasPrefix("auto") }
            #expect(code.modules == same?.rows, "\(reference.text): mask \(code.mask)")
        }
    }

    @Test func textsBeyondVersionFourAndBadMasksAreRefused() {
        #expect(QRCode(String(repeating: "x", count: 62)) != nil)
        #expect(QRCode(String(repeating: "x", count: 63)) == nil)
        #expect(QRCode("1", mask: 8) == nil)
        #expect(QRCode("1")?.size == 21)
    }

    @Test func reedSolomonMatchesTheStandardsExample() {
        // ISO/IEC 18004 Annex I: "01234567" in version 1-M, data then the 10 error-correction codewords.
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        #expect(ReedSolomon.remainder(data, degree: 10) == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }
}

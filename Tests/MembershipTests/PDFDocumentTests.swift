import Foundation
import Testing

@testable import Membership

/// The PDF writer: file structure, text encoding, images.
@Suite struct PDFDocumentTests {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z

    @Test func crossReferenceOffsetsPointAtTheirObjects() throws {
        var document = PDFDocument(title: "T", producer: "P", creationDate: Self.epoch)
        document.drawText("Hello", x: 10, y: 10)
        document.drawJPEG(try photoFixture(), x: 0, y: 0, width: 30, height: 38)
        let bytes = document.bytes()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-1.4\n"))
        #expect(text.hasSuffix("%%EOF\n"))
        let startxref = try #require(text.range(of: "startxref\n", options: .backwards))
        let xrefOffset = try #require(Int(text[startxref.upperBound...].prefix { $0.isNumber }))
        #expect(Array(bytes[xrefOffset..<(xrefOffset + 5)]) == Array("xref\n".utf8))
        let lines = String(decoding: bytes[xrefOffset...], as: UTF8.self).split(separator: "\n")
        let count = try #require(Int(lines[1].split(separator: " ")[1]))
        #expect(count == 9)  // free entry, catalog, pages, info, two fonts, image, page, content
        for number in 1..<count {
            let entry = lines[2 + number]
            #expect(entry.utf8.count == 19)  // plus the newline: 20 bytes
            let offset = try #require(Int(entry.prefix(10)))
            let header = Array("\(number) 0 obj\n".utf8)
            #expect(Array(bytes[offset..<(offset + header.count)]) == header, "object \(number)")
        }
        #expect(text.contains("trailer\n<< /Size 9 /Root 1 0 R /Info 3 0 R >>"))
    }

    @Test func informationDictionaryCarriesTheCallersValues() {
        let document = PDFDocument(title: "Carte (famille) \\ 1", producer: "Prodücer", creationDate: Self.epoch)
        let text = String(decoding: document.bytes(), as: UTF8.self)
        #expect(text.contains("/Title (Carte \\(famille\\) \\\\ 1)"))
        #expect(text.contains("/Producer <FEFF00500072006F006400FC006300650072>"))
        #expect(text.contains("/CreationDate (D:20231114221320Z)"))
        #expect(PDFDocument.pdfDate(Date(timeIntervalSince1970: 951_782_400)) == "D:20000229000000Z")
    }

    @Test func textIsEscapedAndWinAnsiEncoded() {
        var document = PDFDocument(title: "T", producer: "P", creationDate: Self.epoch)
        document.drawText("a(b)c\\d é€", x: 1.5, y: 2, font: .helveticaBold, size: 9.25, color: PDFColor(rgb: 0xFF8000))
        let text = String(decoding: document.bytes(), as: UTF8.self)
        #expect(text.contains("BT /F2 9.25 Tf 1 0.502 0 rg 1.5 2 Td (a\\(b\\)c\\\\d \\351\\200) Tj ET"))
        #expect(text.contains("/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding"))
    }

    @Test(
        arguments: [
            ("plain", Array("plain".utf8)),
            ("é", [0xE9]), ("e\u{301}", [0xE9]), ("€", [0x80]), ("—", [0x97]), ("Œ", [0x8C]),
            ("ő", [0x6F]), ("Ł", [0x4C]), ("ẞ", Array("SS".utf8)), ("−", [0x2D]), ("Ŝ", [0x53]),
            ("中", [0x3F]), ("👍🏽", [0x3F]), ("a\nb\tc", Array("a b c".utf8)), ("\u{200B}x", Array("x".utf8)),
            ("\u{7}", [0x3F]),
        ] as [(String, [UInt8])])
    func charactersOutsideWinAnsiAreTransliteratedOrReplaced(_ input: String, _ expected: [UInt8]) {
        #expect(PDFText.winAnsi(input) == expected)
    }

    @Test func widthsFollowTheHelveticaMetrics() {
        #expect(PDFFont.helvetica.width(of: "Hi", size: 10) == 9.44)  // (722 + 222) / 100
        #expect(PDFFont.helveticaBold.width(of: "Hi", size: 10) == 10)  // (722 + 278) / 100
        #expect(PDFFont.helvetica.width(of: "é", size: 1) == PDFFont.helvetica.width(of: "e", size: 1))
        let cut = PDFFont.helvetica.truncated("A long family name", size: 10, maxWidth: 50)
        #expect(cut.hasSuffix("..."))
        #expect(PDFFont.helvetica.width(of: cut, size: 10) <= 50)
        #expect(PDFFont.helvetica.truncated("Short", size: 10, maxWidth: 50) == "Short")
    }

    @Test func numbersAreWrittenWithoutExponents() {
        #expect(number(0) == "0")
        #expect(number(-0.0001) == "0")
        #expect(number(12.5) == "12.5")
        #expect(number(-3.14159) == "-3.142")
        #expect(number(595.28) == "595.28")
        #expect(number(1e-12) == "0")
        #expect(number(.nan) == "0")
    }

    @Test func jpegFrameHeaderIsRead() throws {
        let photo = try photoFixture()
        let info = try #require(JPEGInfo(photo))
        #expect(info.width == 30 && info.height == 38 && info.components == 3 && !info.adobe)
        let size = PDFDocument.jpegSize(photo)
        #expect(size?.width == 30 && size?.height == 38)
        var progressive = photo
        let sof = try #require(progressive.indices.first { progressive[$0] == 0xFF && progressive[$0 + 1] == 0xC0 })
        progressive[sof + 1] = 0xC2
        #expect(JPEGInfo(progressive)?.width == 30)
        var arithmetic = photo
        arithmetic[sof + 1] = 0xC9
        #expect(JPEGInfo(arithmetic) == nil)
        var twelveBit = photo
        twelveBit[sof + 4] = 12
        #expect(JPEGInfo(twelveBit) == nil)
    }

    @Test func nonJPEGBytesAreRefusedWithoutDrawing() throws {
        let photo = try photoFixture()
        let sof = try #require(photo.indices.first { photo[$0] == 0xFF && photo[$0 + 1] == 0xC0 })
        let samples: [[UInt8]] = [
            [], [0xFF, 0xD8], [0xFF, 0xD8, 0xFF, 0xD9], Array("GIF89a".utf8), Array(photo.prefix(sof + 6)),
            Array(photo.prefix(sof)) + [0xFF, 0xDA, 0, 2], [0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF],
            [0xFF, 0xD8] + [UInt8](repeating: 0xFF, count: 64),
        ]
        for sample in samples {
            var document = PDFDocument(title: "T", producer: "P", creationDate: Self.epoch)
            let drawn = document.drawJPEG(sample, x: 0, y: 0, width: 10, height: 10)
            #expect(!drawn, "\(sample.prefix(8))")
            #expect(!String(decoding: document.bytes(), as: UTF8.self).contains("/XObject"))
        }
    }

    @Test func imageIsDecodedWhereItIsPlaced() throws {
        var document = PDFDocument(title: "T", producer: "P", creationDate: Self.epoch)
        document.beginPage(size: PDFPageSize(width: 60, height: 76))
        let drawn = document.drawJPEG(try photoFixture(), x: 0, y: 0, width: 60, height: 76, keepAspectRatio: false)
        #expect(drawn)
        let ppm = try PDFTools.withFile(document.bytes()) { path in
            try PDFTools.bytes("pdftoppm", ["-r", "72", path])
        }
        // P6 header "P6\n60 76\n255\n", then RGB rows from the top.
        let header = Array("P6\n60 76\n255\n".utf8)
        try #require(Array(ppm.prefix(header.count)) == header)
        func pixel(_ x: Int, _ y: Int) -> [Int] {
            let start = header.count + (y * 60 + x) * 3
            return ppm[start..<(start + 3)].map(Int.init)
        }
        func near(_ a: [Int], _ b: [Int]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 24 } }
        #expect(near(pixel(30, 29), [222, 184, 150]), "face: \(pixel(30, 29))")  // the head
        #expect(near(pixel(2, 2), [70, 120, 199]), "background: \(pixel(2, 2))")
    }

    @Test func pagesHaveTheirOwnSizeAndTheSameImageIsEmbeddedOnce() throws {
        let photo = try photoFixture()
        var document = PDFDocument(title: "T", producer: "P", creationDate: Self.epoch)
        document.drawText("first", x: 72, y: 720)
        document.drawJPEG(photo, x: 72, y: 600, width: 60, height: 60)
        document.beginPage(size: PDFPageSize(width: 200, height: 100))
        document.drawRectangle(x: 10, y: 10, width: 50, height: 20, fill: PDFColor(rgb: 0x336699), stroke: .black)
        document.drawLine(fromX: 0, fromY: 0, toX: 200, toY: 100, color: PDFColor(red: 2, green: -1, blue: 0.5))
        document.drawJPEG(photo, x: 100, y: 10, width: 30, height: 30)
        document.drawText("second", x: 10, y: 80)
        let bytes = document.bytes()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(document.pageCount == 2)
        #expect(text.components(separatedBy: "/Subtype /Image").count - 1 == 1)
        #expect(text.contains("q 0.2 0.4 0.6 rg 0 0 0 RG 1 w 10 10 50 20 re B Q"))
        #expect(text.contains("q 1 0 0.5 RG 1 w 0 0 m 200 100 l S Q"))
        let report = try PDFTools.check(bytes)
        #expect(report.pages == 2)
        #expect(report.images.map { $0[0] } == ["1", "2"])
        #expect(report.text.contains("first"))
        #expect(report.text.contains("second"))
        let sizes = try PDFTools.withFile(bytes) { try PDFTools.output("pdfinfo", ["-f", "1", "-l", "2", $0]) }
        #expect(sizes.contains("Page    1 size:  595.28 x 841.89 pts (A4)"))
        #expect(sizes.contains("Page    2 size:  200 x 100 pts"))
    }

    @Test func emptyDocumentIsOneBlankPage() throws {
        let report = try PDFTools.check(PDFDocument(title: "", producer: "", creationDate: Self.epoch).bytes())
        #expect(report.pages == 1)
        #expect(report.images.isEmpty)
    }
}

import Foundation

extension PDFDocument {
    /// The document as PDF 1.4 bytes: header, objects, cross-reference table with the byte offset of every
    /// object, trailer with `/Root` and `/Info` (PDF 1.4 §3.4). A document without pages gets one empty A4 page.
    public func bytes() -> [UInt8] {
        var writer = ObjectWriter()
        let pages = self.pages.isEmpty ? [Page(size: .a4)] : self.pages
        // Object numbers: 1 catalog, 2 page tree, 3 information, 4... fonts, then images, then pages with
        // their content streams.
        let fontBase = 4
        let imageBase = fontBase + PDFFont.allCases.count
        let pageBase = imageBase + images.count
        let pageNumbers = pages.indices.map { pageBase + 2 * $0 }

        writer.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        let kids = pageNumbers.map { "\($0) 0 R" }.joined(separator: " ")
        writer.object(2, "<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        var info: [UInt8] = Array("<< /Title ".utf8) + PDFText.textString(title)
        info += Array(" /Producer ".utf8) + PDFText.textString(producer)
        let date = Self.pdfDate(creationDate)
        info += Array(" /CreationDate (\(date)) /ModDate (\(date)) >>".utf8)
        writer.object(3, info)
        for (offset, font) in PDFFont.allCases.enumerated() {
            writer.object(
                fontBase + offset,
                "<< /Type /Font /Subtype /Type1 /BaseFont /\(font.baseFont) /Encoding /WinAnsiEncoding >>")
        }
        for (offset, image) in images.enumerated() {
            var dictionary = "<< /Type /XObject /Subtype /Image /Width \(image.info.width) /Height \(image.info.height)"
            dictionary += " /ColorSpace \(image.info.colorSpace) /BitsPerComponent 8"
            if image.info.components == 4 && image.info.adobe { dictionary += " /Decode [1 0 1 0 1 0 1 0]" }
            dictionary += " /Filter /DCTDecode /Length \(image.bytes.count) >>"
            writer.stream(imageBase + offset, dictionary: dictionary, data: image.bytes)
        }
        let fonts = PDFFont.allCases.enumerated().map { "/\($1.resourceName) \(fontBase + $0) 0 R" }
        for (index, page) in pages.enumerated() {
            var resources = "<< /Font << \(fonts.joined(separator: " ")) >>"
            if !page.images.isEmpty {
                let entries = page.images.map { "/Im\($0 + 1) \(imageBase + $0) 0 R" }
                resources += " /XObject << \(entries.joined(separator: " ")) >>"
            }
            resources += " /ProcSet [/PDF /Text /ImageB /ImageC] >>"
            let object = pageNumbers[index]
            writer.object(
                object,
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(number(page.size.width)) \(number(page.size.height))]"
                    + " /Resources \(resources) /Contents \(object + 1) 0 R >>")
            writer.stream(object + 1, dictionary: "<< /Length \(page.content.count) >>", data: page.content)
        }
        return writer.finish(root: 1, info: 3)
    }

    /// ``bytes()`` as `Data`.
    public func data() -> Data { Data(bytes()) }

    /// `D:YYYYMMDDHHmmSSZ` (PDF 1.4 §3.8.3), in UTC.
    static func pdfDate(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = min(max(yoe + era * 400 + (month <= 2 ? 1 : 0), 0), 9999)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "D:" + pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(time / 3600, 2) + pad(time / 60 % 60, 2)
            + pad(time % 60, 2) + "Z"
    }
}

/// Writes numbered objects and remembers where each starts, for the cross-reference table.
struct ObjectWriter {
    private(set) var output: [UInt8] = Array("%PDF-1.4\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
    private var offsets: [Int: Int] = [:]

    mutating func object(_ number: Int, _ body: String) {
        object(number, Array(body.utf8))
    }

    mutating func object(_ number: Int, _ body: [UInt8]) {
        offsets[number] = output.count
        output += Array("\(number) 0 obj\n".utf8)
        output += body
        output += Array("\nendobj\n".utf8)
    }

    /// A stream object; `dictionary` must carry the `/Length` of `data`.
    mutating func stream(_ number: Int, dictionary: String, data: [UInt8]) {
        offsets[number] = output.count
        output += Array("\(number) 0 obj\n\(dictionary)\nstream\n".utf8)
        output += data
        output += Array("\nendstream\nendobj\n".utf8)
    }

    /// Appends the cross-reference table (entries of exactly 20 bytes, PDF 1.4 §3.4.3) and the trailer.
    mutating func finish(root: Int, info: Int) -> [UInt8] {
        let size = (offsets.keys.max() ?? 0) + 1
        let start = output.count
        output += Array("xref\n0 \(size)\n0000000000 65535 f \n".utf8)
        for number in 1..<size {
            guard let offset = offsets[number] else {
                output += Array("0000000000 65535 f \n".utf8)
                continue
            }
            let digits = String(offset)
            output += Array((String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n").utf8)
        }
        output += Array(
            "trailer\n<< /Size \(size) /Root \(root) 0 R /Info \(info) 0 R >>\nstartxref\n\(start)\n%%EOF\n".utf8)
        return output
    }
}

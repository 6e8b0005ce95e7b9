import Foundation

/// The two standard Type 1 fonts the writer uses (PDF 1.4 §5.5.1, "standard 14 fonts"): every reader has
/// them, so nothing is embedded. Text is encoded as WinAnsiEncoding (PDF 1.4 Appendix D).
public enum PDFFont: Sendable, Hashable, CaseIterable {
    case helvetica
    case helveticaBold

    /// The `/BaseFont` name.
    var baseFont: String {
        switch self {
        case .helvetica: "Helvetica"
        case .helveticaBold: "Helvetica-Bold"
        }
    }

    /// The name of the font in a page's resources.
    var resourceName: String {
        switch self {
        case .helvetica: "F1"
        case .helveticaBold: "F2"
        }
    }

    /// The advance width of `text` set in this font at `size` points.
    public func width(of text: String, size: Double) -> Double {
        width(ofEncoded: PDFText.winAnsi(text), size: size)
    }

    func width(ofEncoded bytes: [UInt8], size: Double) -> Double {
        var units = 0
        for byte in bytes { units += advance(byte) }
        return Double(units) * size / 1000
    }

    /// `text`, shortened with a trailing "..." when it is wider than `maxWidth` at `size` points.
    public func truncated(_ text: String, size: Double, maxWidth: Double) -> String {
        guard width(of: text, size: size) > maxWidth else { return text }
        let ellipsis = "..."
        var kept = Array(text)
        while !kept.isEmpty && width(of: String(kept) + ellipsis, size: size) > maxWidth {
            kept.removeLast()
        }
        return kept.isEmpty ? "" : String(kept).trimmingCharacters(in: .whitespaces) + ellipsis
    }

    /// The width of a WinAnsi code in 1/1000 em (Adobe's AFM metrics for 32...126; other codes take the
    /// width of their unaccented letter, or of a digit).
    private func advance(_ byte: UInt8) -> Int {
        if (32...126).contains(byte) {
            let table = self == .helvetica ? PDFText.helveticaWidths : PDFText.helveticaBoldWidths
            return table[Int(byte) - 32]
        }
        if let base = PDFText.unaccentedASCII[byte] { return advance(base) }
        return 556
    }
}

/// Text encoding for PDF strings.
enum PDFText {
    /// `text` as WinAnsiEncoding bytes. Characters WinAnsi lacks lose their accents when the bare letter is
    /// in it (`ő` → `o`), take an ASCII look-alike from a short table (`ł` → `l`, `–` stays, `−` → `-`), and
    /// otherwise become `?`. Line breaks and tabs become spaces; invisible format characters are dropped.
    static func winAnsi(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if let ascii = character.asciiValue {
                switch ascii {
                case 0x20..<0x7F: out.append(ascii)
                case 0x09, 0x0A, 0x0D: out.append(0x20)
                default: out.append(0x3F)
                }
                continue
            }
            out.append(contentsOf: encode(character))
        }
        return out
    }

    private static func encode(_ character: Character) -> [UInt8] {
        let scalars = character.unicodeScalars
        if scalars.count == 1, let scalar = scalars.first, let byte = byte(for: scalar) { return [byte] }
        let composed = String(character).precomposedStringWithCanonicalMapping.unicodeScalars
        if composed.count == 1, let scalar = composed.first, let byte = byte(for: scalar) { return [byte] }
        if scalars.allSatisfy({ $0.properties.generalCategory == .format }) { return [] }
        if character.isNewline || character.isWhitespace { return [0x20] }
        // Strip the marks: keep the base when WinAnsi has it.
        let decomposed = String(character).decomposedStringWithCanonicalMapping.unicodeScalars
        if let base = decomposed.first,
            decomposed.dropFirst().allSatisfy({ marks.contains($0.properties.generalCategory) })
        {
            if let byte = byte(for: base) { return [byte] }
            if let ascii = transliterations[base] { return Array(ascii.utf8) }
        }
        return [0x3F]
    }

    /// What canonical decomposition may put after a base letter.
    static let marks: Set<Unicode.GeneralCategory> = [.nonspacingMark, .spacingMark, .enclosingMark, .format]

    /// The WinAnsi code of one scalar, if it has one.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if (0x20...0x7E).contains(value) || (0xA0...0xFF).contains(value) { return UInt8(value) }
        return winAnsiHigh[scalar]
    }

    /// Codes 0x80...0x9F, where WinAnsi differs from Latin-1.
    static let winAnsiHigh: [Unicode.Scalar: UInt8] = [
        "\u{20AC}": 0x80, "\u{201A}": 0x82, "\u{0192}": 0x83, "\u{201E}": 0x84, "\u{2026}": 0x85, "\u{2020}": 0x86,
        "\u{2021}": 0x87, "\u{02C6}": 0x88, "\u{2030}": 0x89, "\u{0160}": 0x8A, "\u{2039}": 0x8B, "\u{0152}": 0x8C,
        "\u{017D}": 0x8E, "\u{2018}": 0x91, "\u{2019}": 0x92, "\u{201C}": 0x93, "\u{201D}": 0x94, "\u{2022}": 0x95,
        "\u{2013}": 0x96, "\u{2014}": 0x97, "\u{02DC}": 0x98, "\u{2122}": 0x99, "\u{0161}": 0x9A, "\u{203A}": 0x9B,
        "\u{0153}": 0x9C, "\u{017E}": 0x9E, "\u{0178}": 0x9F,
    ]

    /// ASCII for letters and signs that neither WinAnsi nor canonical decomposition covers.
    static let transliterations: [Unicode.Scalar: String] = [
        "\u{0141}": "L", "\u{0142}": "l", "\u{0110}": "D", "\u{0111}": "d", "\u{0126}": "H", "\u{0127}": "h",
        "\u{0131}": "i", "\u{0138}": "k", "\u{013F}": "L", "\u{0140}": "l", "\u{014A}": "N", "\u{014B}": "n",
        "\u{0166}": "T", "\u{0167}": "t", "\u{017F}": "s", "\u{0132}": "IJ", "\u{0133}": "ij", "\u{0149}": "'n",
        "\u{1E9E}": "SS", "\u{0189}": "D", "\u{0256}": "d", "\u{0190}": "E", "\u{025B}": "e", "\u{0186}": "O",
        "\u{0254}": "o", "\u{019D}": "N", "\u{0272}": "n", "\u{01B3}": "Y", "\u{01B4}": "y", "\u{0198}": "K",
        "\u{0199}": "k", "\u{2010}": "-", "\u{2011}": "-", "\u{2012}": "-", "\u{2015}": "-", "\u{2212}": "-",
        "\u{2032}": "'", "\u{2033}": "\"", "\u{02BC}": "'", "\u{02BB}": "'", "\u{2044}": "/",
    ]

    /// Latin-1 letters of WinAnsi with the ASCII letter they are built on (for widths).
    static let unaccentedASCII: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for code in UInt8(0xC0)...UInt8(0xFF) {
            let decomposed = String(Character(Unicode.Scalar(code))).decomposedStringWithCanonicalMapping
            if let first = decomposed.unicodeScalars.first, first.isASCII, first.value >= 0x41 {
                table[code] = UInt8(first.value)
            }
        }
        for (scalar, code) in winAnsiHigh {
            if let first = String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars.first,
                first.isASCII, first.value >= 0x41
            {
                table[code] = UInt8(first.value)
            }
        }
        return table
    }()

    /// A literal string `( ... )` of already encoded bytes: `(`, `)` and `\` escaped, bytes outside printable
    /// ASCII written as octal escapes (PDF 1.4 §3.2.3), so content streams stay 7-bit.
    static func literal(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x28]
        for byte in bytes {
            switch byte {
            case 0x28, 0x29, 0x5C: out += [0x5C, byte]
            case 0x20...0x7E: out.append(byte)
            default:
                out += [0x5C, 0x30 + (byte >> 6), 0x30 + ((byte >> 3) & 7), 0x30 + (byte & 7)]
            }
        }
        out.append(0x29)
        return out
    }

    /// A text string for the document information dictionary (PDF 1.4 §3.8.1): a literal for printable ASCII,
    /// UTF-16BE with a byte order mark (as a hex string) otherwise.
    static func textString(_ text: String) -> [UInt8] {
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return literal(Array(text.utf8)) }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = Array("<FEFF".utf8)
        for unit in text.utf16 {
            for shift in [12, 8, 4, 0] { out.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
        }
        out.append(0x3E)
        return out
    }

    /// Helvetica, codes 32...126 (Adobe AFM).
    static let helveticaWidths: [Int] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
        556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
        556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
        556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
        500, 500, 500, 334, 260, 334, 584,
    ]

    /// Helvetica-Bold, codes 32...126 (Adobe AFM).
    static let helveticaBoldWidths: [Int] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
        556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722,
        611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556,
        611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778,
        556, 556, 500, 389, 280, 389, 584,
    ]
}

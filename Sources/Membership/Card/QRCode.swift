/// A QR Code (ISO/IEC 18004:2015) of a short text: byte mode, error-correction level M, versions 1 to 4 (up to 62
/// bytes: an insurance number fits in version 1). Modules are `true` for dark; the quiet zone is the drawer's.
public struct QRCode: Sendable, Hashable {
    /// Versions 1–4 at level M: total codewords, error-correction codewords per block, blocks, byte-mode capacity.
    struct Version: Sendable {
        let number: Int, codewords: Int, ecPerBlock: Int, blocks: Int, capacity: Int
        var size: Int { 17 + 4 * number }
        var dataCodewords: Int { codewords - ecPerBlock * blocks }
        /// The centre of the one alignment pattern (none in version 1), ISO/IEC 18004 Annex E.
        var alignment: Int? { number == 1 ? nil : size - 7 }
    }

    static let versions = [
        Version(number: 1, codewords: 26, ecPerBlock: 10, blocks: 1, capacity: 14),
        Version(number: 2, codewords: 44, ecPerBlock: 16, blocks: 1, capacity: 26),
        Version(number: 3, codewords: 70, ecPerBlock: 26, blocks: 1, capacity: 42),
        Version(number: 4, codewords: 100, ecPerBlock: 18, blocks: 2, capacity: 62),
    ]

    /// The version used (1–4).
    public let version: Int
    /// The mask pattern applied (0–7).
    public let mask: Int
    /// Rows of modules, `size` × `size`.
    public let modules: [[Bool]]
    public var size: Int { modules.count }

    /// The code of `text` (UTF-8 bytes) in the smallest version that holds it, with the mask of the lowest penalty
    /// (ISO/IEC 18004 §7.8.3), or `mask` when given; nil when the text is longer than 62 bytes or `mask` is not 0–7.
    public init?(_ text: String, mask: Int? = nil) {
        let bytes = Array(text.utf8)
        guard let version = Self.versions.first(where: { $0.capacity >= bytes.count }) else { return nil }
        if let mask, !(0...7).contains(mask) { return nil }
        let codewords = Self.interleaved(Self.dataCodewords(bytes, version), version)
        var grid = QRGrid(version: version)
        grid.drawFunctionPatterns()
        grid.place(codewords)
        var best = 0, bestScore = Int.max, chosen = grid
        for candidate in mask.map({ [$0] }) ?? Array(0...7) {
            var masked = grid
            masked.apply(mask: candidate)
            masked.drawFormat(mask: candidate)
            let score = mask == nil ? masked.penalty() : 0
            if score < bestScore { best = candidate; bestScore = score; chosen = masked }
        }
        self.version = version.number
        self.mask = best
        self.modules = chosen.dark
    }

    /// The data codewords: mode 0100, an 8-bit count, the bytes, a terminator, then the pad bytes EC 11 (§7.4).
    static func dataCodewords(_ bytes: [UInt8], _ version: Version) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) { for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        append(0b0100, 4)
        append(bytes.count, 8)
        for byte in bytes { append(Int(byte), 8) }
        let capacity = version.dataCodewords * 8
        append(0, min(4, capacity - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var result: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while result.count < version.dataCodewords {
            result.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return result
    }

    /// The data split into blocks, each followed by its Reed–Solomon codewords, interleaved (§7.6).
    static func interleaved(_ data: [UInt8], _ version: Version) -> [UInt8] {
        let perBlock = version.dataCodewords / version.blocks
        let blocks = (0..<version.blocks).map { Array(data[$0 * perBlock..<($0 + 1) * perBlock]) }
        let ec = blocks.map { ReedSolomon.remainder($0, degree: version.ecPerBlock) }
        var result: [UInt8] = []
        for i in 0..<perBlock { for block in blocks { result.append(block[i]) } }
        for i in 0..<version.ecPerBlock { for block in ec { result.append(block[i]) } }
        return result
    }
}

/// Reed–Solomon error correction over GF(256) with the primitive polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), the
/// generator ∏ (x − αⁱ) for i in 0..<degree (ISO/IEC 18004 §7.5.2).
enum ReedSolomon {
    /// αⁱ for i in 0..<255, and the logarithms.
    static let (exp, log): ([UInt8], [Int]) = {
        var exp = [UInt8](repeating: 0, count: 255), log = [Int](repeating: 0, count: 256)
        var value = 1
        for i in 0..<255 {
            exp[i] = UInt8(value)
            log[value] = i
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return (exp, log)
    }()

    /// The product in GF(256).
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        guard a != 0, b != 0 else { return 0 }
        return exp[(log[Int(a)] + log[Int(b)]) % 255]
    }

    /// The generator's coefficients below the leading 1, highest first.
    static func generator(degree: Int) -> [UInt8] {
        var poly: [UInt8] = [1]
        for i in 0..<degree {
            var next = [UInt8](repeating: 0, count: poly.count + 1)
            for (j, coefficient) in poly.enumerated() {
                next[j] ^= coefficient
                next[j + 1] ^= multiply(coefficient, exp[i])
            }
            poly = next
        }
        return Array(poly.dropFirst())
    }

    /// The remainder of data(x) · x^degree divided by the generator: the error-correction codewords.
    static func remainder(_ data: [UInt8], degree: Int) -> [UInt8] {
        let generator = generator(degree: degree)
        var result = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for i in 0..<degree { result[i] ^= multiply(generator[i], factor) }
        }
        return result
    }
}

/// The module grid of a ``QRCode`` while it is built: function patterns, codeword placement, masking, format
/// information and the mask penalty (ISO/IEC 18004 §6.3, §7.7–7.9).
struct QRGrid: Sendable {
    let size: Int
    let version: QRCode.Version
    var dark: [[Bool]]
    /// Modules of function patterns (finders, separators, timing, alignment, format, dark module): never data, never
    /// masked.
    var reserved: [[Bool]]

    /// An empty grid of `version`'s size.
    init(version: QRCode.Version) {
        self.version = version
        size = version.size
        dark = Array(repeating: Array(repeating: false, count: size), count: size)
        reserved = dark
    }

    /// Sets a function module (reserved from data and masking).
    mutating func set(row: Int, column: Int, _ value: Bool) {
        dark[row][column] = value
        reserved[row][column] = true
    }

    /// Finders with their separators, timing patterns, the alignment pattern, the dark module, and the format areas
    /// reserved.
    mutating func drawFunctionPatterns() {
        for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let r = row + dy, c = column + dx
                    guard (0..<size).contains(r), (0..<size).contains(c) else { continue }
                    let ring = max(abs(dx), abs(dy))
                    set(row: r, column: c, ring != 2 && ring != 4)
                }
            }
        }
        for i in 8..<(size - 8) {
            set(row: 6, column: i, i % 2 == 0)
            set(row: i, column: 6, i % 2 == 0)
        }
        if let centre = version.alignment {
            for dy in -2...2 {
                for dx in -2...2 { set(row: centre + dy, column: centre + dx, max(abs(dx), abs(dy)) != 1) }
            }
        }
        drawFormat(bits: 0)
    }

    /// The 15 format bits of level M and `mask`: BCH(15,5) with generator 0x537, XORed with 0x5412 (§7.9.1).
    static func formatBits(mask: Int) -> Int {
        let data = 0b00 << 3 | mask  // level M is 00
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return (data << 10 | remainder) ^ 0x5412
    }

    /// The format information of level M and `mask`.
    mutating func drawFormat(mask: Int) { drawFormat(bits: Self.formatBits(mask: mask)) }

    /// Both copies of the format information (bit 0 is the least significant), and the dark module.
    mutating func drawFormat(bits: Int) {
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(row: i, column: 8, bit(i)) }
        set(row: 7, column: 8, bit(6))
        set(row: 8, column: 8, bit(7))
        set(row: 8, column: 7, bit(8))
        for i in 9..<15 { set(row: 8, column: 14 - i, bit(i)) }
        for i in 0..<8 { set(row: 8, column: size - 1 - i, bit(i)) }
        for i in 8..<15 { set(row: size - 15 + i, column: 8, bit(i)) }
        set(row: size - 8, column: 8, true)
    }

    /// The codewords' bits, most significant first, in two-module columns from the bottom right, up then down,
    /// skipping the vertical timing pattern (§7.7.3); the remainder bits stay light.
    mutating func place(_ codewords: [UInt8]) {
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let row = upward ? size - 1 - step : step
                for column in [right, right - 1] where !reserved[row][column] && index < codewords.count * 8 {
                    dark[row][column] = (codewords[index >> 3] >> (7 - index & 7)) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    /// Inverts the data modules where mask pattern `mask` holds (§7.8.2, table 10; i the row, j the column).
    mutating func apply(mask: Int) {
        for i in 0..<size {
            for j in 0..<size where !reserved[i][j] {
                let invert: Bool
                switch mask {
                case 0: invert = (i + j) % 2 == 0
                case 1: invert = i % 2 == 0
                case 2: invert = j % 3 == 0
                case 3: invert = (i + j) % 3 == 0
                case 4: invert = (i / 2 + j / 3) % 2 == 0
                case 5: invert = (i * j) % 2 + (i * j) % 3 == 0
                case 6: invert = ((i * j) % 2 + (i * j) % 3) % 2 == 0
                default: invert = ((i + j) % 2 + (i * j) % 3) % 2 == 0
                }
                if invert { dark[i][j].toggle() }
            }
        }
    }

    /// The mask penalty (§7.8.3, table 11): runs of five or more, 2 × 2 blocks, finder-like patterns, imbalance.
    func penalty() -> Int {
        var score = 0
        let columns = (0..<size).map { c in (0..<size).map { dark[$0][c] } }
        for line in dark + columns {
            var run = 1
            for k in 1...size {
                if k < size && line[k] == line[k - 1] {
                    run += 1
                } else {
                    if run >= 5 { score += 3 + run - 5 }
                    run = 1
                }
            }
            let pattern: [Bool] = [true, false, true, true, true, false, true]
            for k in 0...(size - 7) where Array(line[k..<k + 7]) == pattern {
                let before = (max(0, k - 4)..<k).allSatisfy { !line[$0] } && k >= 4
                let after = (k + 7..<min(size, k + 11)).allSatisfy { !line[$0] } && k + 11 <= size
                if before { score += 40 }
                if after { score += 40 }
            }
        }
        for i in 0..<(size - 1) {
            for j in 0..<(size - 1) {
                let c = dark[i][j]
                if dark[i + 1][j] == c && dark[i][j + 1] == c && dark[i + 1][j + 1] == c { score += 3 }
            }
        }
        let darkCount = dark.reduce(0) { $0 + $1.filter { $0 }.count }
        let total = size * size
        score += (abs(darkCount * 20 - total * 10) + total - 1) / total * 10 - 10
        return max(0, score)
    }
}

import Foundation
import Testing

@testable import IMISData

/// Amount texts parse and add exactly as Foundation's `Decimal` does, on the fast path and past it.
@Suite struct DecimalTextTests {
    static let posix = Locale(identifier: "en_US_POSIX")

    @Test(arguments: ["0", "-0", "0.00", "10.50", "007.10", "-12.345", "999999999999999999", "1000000000000000000",
                      "12345678901234567890.123", "0.000000001", "-0.0000000001", "10300.00"])
    func aPlainDecimalParsesAsFoundationParsesIt(_ text: String) throws {
        #expect(DecimalText.parse(text) == Decimal(string: text, locale: Self.posix))
        #expect(DecimalText.parse(text).map { "\($0)" } == Decimal(string: text, locale: Self.posix).map { "\($0)" })
    }

    @Test(arguments: ["", ".", "-", "-.5", ".5", "5.", "1.2.3", "1e5", "+1", " 1", "1,5", "--1", "1-"])
    func anythingElseIsNotADecimal(_ text: String) {
        #expect(DecimalText.parse(text) == nil)
    }

    @Test func sumsAreExactOnEveryPath() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let texts = (0..<Int.random(in: 0...40, using: &generator)).map { _ -> String in
                let whole = String(Int64.random(in: -1_000_000...1_000_000, using: &generator))
                let fraction = String(repeating: "7", count: Int.random(in: 0...4, using: &generator))
                return fraction.isEmpty ? whole : "\(whole).\(fraction)"
            }
            let expected = try texts.reduce(Decimal(0)) { $0 + (try #require(Decimal(string: $1, locale: Self.posix))) }
            #expect(try DecimalText.sum(texts) == expected, "\(texts)")
        }
        // Past the integer path: many fraction digits, a value of 20 digits, a sum beyond Int64.
        #expect(try DecimalText.sum(["0.0000000001", "1"]) == Decimal(string: "1.0000000001", locale: Self.posix))
        #expect(try DecimalText.sum(["12345678901234567890", "1.5"]) == Decimal(string: "12345678901234567891.5", locale: Self.posix))
        #expect(try DecimalText.sum(["9000000000000000000", "9000000000000000000"])
                == Decimal(string: "18000000000000000000", locale: Self.posix))
        #expect(throws: RegistryError.self) { try DecimalText.sum(["1", "x"]) }
    }
}

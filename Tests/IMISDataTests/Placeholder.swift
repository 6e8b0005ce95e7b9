import Testing
@testable import IMISData
@Test func placeholder() { #expect(Bool(true)) }

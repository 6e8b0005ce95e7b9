import Testing
@testable import Membership
@Test func placeholder() { #expect(Bool(true)) }

import Testing
@testable import FHIRServer
@Test func placeholder() { #expect(Bool(true)) }

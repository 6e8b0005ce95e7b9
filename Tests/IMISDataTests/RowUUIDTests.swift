import Testing
@testable import IMISData

@Suite("Row UUIDs")
struct RowUUIDTests {
    @Test func uuidsAreNormalizedToLowerCaseAndAnythingElseIsRefused() {
        #expect(RowUUID.normalized("3C9A7E10-5B2D-4F1E-8A6C-000000000302") == "3c9a7e10-5b2d-4f1e-8a6c-000000000302")
        #expect(RowUUID.normalized("3c9a7e10-5b2d-4f1e-8a6c-000000000302") == "3c9a7e10-5b2d-4f1e-8a6c-000000000302")
        for text in ["", "123456789", "3c9a7e10-5b2d-4f1e-8a6c-00000000030", "3c9a7e105b2d-4f1e-8a6c-0000000003021",
                     "3c9a7e10-5b2d-4f1e-8a6c-00000000030g", "3c9a7e10_5b2d-4f1e-8a6c-000000000302", "3c9a7e10-5b2d-4f1e-8a6c-0000000003é"] {
            #expect(RowUUID.normalized(text) == nil, "\(text)")
        }
        let made = RowUUID.make()
        #expect(RowUUID.normalized(made) == made)
    }
}

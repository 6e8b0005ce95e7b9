import Foundation
import Testing

@testable import FHIRModels

struct InvalidFixture: Sendable, CustomStringConvertible {
    let file: String
    let defect: String
    let path: String
    let code: String
    var description: String { file }

    static func all() -> [InvalidFixture] {
        guard let bytes = try? fixtureBytes("invalid", "manifest.json"),
            case .array(let items)? = try? JSONParser.parse(bytes)
        else { return [] }
        return items.compactMap { item in
            guard case .string(let file)? = item["file"], case .string(let defect)? = item["defect"],
                case .string(let path)? = item["path"], case .string(let code)? = item["code"]
            else { return nil }
            return InvalidFixture(file: file, defect: defect, path: path, code: code)
        }
    }
}

@Suite struct RejectionTests {
    static let cases = InvalidFixture.all()

    @Test func corpusHasAtLeastThirtyDefects() {
        #expect(Self.cases.count >= 30)
        #expect(Set(Self.cases.map(\.defect)).count >= 30, "one per kind of defect")
    }

    @Test(arguments: cases)
    func invalidInstanceIsRejectedAtItsPath(_ fixture: InvalidFixture) throws {
        let bytes = try fixtureBytes("invalid", fixture.file)
        do {
            let resource = try Resource.decode(bytes)
            Issue.record("\(fixture.file) (\(fixture.defect)) was accepted as \(resource.resourceType)")
        } catch {
            let match = error.issues.contains { $0.path == fixture.path && $0.code.rawValue == fixture.code }
            #expect(match, "\(fixture.file): expected \(fixture.code) at \(fixture.path), got \(error.issues)")
        }
    }
}

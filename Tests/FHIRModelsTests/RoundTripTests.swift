import Foundation
import Testing

@testable import FHIRModels

@Suite struct RoundTripTests {
    static let validFiles = fixtureFiles("valid")

    @Test func corpusIsLargeEnoughAndCoversEveryServedType() throws {
        #expect(Self.validFiles.count >= 40)
        var perType: [String: Int] = [:]
        for name in Self.validFiles {
            let json = try JSONParser.parse(try fixtureBytes("valid", name))
            if case .string(let type)? = json["resourceType"] { perType[type, default: 0] += 1 }
        }
        for type in Resource.supportedTypes {
            #expect(perType[type, default: 0] >= 2, "fewer than two fixtures of \(type)")
        }
    }

    @Test(arguments: validFiles)
    func fixtureDecodesAndReencodesToTheSameJSON(_ name: String) throws {
        let bytes = try fixtureBytes("valid", name)
        let original = try JSONParser.parse(bytes)
        let resource: Resource
        do {
            resource = try Resource.decode(bytes)
        } catch {
            Issue.record("\(name) was rejected: \(error)")
            return
        }
        let encoded = resource.jsonBytes()
        let reparsed = try JSONParser.parse(encoded)
        #expect(jsonDifference(original, reparsed) == nil, "\(name): \(jsonDifference(original, reparsed) ?? "")")
        // Pretty output is the same document.
        let pretty = try JSONParser.parse(resource.jsonBytes(pretty: true))
        #expect(jsonDifference(reparsed, pretty) == nil)
        // A second pass is stable byte for byte.
        #expect(try Resource.decode(encoded).jsonBytes() == encoded)
    }
}

import FHIRModels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IMISData
import Logging
import NIOCore
import Testing

@testable import FHIRServer

/// A fixed clock for the demo data, so `meta.lastUpdated` is known.
let demoInstant = Date(timeIntervalSince1970: 1_700_000_000)

/// A fresh in-memory database with the demo dataset, and the application over it.
func makeTestApplication(configuration: ServerConfiguration = ServerConfiguration()) throws -> (some ApplicationProtocol, IMISDatabase) {
    let database = try IMISDatabase.inMemory()
    try database.migrate()
    try DemoDataset.load(into: database, clock: .fixed(demoInstant))
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let app = buildApplication(ApplicationEnvironment(configuration: configuration, database: database, logger: logger))
    return (app, database)
}

/// The parsed body of a response, checked to be valid FHIR R4 by the project's own validator.
func fhirBody(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
    let bytes = Array(buffer: response.body)
    do {
        _ = try Resource.decode(bytes)
    } catch {
        Issue.record("the server emitted invalid FHIR: \(error)", sourceLocation: sourceLocation)
    }
    do {
        return try JSONParser.parse(bytes)
    } catch {
        Issue.record("the body is not JSON: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

extension JSON {
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var array: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    var number: String? { if case .number(let n) = self { return n } else { return nil } }
}

/// The ids of the entries of a searchset Bundle.
func entryIDs(_ bundle: JSON) -> [String] {
    (bundle["entry"]?.array ?? []).compactMap { $0["resource"]?["id"]?.string }
}

/// The first issue's code of an OperationOutcome.
func issueCode(_ outcome: JSON) -> String? { outcome["issue"]?.array?.first?["code"]?.string }

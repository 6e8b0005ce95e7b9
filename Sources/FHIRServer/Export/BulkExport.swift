import Foundation
import IMISData
import Logging
import Membership

/// `$export` run by the operator straight from the database into a folder (the `export` command): the same
/// parameters, the same files and lines as the HTTP export of a client that may read everything.
public struct BulkExport: Sendable {
    /// What an export wrote.
    public struct Summary: Sendable {
        public var output: [ExportFile]
        public var errors: [ExportFile]
        public var transactionTime: Date
        /// Every resource written.
        public var resources: Int { output.reduce(0) { $0 + $1.count } }
    }

    let service: FHIRService

    /// The export over `storage`, mapping as `mapping` says.
    public init(storage: Storage, mapping: MappingContext = MappingContext(), logger: Logger) {
        service = FHIRService(
            configuration: ServerConfiguration(resourceCacheBytes: 0),
            providers: RegistryProviders.all(store: storage.store, mapping: mapping), units: storage.store, logger: logger)
    }

    /// The parameters of an export at `level` (of `groupID` for a Group), checked as a kick-off checks them; the
    /// message of the first problem otherwise.
    public func parameters(_ items: [(name: String, value: String)], level: ExportParameters.Level, groupID: String?)
        async throws(FHIRError) -> ExportParameters
    {
        if let groupID { _ = try await service.provider("Group").read(id: groupID) }
        let searchable = service.providers.filter { $0.value.interactions.contains(.searchType) }
        return try ExportParameters.parse(items, level: level, groupID: groupID, searchable: searchable)
    }

    /// Writes the export into `folder`, after waiting `settle` seconds past its transaction time; `progress` is
    /// told the resources written and the type being written after every page.
    public func run(_ parameters: ExportParameters, folder: String, settle: TimeInterval, maxFileBytes: Int,
                    progress: @escaping @Sendable (_ written: Int, _ type: String) -> Void) async throws -> Summary {
        let transactionTime = Date()
        if settle > 0 { try await Task.sleep(nanoseconds: UInt64(settle * 1e9)) }
        let runner = ExportRunner(
            service: service, principal: .system(clientID: "imis-fhir export", scopes: SMARTScope.parse("system/*.rs")),
            parameters: parameters, transactionTime: transactionTime, folder: URL(fileURLWithPath: folder, isDirectory: true),
            maxFileBytes: maxFileBytes)
        let files = try await runner.run { written, type in progress(written, type) }
        return Summary(output: files.output, errors: files.errors, transactionTime: transactionTime)
    }

    /// The manifest the status endpoint would answer, with file URLs relative to the folder.
    public static func manifest(_ summary: Summary, request: String) -> [UInt8] {
        let entry = { (file: ExportFile) -> [String: Any] in ["type": file.type, "url": file.name, "count": file.count] }
        let manifest: [String: Any] = [
            "transactionTime": ExportClock.instant(summary.transactionTime), "request": request,
            "requiresAccessToken": false, "output": summary.output.map(entry), "error": summary.errors.map(entry),
        ]
        let data = try? JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }
}

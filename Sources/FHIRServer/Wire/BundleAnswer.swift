import FHIRModels
import Foundation
import HTTPTypes

/// The answer to a batch or transaction (http://hl7.org/fhir/R4/http.html#transaction-response), assembled as
/// compact JSON within the server's answer budget (`RESPONSE_MAX_MB`): each entry's resource or OperationOutcome is
/// copied in as its handler wrote it, never decoded and encoded again, so the answer costs its own bytes and no more.
///
/// Past the budget, an entry that reads (GET, HEAD) is answered 413 without running; an entry that writes still runs
/// and is answered with its status, location and version, without its resource (as `Prefer: return=minimal` would).
struct BundleAnswer {
    let type: BundleType
    let base: String
    let budget: Int
    private(set) var used = 0
    private var entries: [[UInt8]] = []

    init(type: BundleType, base: String, budget: Int) {
        self.type = type
        self.base = base
        self.budget = budget
    }

    /// Whether the answer has no room left for another read.
    var isFull: Bool { used >= budget }

    /// The error an entry that reads gets once the answer is full.
    static func overBudget(_ budget: Int) -> FHIRError {
        FHIRError(
            .tooLarge,
            "the answer reached its size limit of \(budget / 1_048_576) MB (RESPONSE_MAX_MB); this entry was not answered: ask for it in a request of its own")
    }

    /// Adds the answer of `entry`. Returns false when a read did not fit (then nothing was added).
    mutating func add(_ response: FHIRResponse, for entry: BundleEntryRequest) -> Bool {
        let reads = entry.method == .get || entry.method == .head
        let body = entry.method == .head ? [] : response.body
        let bodyType = Self.resourceType(of: body)
        let isOutcome = bodyType == "OperationOutcome"
        var keepBody = !body.isEmpty
        if keepBody && !isOutcome && used + body.count > budget {
            if reads { return false }
            keepBody = false
        }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        var members = 0
        func member(_ name: String, _ value: [UInt8]) {
            if members > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "\"\(name)\":".utf8)
            bytes.append(contentsOf: value)
            members += 1
        }
        if !isOutcome, let bodyType, bodyType != "Bundle", let id = response.resourceID {
            var writer = JSONWriter(capacity: 128)
            writer.writeString("\(base)/\(bodyType)/\(id)")
            member("fullUrl", writer.bytes)
        }
        if keepBody && !isOutcome { member("resource", body) }
        var writer = JSONWriter(capacity: 256)
        FHIRBundleEntryResponse(
            status: FHIRPrimitive(FHIRString(FHIRService.statusLine(response.status))),
            location: response.headers[.location].map { FHIRPrimitive(FHIRURI($0)) },
            etag: response.headers[.eTag].map { FHIRPrimitive(FHIRString($0)) },
            lastModified: response.lastModified.map { FHIRPrimitive(FHIRInstant($0)) }
        ).encode(to: &writer)
        var responseJSON = writer.bytes
        if keepBody && isOutcome, responseJSON.last == UInt8(ascii: "}") {
            // `outcome` is the last member of Bundle.entry.response.
            responseJSON.removeLast()
            responseJSON.append(contentsOf: #","outcome":"#.utf8)
            responseJSON.append(contentsOf: body)
            responseJSON.append(UInt8(ascii: "}"))
        }
        member("response", responseJSON)
        bytes.append(UInt8(ascii: "}"))
        append(bytes)
        return true
    }

    /// Adds an entry already made as a model (a failed entry's status and OperationOutcome).
    mutating func add(_ entry: FHIRBundleEntry) {
        var writer = JSONWriter(capacity: 512)
        entry.encode(to: &writer)
        append(writer.bytes)
    }

    private mutating func append(_ bytes: [UInt8]) {
        used += bytes.count
        entries.append(bytes)
    }

    /// The Bundle as the response to the request, compact or pretty.
    func response(pretty: Bool) -> FHIRResponse {
        let head = FHIRBundle(type: FHIRPrimitive(type)).jsonBytes()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(used + head.count + entries.count + 16)
        bytes.append(contentsOf: head.dropLast())
        if !entries.isEmpty {
            bytes.append(contentsOf: #","entry":["#.utf8)
            for (index, entry) in entries.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: entry)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "}"))
        if pretty, let json = try? JSONParser.parse(bytes) {
            var writer = JSONWriter(pretty: true, capacity: bytes.count * 2)
            writer.writeJSON(json)
            bytes = writer.bytes
        }
        return FHIRResponse(status: .ok, headers: [.contentType: FHIRFormat.mediaType], body: bytes)
    }

    /// The `resourceType` of compact FHIR JSON as this server writes it (`{"resourceType":"Patient",...`).
    static func resourceType(of body: [UInt8]) -> String? {
        let prefix = Array(#"{"resourceType":""#.utf8)
        guard body.count > prefix.count, body.starts(with: prefix) else { return nil }
        guard let end = body[prefix.count...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: body[prefix.count..<end], as: UTF8.self)
    }
}

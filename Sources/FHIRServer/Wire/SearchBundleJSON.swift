import FHIRModels

/// The compact JSON of a searchset Bundle whose matches are all cached renderings: the Bundle's own members
/// through the generated encoder, the matches' JSON copied in as it is, so that no match is decoded or
/// encoded again. The bytes equal those of encoding the same Bundle with the models (a test holds them so).
enum SearchBundleJSON {
    /// nil unless every match carries its JSON (then the caller encodes the Bundle as usual).
    static func encode(
        total: Int?, links: [FHIRBundleLink], matches: [StoredResource], base: String, type: String
    ) -> [UInt8]? {
        guard !matches.isEmpty else { return nil }
        var size = 256
        for match in matches {
            guard let json = match.json, match.resourceID != nil else { return nil }
            size += json.count + base.utf8.count + 96
        }
        // `entry` is the last member the encoder writes for a searchset (`signature` is never set here).
        let head = FHIRBundle(
            type: FHIRPrimitive(.searchset), total: total.map { FHIRPrimitive(FHIRUnsignedInt(UInt32(clamping: $0))) },
            link: links
        ).jsonBytes()
        guard head.last == UInt8(ascii: "}") else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size + head.count)
        bytes.append(contentsOf: head.dropLast())
        bytes.append(contentsOf: #","entry":["#.utf8)
        for (index, match) in matches.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            var fullUrl = JSONWriter(capacity: 128)
            fullUrl.writeString("\(base)/\(type)/\(match.resourceID ?? "")")
            bytes.append(contentsOf: #"{"fullUrl":"#.utf8)
            bytes.append(contentsOf: fullUrl.bytes)
            bytes.append(contentsOf: #","resource":"#.utf8)
            bytes.append(contentsOf: match.json ?? [])
            bytes.append(contentsOf: #","search":{"mode":"match"}}"#.utf8)
        }
        bytes.append(contentsOf: "]}".utf8)
        return bytes
    }
}

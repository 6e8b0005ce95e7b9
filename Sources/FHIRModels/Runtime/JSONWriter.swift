/// A direct JSON writer into a byte buffer, used by the generated `encode(to:)` methods.
///
/// It enforces the FHIR JSON output rules (http://hl7.org/fhir/R4/json.html): objects that end up
/// with no members, empty arrays and empty strings are not written, together with their key.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    public let pretty: Bool
    private var first = true
    private var depth = 0
    /// Set by `endObject`/`endArray`: whether the container just closed had no members.
    private var lastContainerEmpty = false

    public init(pretty: Bool = false, capacity: Int = 1024) {
        self.pretty = pretty
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: structure

    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        depth += 1
        first = true
    }

    public mutating func endObject() {
        depth -= 1
        lastContainerEmpty = first
        if pretty && !first { newline() }
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    public mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        depth += 1
        first = true
    }

    public mutating func endArray() {
        depth -= 1
        lastContainerEmpty = first
        if pretty && !first { newline() }
        bytes.append(UInt8(ascii: "]"))
        first = false
    }

    private mutating func newline() {
        bytes.append(0x0A)
        for _ in 0..<depth { bytes.append(0x20); bytes.append(0x20) }
    }

    /// Writes the separator before the next member or array item.
    public mutating func separator() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        if pretty { newline() }
        first = false
    }

    /// Writes `"key":` (with the separator before it).
    public mutating func key(_ key: String) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: key.utf8)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(0x20) }
    }

    // MARK: scalars

    public mutating func writeString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        let plain = value.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if plain != true { writeEscaped(value) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscaped(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(byte)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }

    /// Writes text that is already valid JSON (a number's source text).
    public mutating func writeRaw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func writeBool(_ value: Bool) { writeRaw(value ? "true" : "false") }

    public mutating func writeNull() { writeRaw("null") }

    /// Writes an arbitrary ``JSON`` value (used for pass-through content).
    public mutating func writeJSON(_ value: JSON) {
        switch value {
        case .null: writeNull()
        case .bool(let b): writeBool(b)
        case .number(let n): writeRaw(n)
        case .string(let s): writeString(s)
        case .array(let items):
            beginArray()
            for item in items {
                separator()
                writeJSON(item)
            }
            endArray()
        case .object(let members):
            beginObject()
            for m in members {
                separator()
                writeString(m.key)
                bytes.append(UInt8(ascii: ":"))
                if pretty { bytes.append(0x20) }
                writeJSON(m.value)
            }
            endObject()
        }
    }

    // MARK: fields with the FHIR omission rules

    /// Writes `"key": "value"` unless the value is nil or empty.
    public mutating func field(_ name: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        key(name)
        writeString(value)
    }

    /// Writes a complex element; nothing when nil or when it turns out to have no content.
    public mutating func field<T: FHIRElement>(_ name: String, _ value: T?) {
        guard let value else { return }
        let mark = bytes.count
        let firstBefore = first
        key(name)
        value.encode(to: &self)
        if lastContainerEmpty { rollback(to: mark, first: firstBefore) }
    }

    /// Writes an array of complex elements, skipping empty items; nothing when no item remains.
    public mutating func field<T: FHIRElement>(_ name: String, _ values: [T]?) {
        guard let values, !values.isEmpty else { return }
        let mark = bytes.count
        let firstBefore = first
        key(name)
        beginArray()
        for value in values {
            let itemMark = bytes.count
            let itemFirst = first
            separator()
            value.encode(to: &self)
            if lastContainerEmpty { rollback(to: itemMark, first: itemFirst) }
        }
        endArray()
        if lastContainerEmpty { rollback(to: mark, first: firstBefore) }
    }

    /// Writes a primitive element and its `_name` sibling (id and extensions) as needed.
    public mutating func primitive<V>(_ name: String, _ element: FHIRPrimitive<V>?) {
        guard let element else { return }
        if let value = element.value, !value.isEmptyValue {
            key(name)
            value.encodeValue(to: &self)
        }
        if element.hasElementContent {
            let mark = bytes.count
            let firstBefore = first
            key("_" + name)
            element.encodeElementContent(to: &self)
            if lastContainerEmpty { rollback(to: mark, first: firstBefore) }
        }
    }

    /// Writes a primitive array: values with `null` placeholders, and `_name` with `null` where an
    /// item has no id or extension (http://hl7.org/fhir/R4/json.html#primitive).
    public mutating func primitive<V>(_ name: String, _ elements: [FHIRPrimitive<V>]?) {
        guard let elements, !elements.isEmpty else { return }
        let hasValues = elements.contains { $0.value.map { !$0.isEmptyValue } ?? false }
        let hasContent = elements.contains { $0.hasElementContent }
        if hasValues {
            key(name)
            beginArray()
            for element in elements {
                separator()
                if let value = element.value, !value.isEmptyValue {
                    value.encodeValue(to: &self)
                } else {
                    writeNull()
                }
            }
            endArray()
        }
        if hasContent {
            key("_" + name)
            beginArray()
            for element in elements {
                separator()
                if element.hasElementContent {
                    element.encodeElementContent(to: &self)
                } else {
                    writeNull()
                }
            }
            endArray()
        }
    }

    private mutating func rollback(to mark: Int, first firstBefore: Bool) {
        bytes.removeSubrange(mark..<bytes.count)
        first = firstBefore
        lastContainerEmpty = false
    }
}

// The decoding helpers the generated `init(json:ctx:)` methods call.

extension DecodingContext {
    // MARK: decoding helpers used by generated code

    /// Decodes a plain string (element ids, extension urls, resource ids).
    public mutating func plainString(_ json: JSON?, _ name: String) -> String? {
        guard let json else { return nil }
        push(name)
        defer { pop() }
        guard case .string(let s) = json else {
            if case .array = json { issue(.structure, "expected string, found array") } else
            if case .object = json { issue(.structure, "expected string, found object") } else {
                issue(.value, "expected string, found \(json.kindName)")
            }
            return nil
        }
        if s.isEmpty {
            issue(.structure, "empty string")
            return nil
        }
        return s
    }

    /// Decodes a single complex element.
    public mutating func element<T: FHIRElement>(_ type: T.Type, _ json: JSON?, _ name: String) -> T? {
        guard let json else { return nil }
        push(name)
        defer { pop() }
        if case .array = json {
            issue(.structure, "expected a single object, found array")
            return nil
        }
        do { return try T(json: json, ctx: &self) } catch { return nil }
    }

    /// Decodes an array of complex elements.
    public mutating func elements<T: FHIRElement>(_ type: T.Type, _ json: JSON?, _ name: String) -> [T]? {
        guard let json else { return nil }
        push(name)
        defer { pop() }
        guard case .array(let items) = json else {
            issue(.structure, "expected array, found \(json.kindName)")
            return nil
        }
        if items.isEmpty {
            issue(.structure, "empty array")
            return nil
        }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            push(index: i)
            if case .null = item {
                issue(.structure, "null is not allowed here")
            } else if let value = try? T(json: item, ctx: &self) {
                result.append(value)
            }
            pop()
        }
        return result
    }

    /// Decodes a single primitive from its value and its `_name` sibling.
    public mutating func primitive<V: FHIRPrimitiveValue>(
        _ type: V.Type, _ json: JSON?, _ ext: JSON?, _ name: String
    ) -> FHIRPrimitive<V>? {
        guard json != nil || ext != nil else { return nil }
        push(name)
        defer { pop() }
        var value: V?
        if let json {
            switch json {
            case .array: issue(.structure, "expected a single value, found array")
            case .object: issue(.structure, "expected a primitive value, found object")
            case .null: issue(.structure, "null is not allowed here")
            default: value = V.decodeValue(json, ctx: &self)
            }
        }
        var element = FHIRPrimitive<V>(value)
        if let ext {
            if case .array = ext {
                issue(.structure, "expected a single object for '_\(name)', found array")
            } else {
                decodeElementContent(ext, into: &element)
            }
        }
        return element
    }

    /// Decodes a primitive array from the value array and the `_name` array, with `null` placeholders.
    public mutating func primitives<V: FHIRPrimitiveValue>(
        _ type: V.Type, _ json: JSON?, _ ext: JSON?, _ name: String
    ) -> [FHIRPrimitive<V>]? {
        guard json != nil || ext != nil else { return nil }
        push(name)
        defer { pop() }
        var values: [JSON] = []
        var exts: [JSON] = []
        if let json {
            guard case .array(let items) = json else {
                issue(.structure, "expected array, found \(json.kindName)")
                return nil
            }
            values = items
        }
        if let ext {
            guard case .array(let items) = ext else {
                issue(.structure, "expected array for '_\(name)', found \(ext.kindName)")
                return nil
            }
            exts = items
        }
        if json != nil && ext != nil && values.count != exts.count {
            issue(.structure, "'\(name)' and '_\(name)' have different lengths")
            return nil
        }
        let count = max(values.count, exts.count)
        if count == 0 {
            issue(.structure, "empty array")
            return nil
        }
        var result: [FHIRPrimitive<V>] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            push(index: i)
            var element = FHIRPrimitive<V>(nil)
            let item = i < values.count ? values[i] : JSON.null
            switch item {
            case .null: break
            case .array, .object: issue(.structure, "expected a primitive value, found \(item.kindName)")
            default: element.value = V.decodeValue(item, ctx: &self)
            }
            let extItem = i < exts.count ? exts[i] : JSON.null
            if case .null = extItem {
                if case .null = item { issue(.structure, "null in both '\(name)' and '_\(name)'") }
            } else {
                decodeElementContent(extItem, into: &element)
            }
            result.append(element)
            pop()
        }
        return result
    }

    /// Reads `{ "id": ..., "extension": [...] }` of a primitive's `_name` sibling.
    mutating func decodeElementContent<V>(_ json: JSON, into element: inout FHIRPrimitive<V>) {
        guard case .object(let members) = json else {
            issue(.structure, "expected object for the primitive's extension content, found \(json.kindName)")
            return
        }
        if members.isEmpty {
            issue(.structure, "empty object: an element must have a value or children (ele-1)")
            return
        }
        var idSlot: JSON?
        var extSlot: JSON?
        for m in members {
            switch m.key {
            case "id": slot(&idSlot, m)
            case "extension": slot(&extSlot, m)
            default: unknown(m)
            }
        }
        element.id = plainString(idSlot, "id")
        element.extension = elements(Extension.self, extSlot, "extension")
    }

    /// Checks an object is not empty (ele-1) and returns its members.
    public mutating func members(_ json: JSON) throws(DecodeAbort) -> [JSONMember] {
        guard case .object(let members) = json else { throw wrongType(json, expected: "object") }
        if members.isEmpty {
            issue(.structure, "empty object: an element must have a value or children (ele-1)")
            throw DecodeAbort()
        }
        return members
    }
}

extension DecodingContext {
    /// Picks the single variant of a choice element (`value[x]`) from its members; reports two
    /// different variants, duplicates, and a `_name` sibling without its own variant's base.
    public mutating func choice(_ members: [JSONMember]) -> (key: String, value: JSON?, ext: JSON?)? {
        guard !members.isEmpty else { return nil }
        var chosen: String?
        var value: JSON?
        var ext: JSON?
        for m in members {
            let isExt = m.key.hasPrefix("_")
            let name = isExt ? String(m.key.dropFirst()) : m.key
            if let chosen, chosen != name {
                issue(.structure, "only one type of a choice element is allowed ('\(chosen)' and '\(name)')", child: m.key)
                return nil
            }
            chosen = name
            if isExt {
                if ext != nil { issue(.structure, "duplicate property '\(m.key)'", child: m.key) }
                ext = m.value
            } else {
                if value != nil { issue(.structure, "duplicate property '\(m.key)'", child: m.key) }
                value = m.value
            }
        }
        guard let chosen else { return nil }
        return (chosen, value, ext)
    }
}

extension FHIRElement {
    /// Checks the invariants of this type that the structure alone cannot express; the generated
    /// decoders call it after building each element. Types with rules (ext-1, dom-2…dom-5, bdl-*)
    /// declare their own `checkInvariants`.
    public static func checkInvariants(_ value: Self, json: JSON, ctx: inout DecodingContext) {}
}

extension DecodingContext {
    /// Decodes `Resource.id`, which must match the `id` type's pattern `[A-Za-z0-9\-\.]{1,64}`.
    public mutating func resourceId(_ json: JSON?) -> String? {
        guard let id = plainString(json, "id") else { return nil }
        if let reason = FHIRStringKinds.Id.validate(id) {
            issue(.value, reason, child: "id")
            return nil
        }
        return id
    }
}

extension DecodingContext {
    /// Decodes `DomainResource.contained`, marking the resources inside as contained.
    public mutating func containedResources(_ json: JSON?) -> [Resource]? {
        containedDepth += 1
        defer { containedDepth -= 1 }
        return elements(Resource.self, json, "contained")
    }
}

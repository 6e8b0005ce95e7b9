extension Resource {
    /// The `resourceType` of the resource inside.
    public var resourceType: String { type(of: resource).resourceType }

    /// The logical id of the resource inside.
    public var id: String? { resource.id }

    /// The metadata of the resource inside.
    public var meta: Meta? { resource.meta }

    /// The resource inside when it is of type `T`.
    public func `as`<T: FHIRResource>(_ type: T.Type) -> T? { resource as? T }

    /// Reads and checks `resourceType` of a JSON object before dispatching on it.
    static func resourceType(of json: JSON, ctx: inout DecodingContext) throws(DecodeAbort) -> String {
        guard case .object(let members) = json else {
            throw ctx.wrongType(json, expected: "a resource object")
        }
        guard let member = members.first(where: { $0.key == "resourceType" }) else {
            ctx.issue(.structure, "missing resourceType")
            throw DecodeAbort()
        }
        guard case .string(let type) = member.value else {
            ctx.issue(.structure, "resourceType must be a string")
            throw DecodeAbort()
        }
        guard supportedTypes.contains(type) else {
            ctx.issue(.structure, "unknown or unsupported resourceType '\(type)'")
            throw DecodeAbort()
        }
        return type
    }
}

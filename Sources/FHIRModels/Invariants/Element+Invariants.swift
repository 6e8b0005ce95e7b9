// Invariants of the base datatypes (http://hl7.org/fhir/R4/extensibility.html#Extension,
// http://hl7.org/fhir/R4/datatypes.html).

extension Extension {
    /// ext-1: an extension has either nested extensions or a value, not both and not neither.
    public static func checkInvariants(_ value: Extension, json: JSON, ctx: inout DecodingContext) {
        let hasExtensions = !(value.extension?.isEmpty ?? true)
        let hasValue = value.value != nil
        if hasExtensions == hasValue {
            ctx.issue(.invariant, "ext-1: must have either extensions or value[x], not both")
        }
    }
}

extension Reference {
    /// ref-1: a literal reference to a contained resource starts with '#'; a reference must say something.
    public static func checkInvariants(_ value: Reference, json: JSON, ctx: inout DecodingContext) {
        if value.reference == nil && value.identifier == nil && value.display == nil && value.type == nil
            && (value.extension?.isEmpty ?? true)
        {
            ctx.issue(.invariant, "ele-1: a Reference must have a reference, identifier or display")
        }
    }
}

extension Period {
    /// per-1: if present, start SHALL have a lower value than end.
    public static func checkInvariants(_ value: Period, json: JSON, ctx: inout DecodingContext) {
        if let start = value.start?.value?.parts, let end = value.end?.value?.parts,
            start.lowerBound > end.upperBound
        {
            ctx.issue(.invariant, "per-1: start must not be after end")
        }
    }
}

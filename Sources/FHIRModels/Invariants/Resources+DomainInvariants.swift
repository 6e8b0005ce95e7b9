// dom-2…dom-5 for every served DomainResource (see DomainResourceInvariants).

extension ActivityDefinition {
    public static func checkInvariants(_ value: ActivityDefinition, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension CapabilityStatement {
    public static func checkInvariants(_ value: CapabilityStatement, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Claim {
    public static func checkInvariants(_ value: Claim, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension ClaimResponse {
    public static func checkInvariants(_ value: ClaimResponse, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Contract {
    public static func checkInvariants(_ value: Contract, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Coverage {
    public static func checkInvariants(_ value: Coverage, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension CoverageEligibilityRequest {
    public static func checkInvariants(_ value: CoverageEligibilityRequest, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension CoverageEligibilityResponse {
    public static func checkInvariants(_ value: CoverageEligibilityResponse, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension FHIRGroup {
    public static func checkInvariants(_ value: FHIRGroup, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension InsurancePlan {
    public static func checkInvariants(_ value: InsurancePlan, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Invoice {
    public static func checkInvariants(_ value: Invoice, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Location {
    public static func checkInvariants(_ value: Location, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Medication {
    public static func checkInvariants(_ value: Medication, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension OperationOutcome {
    public static func checkInvariants(_ value: OperationOutcome, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Organization {
    public static func checkInvariants(_ value: Organization, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Patient {
    public static func checkInvariants(_ value: Patient, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension PaymentNotice {
    public static func checkInvariants(_ value: PaymentNotice, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension PaymentReconciliation {
    public static func checkInvariants(_ value: PaymentReconciliation, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Practitioner {
    public static func checkInvariants(_ value: Practitioner, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension PractitionerRole {
    public static func checkInvariants(_ value: PractitionerRole, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

extension Subscription {
    public static func checkInvariants(_ value: Subscription, json: JSON, ctx: inout DecodingContext) {
        DomainResourceInvariants.check(contained: value.contained, json: json, ctx: &ctx)
    }
}

/// Canonical URLs of the openIMIS FHIR R4 IG (reference §1.7, §3.15) and of the HL7 code systems
/// the mappings use, plus recognition of the spellings openIMIS clients send.
///
/// Output always uses the canonical form `https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/<id>`
/// and `.../CodeSystem/<id>` (mapping.md decision 1). Input also accepts the backend variants:
/// a double slash after the base, relative `CodeSystem/<id>`, the old `StructureDefinition-<id>` /
/// `CodeSystem-<id>` page names (with or without `.html`/`.json`), and the backend's own
/// aliases (e.g. `organization-legal-form` for `organization-hf-legal-form`).
public enum OpenIMISIG {
    /// The IG canonical base (no trailing slash).
    public static let base = "https://openimis.github.io/openimis_fhir_r4_ig"

    /// `<base>/StructureDefinition/<id>`.
    public static func structureDefinition(_ id: String) -> String { "\(base)/StructureDefinition/\(id)" }

    /// `<base>/CodeSystem/<id>`.
    public static func codeSystem(_ id: String) -> String { "\(base)/CodeSystem/\(id)" }

    /// The identifier type system (`openimis-identifiers`, codes `UUID` and `Code`).
    public static let identifierTypeSystem = codeSystem("openimis-identifiers")

    /// Extension ids (reference §3.15).
    public enum Ext {
        public static let patientIsHead = "patient-is-head"
        public static let patientEducationLevel = "patient-education-level"
        public static let patientProfession = "patient-profession"
        public static let patientCardIssued = "patient-card-issued"
        public static let patientGroupReference = "patient-group-reference"
        public static let patientIdentification = "patient-identification"
        public static let patientVulnerabilityStatus = "patient-vulnerability-status"
        public static let addressMunicipality = "address-municipality"
        public static let addressLocationReference = "address-location-reference"
        public static let groupAddress = "group-address"
        public static let groupPovertyStatus = "group-poverty-status"
        public static let groupType = "group-type"
        public static let groupConfirmation = "group-confirmation"
        public static let organizationHFLegalForm = "organization-hf-legal-form"
        public static let organizationHFLevel = "organization-hf-level"
        public static let organizationHFCareType = "organization-hf-care-type"
        public static let organizationPHLegalForm = "organization-ph-legal-form"
        public static let organizationPHActivity = "organization-ph-activity"
        public static let practitionerRoleSubstitution = "practitioner-role-substitution-reference"
        public static let unitPrice = "unit-price"
        public static let medicationType = "medication-type"
        public static let medicationFrequency = "medication-frequency"
        public static let medicationUsageContext = "medication-usage-context"
        public static let activityDefinitionLevel = "activity-definition-level"
        public static let insurancePlanConversion = "insurance-plan-conversion"
        public static let insurancePlanMaxInstallments = "insurance-plan-max-installments"
        public static let insurancePlanPeriod = "insurance-plan-period"
        public static let insurancePlanDiscount = "insurance-plan-discount"
        /// `valueString` `DD-MM`, one per start cycle (the IG example `RX01` repeats it).
        public static let insurancePlanStartCycle = "insurance-plan-start-cycle"
    }

    /// Ids the backend writes instead of the IG id (reference §3.15, §7.3 item 10).
    static let extensionAliases: [String: String] = ["organization-legal-form": Ext.organizationHFLegalForm]

    /// The IG extension id named by `url` in any accepted spelling, else nil.
    public static func extensionId(of url: String) -> String? {
        guard let id = localId(of: url, kind: "StructureDefinition") else { return nil }
        return extensionAliases[id] ?? id
    }

    /// Whether `system` names the IG code system `id` in any accepted spelling.
    public static func isCodeSystem(_ system: String?, _ id: String) -> Bool {
        guard let system else { return false }
        return localId(of: system, kind: "CodeSystem") == id
    }

    /// The `<id>` of `<base>[/]/<kind>/<id>`, `<kind>/<id>`, `<base>/<kind>-<id>[.html|.json]`.
    static func localId(of url: String, kind: String) -> String? {
        var rest = Substring(url)
        for prefix in [base, "http://openimis.github.io/openimis_fhir_r4_ig"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            break
        }
        while rest.hasPrefix("/") { rest = rest.dropFirst() }
        guard rest.hasPrefix(kind) else { return nil }
        rest = rest.dropFirst(kind.count)
        guard let separator = rest.first, separator == "/" || separator == "-" else { return nil }
        rest = rest.dropFirst()
        for suffix in [".html", ".json"] where rest.hasSuffix(suffix) {
            rest = rest.dropLast(suffix.count)
        }
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return String(rest)
    }
}

/// HL7 code systems used by the mappings (http://terminology.hl7.org).
public enum HL7System {
    public static let maritalStatus = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"
    /// What the openIMIS backend writes and reads for marital status (reference §3.1) — accepted on input.
    public static let legacyMaritalStatus = "http://hl7.org/fhir/valueset-marital-status.html"
    public static let organizationType = "http://terminology.hl7.org/CodeSystem/organization-type"
    public static let contactEntityType = "http://terminology.hl7.org/CodeSystem/contactentity-type"
    public static let locationPhysicalType = "http://terminology.hl7.org/CodeSystem/location-physical-type"
    public static let roleCode = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
    public static let insurancePlanType = "http://terminology.hl7.org/CodeSystem/insurance-plan-type"
    public static let usageContextType = "http://terminology.hl7.org/CodeSystem/usage-context-type"
    public static let actCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    public static let administrativeGender = "http://hl7.org/fhir/administrative-gender"
}

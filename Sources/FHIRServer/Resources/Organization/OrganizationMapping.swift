import FHIRModels
import Foundation
import IMISData

/// Organization ← health facility (`prov`), policy holder (`bus`) and the configured insurer
/// (`ins`) (reference §3.9; IG profiles `openimis-health-facility-organization`,
/// `openimis-policy-holder-organization`, `openimis-insurance-organization`).
public enum OrganizationMapping {
    static let hfLevels = ["D": "Dispensary", "C": "Health Centre", "H": "Hospital"]
    static let hfCareTypes = ["I": "In-patient", "O": "Out-patient", "B": "Both"]
    static let hfLegalForms = ["C": "Charity", "D": "District organization", "G": "Government", "P": "Private organization"]
    static let phLegalForms = [
        1: "Personal Company", 2: "Limited Risk Company", 3: "Association", 4: "Government", 5: "Union",
    ]
    static let phActivities = [1: "Retail", 2: "Industry", 3: "Building", 4: "Sailing", 5: "Services"]

    static func type(_ code: String, _ display: String) -> [CodeableConcept] {
        [Build.concept(HL7System.organizationType, code, display)]
    }

    /// Renders a health facility: identifiers `UUID` + `Code` (`HFCode`), `type` prov, `name`,
    /// telecom (e-mail, phone, fax), the address (`line` = `HFAddress`, `district`, `state` = its
    /// region, `address-location-reference` → the district's Location, where the backend points
    /// at the Organization itself), one `PAYOR` contact per current claim administrator, and
    /// extensions `organization-hf-legal-form` (the backend's `organization-legal-form`),
    /// `organization-hf-level`, `organization-hf-care-type`.
    ///
    /// - Parameters:
    ///   - locations: the chain of the facility's district (`LocationId`).
    ///   - claimAdministrators: the facility's current claim administrators.
    public static func healthFacility(
        _ versioned: Versioned<HealthFacility>, locations: LocationChain, claimAdministrators: [ClaimAdministrator],
        codes: CodeDisplays = CodeDisplays(), context: MappingContext
    ) -> Organization {
        typealias X = OpenIMISIG.Ext
        let hf = versioned.record
        var org = Organization(id: hf.uuid.lowercased(), meta: Build.meta(versioned))
        var extensions: [Extension] = []
        if Build.string(hf.legalForm) != nil {
            let display = codes.display(.legalForm, hf.legalForm) ?? hfLegalForms[hf.legalForm]
            extensions.append(Build.ext(X.organizationHFLegalForm, .codeableConcept(
                Build.igConcept(X.organizationHFLegalForm, hf.legalForm, display))))
        }
        if Build.string(hf.level) != nil {
            extensions.append(Build.ext(X.organizationHFLevel, .codeableConcept(
                Build.igConcept(X.organizationHFLevel, hf.level, hfLevels[hf.level]))))
        }
        if Build.string(hf.careType) != nil {
            extensions.append(Build.ext(X.organizationHFCareType, .codeableConcept(
                Build.igConcept(X.organizationHFCareType, hf.careType, hfCareTypes[hf.careType]))))
        }
        org.extension = Build.nonEmpty(extensions)
        org.identifier = Build.identifiers(uuid: hf.uuid, code: hf.code, kind: .healthFacilityCode, context)
        org.type = type("prov", "Healthcare Provider")
        org.name = Build.string(hf.name)
        org.telecom = Build.telecom(phone: hf.phone, email: hf.email, fax: hf.fax)
        let district = LocationChain(district: locations.district, region: locations.region)
        org.address = [Build.address(district, line: hf.address, use: nil)]
        org.contact = Build.nonEmpty(claimAdministrators.map { admin in
            OrganizationContact(
                purpose: Build.concept(HL7System.contactEntityType, "PAYOR", "Payor"),
                name: Build.officialName(family: admin.lastName, given: admin.otherNames),
                telecom: Build.telecom(phone: admin.phone, email: admin.email))
        })
        return org
    }

    /// Renders a policy holder: identifiers `UUID` + `Code`, `type` bus, `name` = trade name,
    /// telecom, the address of its location chain (`line` from the `Address` JSON), a contact
    /// named from the `ContactName` JSON, extensions `organization-ph-legal-form` and
    /// `organization-ph-activity`. `meta` comes from `Version` / `DateUpdated`.
    public static func policyHolder(
        _ versioned: Versioned<PolicyHolder>, locations: LocationChain, context: MappingContext
    ) -> Organization {
        typealias X = OpenIMISIG.Ext
        let holder = versioned.record
        var org = Organization(
            id: holder.uuid.lowercased(), meta: Build.meta(versionId: versioned.versionId, lastUpdated: holder.dateUpdated))
        var extensions: [Extension] = []
        if let form = holder.legalForm {
            extensions.append(Build.ext(X.organizationPHLegalForm, .codeableConcept(
                Build.igConcept(X.organizationPHLegalForm, String(form), phLegalForms[form]))))
        }
        if let activity = holder.activityCode {
            extensions.append(Build.ext(X.organizationPHActivity, .codeableConcept(
                Build.igConcept(X.organizationPHActivity, String(activity), phActivities[activity]))))
        }
        org.extension = Build.nonEmpty(extensions)
        org.identifier = Build.identifiers(uuid: holder.uuid, code: holder.code, kind: .policyHolderCode, context)
        org.active = FHIRPrimitive(!holder.isDeleted)
        org.type = type("bus", "Non-Healthcare Business or Corporation")
        org.name = Build.string(holder.tradeName)
        org.telecom = Build.telecom(phone: holder.phone, email: holder.email, fax: holder.fax)
        let line = jsonField(holder.address, "address")
        if locations.leaf != nil || line != nil {
            org.address = [Build.address(locations, line: line, use: nil)]
        }
        if let name = Build.string(jsonField(holder.contactName, "contactName")) {
            org.contact = [OrganizationContact(name: HumanName(text: name))]
        }
        return org
    }

    /// Renders the configured insurer (`Organization/openIMIS-Implementation` by default):
    /// identifier `Code`, `type` ins, `name`, telecom, address, one `ADMIN` contact by name.
    public static func insurer(context: MappingContext) -> Organization {
        let insurer = context.insurer
        var org = Organization(id: insurer.id, meta: Build.meta(versionId: 1, lastUpdated: insurer.lastUpdated))
        org.identifier = [Build.identifier("Code", insurer.code, system: context.identifierSystem(.insurerCode))]
        org.type = type("ins", "Insurance Company")
        org.name = Build.string(insurer.name)
        org.telecom = Build.telecom(phone: insurer.phone, email: insurer.email, fax: insurer.fax)
        var extensions: [Extension] = []
        if let municipality = Build.string(insurer.municipality) {
            extensions.append(Build.ext(OpenIMISIG.Ext.addressMunicipality, .string(municipality)))
        }
        let address = Address(
            extension: Build.nonEmpty(extensions), type: FHIRPrimitive(.physical),
            line: Build.string(insurer.addressLine).map { [$0] }, city: Build.string(insurer.city),
            district: Build.string(insurer.district), state: Build.string(insurer.state))
        if address != Address(type: FHIRPrimitive(.physical)) { org.address = [address] }
        if let name = Build.string(insurer.contactName) {
            org.contact = [OrganizationContact(
                purpose: Build.concept(HL7System.contactEntityType, "ADMIN", "Administrative"),
                name: HumanName(text: name))]
        }
        return org
    }

    /// A string member of a JSON-object column (`{"address": "..."}`), or the text itself when
    /// the column does not hold a JSON object.
    static func jsonField(_ text: String?, _ key: String) -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard let json = try? JSONParser.parse(text), case .object = json else { return text }
        if case .string(let value)? = json[key] { return value }
        return nil
    }
}

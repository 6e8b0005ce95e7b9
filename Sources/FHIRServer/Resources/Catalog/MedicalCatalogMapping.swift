import FHIRModels
import Foundation
import IMISData

/// Medication ← `tblItems` and ActivityDefinition ← `tblServices` (reference §3.13; IG profiles
/// `openimis-medication`, `openimis-activitiy-definition`, examples `AspirinMedication`,
/// `GeneralConsultationService`).
public enum MedicalCatalogMapping {
    static let itemTypes = ["D": "Drug", "M": "Medical consumable"]
    static let serviceTypes = ["C": "Curative", "P": "Preventive"]
    static let serviceLevels = ["S": "Simple Service", "V": "Visit", "D": "Day of stay", "H": "Hospital case"]
    static let serviceCategories = [
        "S": "Surgery", "C": "Consultations", "D": "Delivery", "A": "Antenatal", "O": "Other", "H": "Hospitalization",
        "V": "Visit",
    ]

    /// Renders a medical item: identifiers `UUID` + `Code` (`ItemCode`), `code.text` = name,
    /// `status`, `form.text` and `amount` from `ItemPackage` (`"1000 TABLETS"` → 1000 TABLETS per
    /// 1), extensions `unit-price` (exact decimal, configured currency), `medication-type`,
    /// `medication-frequency` (every `ItemFrequency` days; `0` or NULL means no limit and writes none) and `medication-usage-context`
    /// (gender / age from `ItemPatCat`, venue from `ItemCareType`).
    public static func medication(_ versioned: Versioned<MedicalItem>, context: MappingContext) -> Medication {
        typealias X = OpenIMISIG.Ext
        let item = versioned.record
        var medication = Medication(id: item.uuid.lowercased(), meta: Build.meta(versioned))
        var extensions: [Extension] = []
        if let price = Build.money(item.price, context) {
            extensions.append(Build.ext(X.unitPrice, .money(price)))
        }
        if Build.string(item.type) != nil {
            extensions.append(Build.ext(X.medicationType, .codeableConcept(
                Build.igConcept("medication-item-type", item.type, itemTypes[item.type]))))
        }
        if let frequency = item.frequency, frequency > 0 {
            extensions.append(Build.ext(X.medicationFrequency, .timing(timing(days: frequency))))
        }
        let contexts = usageContexts(patientCategory: item.patientCategory, careType: item.careType, category: nil)
        if !contexts.isEmpty {
            extensions.append(Build.ext(X.medicationUsageContext, parts: contexts.map {
                Extension(url: $0.slice, value: .usageContext($0.context))
            }))
        }
        medication.extension = Build.nonEmpty(extensions)
        medication.identifier = Build.identifiers(uuid: item.uuid, code: item.code, kind: .itemCode, context)
        medication.code = CodeableConcept(text: Build.string(item.name))
        medication.status = FHIRPrimitive(item.isCurrent ? .active : .inactive)
        if let package = Build.string(item.package) {
            medication.form = CodeableConcept(text: package)
            medication.amount = amount(package.value?.string ?? "")
        }
        return medication
    }

    /// Renders a medical service: identifiers `UUID` + `Code` (`ServiceCode`), `name` = code,
    /// `title` = name, `status`, `date` (`ValidityFrom`), `useContext` (gender, age, workflow =
    /// `ServCategory`, venue), `topic` = service type, `kind` ServiceRequest, `timingTiming` (every
    /// `ServFrequency` days; none for `0` or NULL, no limit), extensions `unit-price` and `activity-definition-level`.
    public static func activityDefinition(
        _ versioned: Versioned<MedicalService>, context: MappingContext
    ) -> ActivityDefinition {
        typealias X = OpenIMISIG.Ext
        let service = versioned.record
        var definition = ActivityDefinition(
            id: service.uuid.lowercased(), meta: Build.meta(versioned),
            status: FHIRPrimitive(service.isCurrent ? .active : .retired))
        var extensions: [Extension] = []
        if let price = Build.money(service.price, context) {
            extensions.append(Build.ext(X.unitPrice, .money(price)))
        }
        if Build.string(service.level) != nil {
            extensions.append(Build.ext(X.activityDefinitionLevel, .codeableConcept(
                Build.igConcept(X.activityDefinitionLevel, service.level, serviceLevels[service.level]))))
        }
        definition.extension = Build.nonEmpty(extensions)
        definition.identifier = Build.identifiers(uuid: service.uuid, code: service.code, kind: .serviceCode, context)
        definition.name = Build.string(service.code)
        definition.title = Build.string(service.name)
        definition.date = Build.dateTime(service.validityFrom)
        definition.useContext = Build.nonEmpty(
            usageContexts(patientCategory: service.patientCategory, careType: service.careType, category: service.category)
                .map(\.context))
        if Build.string(service.type) != nil {
            definition.topic = [Build.igConcept("activity-definition-service-type", service.type, serviceTypes[service.type])]
        }
        definition.kind = FHIRPrimitive(.serviceRequest)
        if let frequency = service.frequency, frequency > 0 {
            definition.timing = .timing(timing(days: frequency))
        }
        return definition
    }

    /// "At most once every `days` days": `repeat.frequency` 1 per `period` days.
    static func timing(days: Int) -> Timing {
        Timing(repeat: TimingRepeat(
            frequency: FHIRPrimitive(FHIRPositiveInt(1)), period: Build.decimal(max(1, days)),
            periodUnit: FHIRPrimitive(.d)))
    }

    /// `ItemPackage` text → amount: the leading number over 1, the rest as the unit.
    static func amount(_ package: String) -> Ratio? {
        let text = package.drop(while: { $0 == " " })
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard let value = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        return Ratio(
            numerator: Quantity(value: Build.decimal(value), unit: Build.string(unit)),
            denominator: Quantity(value: Build.decimal(1)))
    }

    /// The usage contexts of an item or service (IG slices `Gender`, `Age`, `Category`, `CareType`):
    /// `PatCat` bits 1 man, 2 woman, 4 adult, 8 child; care type `O` → AMB, `I` → IMP, `B` → both.
    static func usageContexts(patientCategory: Int, careType: String, category: String?) -> [(slice: String, context: UsageContext)] {
        func usage(_ code: String, _ display: String, _ codings: [Coding]) -> UsageContext? {
            guard !codings.isEmpty else { return nil }
            return UsageContext(
                code: Build.coding(HL7System.usageContextType, code, display),
                value: .codeableConcept(CodeableConcept(coding: codings)))
        }
        var result: [(String, UsageContext)] = []
        var genders: [Coding] = []
        if patientCategory & 1 != 0 { genders.append(Build.coding(HL7System.administrativeGender, "male", "Male")) }
        if patientCategory & 2 != 0 { genders.append(Build.coding(HL7System.administrativeGender, "female", "Female")) }
        if let context = usage("gender", "Gender", genders) { result.append(("Gender", context)) }
        let ageSystem = OpenIMISIG.codeSystem("usage-context-age-type")
        var ages: [Coding] = []
        if patientCategory & 4 != 0 { ages.append(Build.coding(ageSystem, "adult", "Adult")) }
        if patientCategory & 8 != 0 { ages.append(Build.coding(ageSystem, "child", "Child")) }
        if let context = usage("age", "Age Range", ages) { result.append(("Age", context)) }
        if let category, let display = serviceCategories[category] {
            let coding = Build.coding(OpenIMISIG.codeSystem("activity-definition-usage-context-workflow-type"), category, display)
            if let context = usage("workflow", "Workflow Setting", [coding]) { result.append(("Category", context)) }
        }
        var venues: [Coding] = []
        if careType == "O" || careType == "B" { venues.append(Build.coding(HL7System.actCode, "AMB", "ambulatory")) }
        if careType == "I" || careType == "B" { venues.append(Build.coding(HL7System.actCode, "IMP", "inpatient encounter")) }
        if let context = usage("venue", "Clinical Venue", venues) { result.append(("CareType", context)) }
        return result
    }
}

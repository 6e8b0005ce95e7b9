import FHIRModels
import IMISData

/// Medication ← `tblItems`, ActivityDefinition ← `tblServices` (reference §3.13).
enum CatalogResources {
    static func medication(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<MedicalItem> {
        RegistryProvider<MedicalItem>(
            resourceType: "Medication", store: store,
            searchParameters: [
                .identifier(
                    code: MedicalItem.Column.itemCode, system: mapping.identifierSystems[.itemCode], uuid: MedicalItem.Column.itemUUID,
                    documentation: "Item code or UUID.")
            ],
            documentation: "Medical items (tblItems). Reads accept the UUID or the item code.",
            render: { row in .medication(MedicalCatalogMapping.medication(row, context: mapping)) })
    }

    static func activityDefinition(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<MedicalService> {
        RegistryProvider<MedicalService>(
            resourceType: "ActivityDefinition", store: store,
            searchParameters: [
                .identifier(
                    code: MedicalService.Column.serviceCode, system: mapping.identifierSystems[.serviceCode], uuid: MedicalService.Column.serviceUUID,
                    documentation: "Service code or UUID."),
                .text("name", columns: [MedicalService.Column.serviceName]),
            ],
            documentation: "Medical services (tblServices). Reads accept the UUID or the service code.",
            render: { row in .activityDefinition(MedicalCatalogMapping.activityDefinition(row, context: mapping)) })
    }
}

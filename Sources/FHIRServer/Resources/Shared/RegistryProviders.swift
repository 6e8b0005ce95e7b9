import IMISData

/// Every resource type the server serves, over the registry store.
enum RegistryProviders {
    static func all(store: any IMISStore, mapping: MappingContext, cache: RenderCache? = nil,
                    notices: PeopleNotices = .silent) -> [any ResourceProvider] {
        let codes = CodeDisplayCache()
        return [
            PatientResource.provider(store: store, mapping: mapping, codes: codes, cache: cache),
            GroupResource.provider(store: store, mapping: mapping, codes: codes),
            LocationResource.composite(store: store, mapping: mapping),
            OrganizationResource.provider(store: store, mapping: mapping, codes: codes),
            PractitionerResources.practitioner(store: store, mapping: mapping),
            PractitionerResources.practitionerRole(store: store, mapping: mapping),
            InsurancePlanResource.provider(store: store, mapping: mapping),
            CatalogResources.medication(store: store, mapping: mapping),
            CatalogResources.activityDefinition(store: store, mapping: mapping),
            CoverageResource.provider(store: store, mapping: mapping),
            ContractResource.provider(store: store, mapping: mapping),
            ClaimResources.claim(store: store, mapping: mapping, notices: notices),
            ClaimResources.claimResponse(store: store, mapping: mapping),
            InvoiceProvider(store: store, mapping: mapping),
            PaymentNoticeProvider(store: store, mapping: mapping, notices: notices),
            PaymentReconciliationProvider(store: store, mapping: mapping),
            EligibilityProvider(store: store, mapping: mapping),
        ]
    }
}

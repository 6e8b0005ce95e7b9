import FHIRModels

/// Builds the server's CapabilityStatement from the providers and the route table, so that what
/// `/metadata` promises is what the router and the search tables do
/// (http://hl7.org/fhir/R4/capabilitystatement.html). The committed `capability-statement.json`
/// is held equal to it by a test.
public enum CapabilityBuilder {
    public static let version = "0.1.0"

    public static func statement(providers: [any ResourceProvider]) -> CapabilityStatement {
        let resources = providers.sorted { $0.resourceType < $1.resourceType }.map { resource($0, among: providers) }
        return CapabilityStatement(
            id: "imis-fhir",
            url: "urn:imis-fhir:capability-statement",
            version: FHIRPrimitive(FHIRString(version)),
            name: "ImisFhirServer",
            title: "imis-fhir: FHIR R4 facade over openIMIS",
            status: FHIRPrimitive(.active),
            date: FHIRPrimitive(FHIRDateTime("2026-11-22")),
            publisher: "imis-fhir",
            description: "A FHIR R4 server over the openIMIS social health insurance domain.",
            kind: FHIRPrimitive(.instance),
            implementation: CapabilityStatementImplementation(description: "imis-fhir"),
            fhirVersion: FHIRPrimitive(._401),
            format: [FHIRPrimitive(FHIRCode("json")), FHIRPrimitive(FHIRCode("application/fhir+json"))],
            rest: [
                CapabilityStatementRest(
                    mode: FHIRPrimitive(.server),
                    resource: resources,
                    interaction: systemInteractions,
                    searchParam: commonSearchParameters)
            ])
    }

    /// The system-level interactions the route table serves (http://hl7.org/fhir/R4/http.html#transaction).
    static let systemInteractions: [CapabilityStatementRestInteraction] = [
        CapabilityStatementRestInteraction(
            code: FHIRPrimitive(.transaction),
            documentation: FHIRPrimitive(FHIRMarkdown(
                "All entries or none: one database transaction; urn:uuid references between entries are resolved; "
                    + "processed DELETE, POST, PUT, GET."))),
        CapabilityStatementRestInteraction(
            code: FHIRPrimitive(.batch),
            documentation: FHIRPrimitive(FHIRMarkdown("Entries processed one by one, in order, each answered on its own."))),
    ]

    static let commonSearchParameters: [CapabilityStatementRestResourceSearchParam] = [
        CapabilityStatementRestResourceSearchParam(
            name: "_id", definition: "http://hl7.org/fhir/SearchParameter/Resource-id", type: FHIRPrimitive(.token)),
        CapabilityStatementRestResourceSearchParam(
            name: "_lastUpdated", definition: "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
            type: FHIRPrimitive(.date)),
    ]

    static func resource(_ provider: any ResourceProvider, among providers: [any ResourceProvider])
        -> CapabilityStatementRestResource
    {
        let order: [Interaction] = [.read, .vread, .update, .delete, .historyInstance, .create, .searchType]
        let interactions = order.filter { provider.interactions.contains($0) }.compactMap { interaction in
            TypeRestfulInteraction(rawValue: interaction.rawValue).map {
                CapabilityStatementRestResourceInteraction(code: FHIRPrimitive($0))
            }
        }
        let params = provider.searchParameters.map { p in
            CapabilityStatementRestResourceSearchParam(
                name: FHIRPrimitive(FHIRString(p.name)),
                definition: definition(provider.resourceType, p.name).map { FHIRPrimitive(FHIRCanonical($0)) },
                type: FHIRPrimitive(p.type),
                documentation: p.documentation.isEmpty ? nil : FHIRPrimitive(FHIRMarkdown(p.documentation)))
        }
        // `_include` from this type's reference parameters; `_revinclude` from every parameter that can point here.
        let type = provider.resourceType
        let includes = provider.searchParameters.filter { $0.type == .reference && $0.references != nil }.map {
            FHIRPrimitive(FHIRString("\(type):\($0.name)"))
        }
        let revIncludes = providers.sorted { $0.resourceType < $1.resourceType }.flatMap { source in
            source.searchParameters.filter { $0.type == .reference && $0.targets.contains(type) }.map {
                FHIRPrimitive(FHIRString("\(source.resourceType):\($0.name)"))
            }
        }
        return CapabilityStatementRestResource(
            type: FHIRPrimitive(ResourceType(rawValue: provider.resourceType) ?? .patient),
            documentation: FHIRPrimitive(FHIRMarkdown(provider.documentation)),
            interaction: interactions,
            versioning: FHIRPrimitive(.versioned),
            readHistory: true,
            updateCreate: false,
            conditionalCreate: provider.interactions.contains(.create) ? true : nil,
            searchInclude: includes.isEmpty ? nil : includes,
            searchRevInclude: revIncludes.isEmpty ? nil : revIncludes,
            searchParam: params.isEmpty ? nil : params,
            operation: type == "Subscription" ? FHIRService.subscriptionOperations : nil)
    }

    /// The R4 definition URL of a core search parameter, when one exists for this type and name.
    static func definition(_ type: String, _ name: String) -> String? {
        SearchParameterTable.all.first { ($0.base == type || $0.base == "Resource" || $0.base == "DomainResource") && $0.code == name }?.url
    }
}

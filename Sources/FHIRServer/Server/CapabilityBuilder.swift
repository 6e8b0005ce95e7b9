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
                    searchParam: commonSearchParameters,
                    operation: [exportOperation("export", "Every type the caller may read")])
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
        CapabilityStatementRestResourceSearchParam(
            name: "_since", type: FHIRPrimitive(.date),
            documentation: FHIRPrimitive(FHIRMarkdown(
                "Changed strictly after this instant (`_lastUpdated=gt`), on the types with history; like `_lastUpdated`, "
                    + "also in openIMIS's naive YYYY-MM-DDThh:mm:ss form, read as UTC."))),
    ]

    /// The Bulk Data Access IG's `$export` at one level
    /// (http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export and its patient- and group- variants).
    /// The type-level operations declared for `type`: the exports of Patient and Group, the event operations of
    /// Subscription.
    static func operations(of type: String) -> [CapabilityStatementRestResourceOperation]? {
        switch type {
        case "Patient": [exportOperation("patient-export", "The Patients and the resources that refer to them")]
        case "Group": [exportOperation("group-export", "One family and the resources that refer to it")]
        case "Subscription": FHIRService.subscriptionOperations
        default: nil
        }
    }

    static func exportOperation(_ name: String, _ scope: String) -> CapabilityStatementRestResourceOperation {
        CapabilityStatementRestResourceOperation(
            name: FHIRPrimitive(FHIRString("export")),
            definition: FHIRPrimitive(FHIRCanonical("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/\(name)")),
            documentation: FHIRPrimitive(FHIRMarkdown(
                "\(scope), as NDJSON; async (Prefer: respond-async); _type, _since, _until, _elements, patient, "
                    + "_typeFilter with this server's search parameters.")))
    }

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
            operation: Self.operations(of: type))
    }

    /// The R4 definition URL of a core search parameter, when one exists for this type and name.
    static func definition(_ type: String, _ name: String) -> String? {
        SearchParameterTable.all.first { ($0.base == type || $0.base == "Resource" || $0.base == "DomainResource") && $0.code == name }?.url
    }
}

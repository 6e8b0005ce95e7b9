import FHIRModels
import Foundation
import IMISData

/// InsurancePlan ← `tblProduct` (reference §3.13).
enum InsurancePlanResource {
    static func provider(store: any IMISStore, mapping: MappingContext) -> RegistryProvider<Product> {
        RegistryProvider<Product>(
            resourceType: "InsurancePlan", store: store,
            searchParameters: [
                .identifier(
                    code: Product.Column.productCode, system: mapping.identifierSystems[.productCode], uuid: Product.Column.prodUUID,
                    documentation: "Product code or UUID."),
                .text("name", columns: [Product.Column.productName], documentation: "Product name; starts-with, case- and accent-insensitive."),
            ],
            documentation: "Insurance products (tblProduct); status as of today. Reads accept the UUID or the product code.",
            render: { row in
                let product = row.record
                let area = try await product.locationID.flatMapAsync { try await store.record(IMISData.Location.self, id: $0)?.record }
                let conversion = try await product.conversionProductID.flatMapAsync { try await store.record(Product.self, id: $0)?.record }
                return .insurancePlan(InsurancePlanMapping.insurancePlan(
                    row, coverageArea: area, conversionProduct: conversion, asOf: today(store.clock), context: mapping))
            })
    }

    /// The calendar day (UTC) of the store's clock.
    static func today(_ clock: RegistryClock) -> LocalDate {
        LocalDate(utc: clock.now())
    }
}

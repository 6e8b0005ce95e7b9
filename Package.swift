// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "imis-fhir",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "imis-fhir", targets: ["imis-fhir"]),
        .executable(name: "imis-fhir-bench", targets: ["imis-fhir-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Prometheus text exposition of /metrics (its own dependencies, swift-metrics and swift-atomics, are already
        // built for Hummingbird).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The system zlib (gzip of export files): a module map only, nothing to compile.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // FHIR R4 value types, generated from the official definitions; Foundation only.
        .target(name: "FHIRModels"),
        // The openIMIS domain: records under openIMIS table names, migrations, stores.
        .target(
            name: "IMISData",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Users, roles, tokens, OTP, notifications (uses IMISData, never FHIRServer).
        .target(
            name: "Membership",
            dependencies: [
                "IMISData",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTTP: routes, handlers, search, mapping.
        .target(
            name: "FHIRServer",
            dependencies: [
                "FHIRModels", "IMISData", "Membership", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "imis-fhir",
            dependencies: [
                "FHIRServer", "IMISData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Micro-benchmarks of the model layer (run by hand in release mode; not a test).
        .executableTarget(name: "imis-fhir-bench", dependencies: ["FHIRModels"]),
        // Programs the tests keep running (servers), started holding nothing of the test process.
        .target(name: "TestProcesses", path: "Tests/TestProcesses"),
        .testTarget(name: "FHIRModelsTests", dependencies: ["FHIRModels"]),
        .testTarget(
            name: "IMISDataTests",
            dependencies: ["IMISData", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // Runs the delivery channels against real local servers: aiosmtpd (Python) for SMTP, Hummingbird for the
        // FCM and SMS gateway endpoints.
        .testTarget(
            name: "MembershipTests",
            dependencies: [
                "Membership", "IMISData", "TestProcesses",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FHIRServerTests",
            dependencies: [
                "FHIRServer", "FHIRModels", "IMISData", "Membership", "TestProcesses",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

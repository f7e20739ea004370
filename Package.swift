// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tender",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tender", targets: ["Tender"]),
        .library(name: "TenderPostgres", targets: ["TenderPostgres"]),
        .library(name: "TenderConvergeGate", targets: ["TenderConvergeGate"]),
        .library(name: "TenderSandbox", targets: ["TenderSandbox"]),
        .library(name: "TenderHTTP", targets: ["TenderHTTP"]),
        .library(name: "TenderWorker", targets: ["TenderWorker"]),
        .library(name: "LibPQ", targets: ["LibPQ"]),
        .library(name: "EphemeralPostgres", targets: ["EphemeralPostgres"]),
        .executable(name: "tender", targets: ["TenderCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"),
    ],
    targets: [
        // PostgreSQL through libpq.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(
            name: "LibPQ",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EphemeralPostgres",
            dependencies: [
                .product(name: "Logging", package: "swift-log")
            ]
        ),

        // The domain: model, state machine, engine. No PostgreSQL, no HTTP.
        .target(
            name: "Tender",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "TenderPostgres",
            dependencies: [
                "Tender",
                "LibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Migrations")]
        ),

        // The gateway: client, webhook verification, and a simulator of gateway and bank.
        .target(
            name: "TenderConvergeGate",
            dependencies: [
                "Tender",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TenderSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // HTTP routes of the worker.
        .target(
            name: "TenderHTTP",
            dependencies: [
                "Tender",
                "TenderConvergeGate",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The composition root: one configuration builds the pool, the store, the gateway client,
        // the engine and the HTTP application, and runs them as one service.
        .target(
            name: "TenderWorker",
            dependencies: [
                "Tender",
                "TenderPostgres",
                "TenderConvergeGate",
                "TenderHTTP",
                "LibPQ",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The demo: a worker, the sandbox gateway and a simulated order system in one process;
        // `DemoCommand` is `tender demo`.
        .target(
            name: "TenderDemo",
            dependencies: [
                "Tender",
                "TenderWorker",
                "TenderPostgres",
                "TenderSandbox",
                "EphemeralPostgres",
                "LibPQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The benchmarks, run against PostgreSQL with durability on; `BenchCommand` is `tender bench`.
        .target(
            name: "TenderBench",
            dependencies: [
                "Tender",
                "TenderWorker",
                "TenderPostgres",
                "TenderConvergeGate",
                "TenderSandbox",
                "EphemeralPostgres",
                "LibPQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The `tender` executable: parses arguments and calls the modules above. Its target's name
        // must not differ from `Tender`'s only in case, or a case-insensitive file system folds
        // their build folders into one.
        .executableTarget(
            name: "TenderCommand",
            dependencies: [
                "Tender",
                "TenderWorker",
                "TenderDemo",
                "TenderBench",
                "TenderPostgres",
                "TenderSandbox",
                "LibPQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // What the test targets share: the `tender` child process, the fast policy, the test
        // database, the database-and-sandbox backends, waiting, log capture, webhook signing.
        .target(
            name: "TenderTestKit",
            dependencies: [
                "Tender", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "TenderWorker", "LibPQ", "EphemeralPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TenderTestKit"
        ),
        .testTarget(name: "EphemeralPostgresTests", dependencies: ["EphemeralPostgres", "TenderTestKit"]),
        .testTarget(
            name: "LibPQTests",
            dependencies: ["LibPQ", "EphemeralPostgres", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "TenderTests",
            dependencies: [
                "Tender",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "TenderPostgresTests",
            dependencies: [
                "TenderPostgres", "Tender", "LibPQ", "EphemeralPostgres", "TenderTestKit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "TenderConvergeGateTests", dependencies: ["TenderConvergeGate", "TenderSandbox", "Tender", "TenderTestKit"]),
        .testTarget(
            name: "TenderSandboxTests",
            dependencies: [
                "TenderSandbox", "TenderTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "TenderEngineTests",
            dependencies: [
                "TenderTestKit", "Tender", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "TenderHTTP", "TenderWorker", "LibPQ",
                "EphemeralPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "TenderHTTPTests",
            dependencies: [
                "TenderTestKit", "TenderHTTP", "TenderWorker", "Tender", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "LibPQ",
                "EphemeralPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "TenderHardeningTests",
            dependencies: [
                "TenderTestKit", "TenderHTTP", "TenderWorker", "Tender", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "LibPQ",
                "EphemeralPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "TenderWorkerTests",
            dependencies: [
                "TenderWorker", "Tender", "TenderTestKit", "TenderPostgres", "TenderSandbox", "LibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.1
import PackageDescription

// The ecosystem's products, named once.
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let asyncHTTPClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let configuration = Target.Dependency.product(name: "Configuration", package: "swift-configuration")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let heap = Target.Dependency.product(name: "HeapModule", package: "swift-collections")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore = Target.Dependency.product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let metricsTestKit = Target.Dependency.product(name: "MetricsTestKit", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let propertyBased = Target.Dependency.product(name: "PropertyBased", package: "swift-property-based")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let systemPackage = Target.Dependency.product(name: "SystemPackage", package: "swift-system")
let nio: [Target.Dependency] = ["NIOCore", "NIOHTTP1", "NIOPosix"].map { .product(name: $0, package: "swift-nio") }
let nioCore = nio[0]
let concurrencyHelpers = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let nioHTTPTypes = Target.Dependency.product(name: "NIOHTTPTypes", package: "swift-nio-extras")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let webSocketClient = Target.Dependency.product(name: "HummingbirdWSClient", package: "hummingbird-websocket")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
let inMemoryTracing = Target.Dependency.product(name: "InMemoryTracing", package: "swift-distributed-tracing")
// OTLP export of traces, left out of builds without the OTLPExport trait (the sanitized ones).
let otel = Target.Dependency.product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLPExport"]))
let mustache = Target.Dependency.product(name: "Mustache", package: "swift-mustache")
let openAPIRuntime = Target.Dependency.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
let openAPIHummingbird = Target.Dependency.product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird")
let openAPIAsyncHTTPClient = Target.Dependency.product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client")

/// What the test targets that run whole stacks (database, sandbox gateway, engine, routes) use.
let stackTestDependencies: [Target.Dependency] = [
    "TenderTestKit", "Tender", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "TenderHTTP", "TenderWorker", "LibPQ",
    "EphemeralPostgres", "TenderClient", "TenderOpenAPI", concurrencyHelpers, hummingbird, hummingbirdTesting, prometheus, logging,
    asyncHTTPClient, serviceLifecycle,
]

let package = Package(
    name: "tender",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tender", targets: ["Tender"]),
        .library(name: "TenderPostgres", targets: ["TenderPostgres"]),
        .library(name: "TenderConvergeGate", targets: ["TenderConvergeGate"]),
        .library(name: "TenderSandbox", targets: ["TenderSandbox"]),
        .library(name: "TenderHTTP", targets: ["TenderHTTP"]),
        .library(name: "TenderClient", targets: ["TenderClient", "TenderOpenAPI"]),
        .library(name: "TenderWorker", targets: ["TenderWorker"]),
        .library(name: "LibPQ", targets: ["LibPQ"]),
        .library(name: "EphemeralPostgres", targets: ["EphemeralPostgres"]),
        .executable(name: "tender", targets: ["TenderCommand"]),
    ],
    traits: [
        .trait(
            name: "OTLPExport", description: "`tender worker` exports traces over OTLP/HTTP (swift-otel) when OTEL_EXPORTER_OTLP_ENDPOINT is set."),
        .default(enabledTraits: ["OTLPExport"]),
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
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // PostgreSQL through libpq.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .target(name: "LibPQ", dependencies: ["CLibPQ", concurrencyHelpers, logging]),
        .target(name: "EphemeralPostgres", dependencies: [concurrencyHelpers, logging]),

        // The domain: model, state machine, engine. No PostgreSQL, no HTTP.
        .target(name: "Tender", dependencies: [logging, metrics, tracing, serviceLifecycle, heap, crypto]),
        .target(
            name: "TenderPostgres", dependencies: ["Tender", "LibPQ", concurrencyHelpers, logging, metrics],
            resources: [.embedInCode("Migrations")]),

        // The gateway: client, webhook verification, and a simulator of gateway and bank.
        .target(name: "TenderConvergeGate", dependencies: ["Tender", asyncHTTPClient, crypto, logging] + nio),
        .target(name: "TenderSandbox", dependencies: [hummingbird, asyncHTTPClient, crypto, logging, serviceLifecycle]),

        // The order system's API as docs/openapi.yaml states it: types, server and client, generated
        // by swift-openapi-generator (`.ci/openapi`) and committed.
        .target(name: "TenderOpenAPI", dependencies: [openAPIRuntime], exclude: ["openapi-generator-config.yaml"]),

        // HTTP routes of the worker.
        .target(
            name: "TenderHTTP",
            dependencies: [
                "Tender", "TenderConvergeGate", "TenderOpenAPI", hummingbird, logging, metrics, prometheus, crypto, serviceLifecycle, nioCore,
                nioHTTPTypes, httpTypes, openAPIRuntime, openAPIHummingbird,
            ]
        ),

        // The operator console under /console: server-rendered pages and CSRF-protected actions.
        .target(
            name: "TenderConsole", dependencies: ["Tender", hummingbird, mustache, crypto, logging, nioCore, httpTypes],
            resources: [.embedInCode("Templates")]
        ),

        // The typed client order systems written in Swift call Tender with.
        .target(name: "TenderClient", dependencies: ["TenderOpenAPI", openAPIRuntime, openAPIAsyncHTTPClient, asyncHTTPClient, httpTypes, nioCore]),

        // The composition root: one configuration builds the pool, the store, the gateway client,
        // the engine and the HTTP application, and runs them as one service.
        .target(
            name: "TenderWorker",
            dependencies: [
                "Tender", "TenderPostgres", "TenderConvergeGate", "TenderHTTP", "TenderConsole", "LibPQ", configuration, systemPackage, hummingbird,
                hummingbirdCore, logging, metrics, prometheus, serviceLifecycle,
            ]
        ),

        // The demo: a worker, the sandbox gateway and a simulated order system in one process;
        // `DemoCommand` is `tender demo`.
        .target(
            name: "TenderDemo",
            dependencies: [
                "Tender", "TenderWorker", "TenderPostgres", "TenderSandbox", "EphemeralPostgres", "LibPQ", argumentParser, concurrencyHelpers,
                logging, metrics, serviceLifecycle,
            ]
        ),

        // The benchmarks, run against PostgreSQL with durability on; `BenchCommand` is `tender bench`.
        .target(
            name: "TenderBench",
            dependencies: [
                "Tender", "TenderWorker", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "EphemeralPostgres", "LibPQ",
                argumentParser, logging, metrics, serviceLifecycle,
            ]
        ),

        // The `tender` executable: parses arguments and calls the modules above. Its target's name
        // must not differ from `Tender`'s only in case, or a case-insensitive file system folds
        // their build folders into one.
        .executableTarget(
            name: "TenderCommand",
            dependencies: [
                "Tender", "TenderWorker", "TenderDemo", "TenderBench", "TenderPostgres", "TenderSandbox", "LibPQ", argumentParser,
                configuration, logging, metrics, prometheus, serviceLifecycle, otel,
            ]
        ),

        // What the test targets share: the `tender` child process, the fast policy, the test
        // database, the live stacks, waiting, log capture, webhook signing.
        .target(
            name: "TenderTestKit",
            dependencies: [
                "Tender", "TenderPostgres", "TenderConvergeGate", "TenderSandbox", "TenderWorker", "LibPQ", "EphemeralPostgres",
                concurrencyHelpers, hummingbird, asyncHTTPClient, logging, crypto, prometheus, serviceLifecycle,
            ] + nio,
            path: "Tests/TenderTestKit"
        ),
        .testTarget(name: "EphemeralPostgresTests", dependencies: ["EphemeralPostgres", "TenderTestKit"]),
        .testTarget(name: "LibPQTests", dependencies: ["LibPQ", "EphemeralPostgres", logging]),
        .testTarget(name: "TenderTests", dependencies: ["Tender", propertyBased, crypto]),
        .testTarget(
            name: "TenderPostgresTests",
            dependencies: ["TenderPostgres", "Tender", "LibPQ", "EphemeralPostgres", "TenderTestKit", logging, metricsTestKit]),
        .testTarget(name: "TenderConvergeGateTests", dependencies: ["TenderConvergeGate", "TenderSandbox", "Tender", "TenderTestKit"]),
        .testTarget(name: "TenderSandboxTests", dependencies: ["TenderSandbox", "TenderTestKit", hummingbird, asyncHTTPClient, crypto]),
        .testTarget(name: "TenderEngineTests", dependencies: stackTestDependencies + [tracing, inMemoryTracing]),
        .testTarget(name: "TenderHTTPTests", dependencies: stackTestDependencies),
        .testTarget(name: "TenderHardeningTests", dependencies: stackTestDependencies + nio),
        .testTarget(name: "TenderWorkerTests", dependencies: stackTestDependencies),
        .testTarget(name: "TenderConsoleTests", dependencies: stackTestDependencies + ["TenderConsole", crypto, httpTypes, webSocketClient]),
    ],
    swiftLanguageModes: [.v6]
)

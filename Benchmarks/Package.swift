// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of Tender's hot path with ordo-one's package-benchmark, in a package of their
// own so that the library's users and `swift test` never build them:
//   cd Benchmarks && swift package --disable-sandbox benchmark
// Each reports wall time, CPU time and malloc counts per iteration (the malloc interposer).
let benchmark = Target.Dependency.product(name: "Benchmark", package: "benchmark")
let benchmarkPlugin = Target.PluginUsage.plugin(name: "BenchmarkPlugin", package: "benchmark")

let package = Package(
    name: "tender-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tender", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The attempt machine alone: no I/O.
        .executableTarget(
            name: "MachineBenchmarks",
            dependencies: [benchmark, .product(name: "Tender", package: "tender")],
            path: "Benchmarks/MachineBenchmarks",
            plugins: [benchmarkPlugin]
        ),
        // The store and libpq against a throwaway PostgreSQL.
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                benchmark, .product(name: "Tender", package: "tender"), .product(name: "TenderPostgres", package: "tender"),
                .product(name: "LibPQ", package: "tender"), .product(name: "EphemeralPostgres", package: "tender"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [benchmarkPlugin]
        ),
    ],
    swiftLanguageModes: [.v6]
)

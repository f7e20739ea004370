// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of Tender's hot path with ordo-one's package-benchmark, in a package of their
// own so that the library's users and `swift test` never build them:
//   cd Benchmarks && swift package --disable-sandbox benchmark
// Each reports wall time, CPU time and malloc counts per iteration (the malloc interposer).
// `Benchmarks/instructions` counts the same parts' instructions with valgrind's callgrind.
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
        // A payment's inputs, and a throwaway PostgreSQL with an attempt awaiting confirmation.
        .target(
            name: "BenchmarkFixtures",
            dependencies: [
                .product(name: "Tender", package: "tender"), .product(name: "TenderPostgres", package: "tender"),
                .product(name: "LibPQ", package: "tender"), .product(name: "EphemeralPostgres", package: "tender"),
            ],
            path: "Benchmarks/BenchmarkFixtures"
        ),
        // valgrind's client requests, which are C macros (Debian's valgrind package has the header).
        .target(name: "CCallgrind", path: "Benchmarks/CCallgrind"),
        // The same parts' instructions under callgrind, read by `Benchmarks/instructions`.
        .executableTarget(
            name: "InstructionCounts",
            dependencies: [
                "BenchmarkFixtures", "CCallgrind", .product(name: "Tender", package: "tender"), .product(name: "TenderPostgres", package: "tender"),
            ],
            path: "Benchmarks/InstructionCounts"
        ),
        // The attempt machine alone: no I/O.
        .executableTarget(
            name: "MachineBenchmarks",
            dependencies: [benchmark, "BenchmarkFixtures", .product(name: "Tender", package: "tender")],
            path: "Benchmarks/MachineBenchmarks",
            plugins: [benchmarkPlugin]
        ),
        // The store and libpq against a throwaway PostgreSQL.
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                benchmark, "BenchmarkFixtures", .product(name: "Tender", package: "tender"), .product(name: "TenderPostgres", package: "tender"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [benchmarkPlugin]
        ),
    ],
    swiftLanguageModes: [.v6]
)

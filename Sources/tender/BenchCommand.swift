import ArgumentParser

/// `tender bench …`: benchmarks that print a table and can write JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Tender's building blocks against reference tools.",
        subcommands: [PGBenchCommand.self]
    )
}

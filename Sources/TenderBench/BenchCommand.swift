import ArgumentParser

/// `tender bench`: benchmarks run in a release build against PostgreSQL with durability on.
public struct BenchCommand: AsyncParsableCommand {
    /// The command's name, help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the engine against PostgreSQL (build with -c release).",
        subcommands: [
            PGBenchCommand.self, BenchTransitionsCommand.self, BenchTimersCommand.self, BenchRecoveryCommand.self, BenchBLIKCommand.self,
            BenchFailoverCommand.self, BenchWorkerCommand.self,
        ]
    )

    /// Creates the command.
    public init() {}
}

import ArgumentParser
import TenderBench
import TenderDemo

/// The `tender` command line: worker, operator commands, demo and benchmarks.
@main
struct TenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tender",
        abstract: "An asynchronous payment orchestration engine for BLIK payments.",
        subcommands: [
            DemoCommand.self, WorkerCommand.self, MigrateCommand.self, PaymentsCommand.self, ReconcileCommand.self, SandboxCommand.self,
            BenchCommand.self,
        ]
    )
}

import ArgumentParser
import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import Metrics

/// `tender demo`: BLIK payments end to end on this machine, with nothing configured.
public struct DemoCommand: AsyncParsableCommand {
    /// The command's name, help and discussion.
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Push BLIK payments through a throwaway PostgreSQL, the sandbox gateway and the engine.",
        discussion: """
            Starts a throwaway PostgreSQL (or uses --database-url), the ConvergeGate sandbox with a \
            realistic bank (payers confirm within 10-80 s of bank time, some never do, some are \
            declined, some webhooks are lost or sent twice), the engine and its webhook route, all in \
            this process. It submits the payments over a few seconds, shows progress, and ends with a \
            summary and a check of Tender's records against the gateway's ledger (exit status 1 on a \
            mismatch). Bank delays and the engine's timings are multiplied by --time-scale: the \
            default 0.5 gives a 45 s confirmation window and a run of about a minute. Ctrl-C stops \
            early and still cleans up.
            """
    )

    @Option(help: "How many payments to push through.")
    var payments = 40

    @Option(help: "Multiply bank delays and the engine's timings by this factor (1 = real BLIK time).")
    var timeScale = 0.5

    @Option(help: "Use this PostgreSQL database (migrated first) instead of a throwaway server.")
    var databaseURL: String?

    @Option(help: "Seed of the random choices (payments, bank, network); default random.")
    var seed: UInt64?

    @Option(help: "Log level of the engine and the sandbox (trace, debug, info, notice, warning, error).")
    var logLevel = "warning"

    /// Creates the command with its defaults.
    public init() {}

    /// Refuses out-of-range options.
    public func validate() throws {
        guard (1...10_000).contains(payments) else { throw ValidationError("--payments must be between 1 and 10000.") }
        guard timeScale >= 0.05, timeScale <= 10 else { throw ValidationError("--time-scale must be between 0.05 and 10.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown log level \(logLevel).") }
    }

    /// Runs the demo and exits non-zero when the ledger check fails or the run was interrupted.
    public func run() async throws {
        var logger = Logger(label: "tender.demo")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let metrics = DemoMetrics()
        MetricsSystem.bootstrap(metrics)
        let scenario = DemoScenario(payments: payments, timeScale: timeScale, seed: seed ?? UInt64.random(in: 1...999_999))
        let interruption = DemoInterruption()

        Self.say(
            "Tender demo: \(payments) BLIK payments, time scale \(timeScale) "
                + "(a \(Int(scenario.policy.confirmationWindow.timeInterval.rounded())) s confirmation window), seed \(scenario.seed)"
        )
        let summary: DemoSummary
        do {
            summary = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await interruption.watchSignals() }
                defer { group.cancelAll() }
                return try await runWithDatabase(scenario: scenario, metrics: metrics, interruption: interruption, logger: logger)
            }
        } catch is DemoInterrupted {
            FileHandle.standardError.write(Data("tender demo: interrupted; everything it started was stopped.\n".utf8))
            throw ExitCode(130)
        }

        Self.say(summary.rendered())
        switch summary.ending {
        case .interrupted:
            Self.say("\nLedger check skipped: the run was interrupted with payments in flight.")
            throw ExitCode(130)
        case .timedOut:
            Self.say(summary.renderedCheck())
            throw ExitCode.failure
        case .finished:
            Self.say(summary.renderedCheck())
            if !summary.check.isConsistent { throw ExitCode.failure }
        }
    }

    /// Runs the demo on the given database, or on a throwaway server that is removed afterwards.
    private func runWithDatabase(
        scenario: DemoScenario, metrics: DemoMetrics, interruption: DemoInterruption, logger: Logger
    ) async throws -> DemoSummary {
        func demo(_ url: String) -> DemoRun {
            DemoRun(scenario: scenario, databaseURL: url, metrics: metrics, interruption: interruption, logger: logger, say: Self.say)
        }
        if let databaseURL {
            let name = (try PostgresConfiguration(connectionString: databaseURL)).database ?? "(default)"
            Self.say("  database: \(name), given by --database-url")
            return try await demo(databaseURL).run()
        }
        let server = try await EphemeralPostgres.start(.fast, logger: logger)
        Self.say("  database: throwaway PostgreSQL at \(server.host):\(server.port), removed at the end")
        do {
            try await interruption.check()
            let summary = try await demo(try await server.createDatabase("tender_demo")).run()
            await server.stop()
            return summary
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Writes a line to standard output at once (the progress line shares it).
    @Sendable
    static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

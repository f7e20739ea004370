import ArgumentParser
import Foundation
import LibPQ
import Tender
import TenderPostgres
import TenderWorker

/// `tender bench transitions`: whole payment lives driven by the real engine against PostgreSQL,
/// with a gateway that answers at once, beside `pgbench` doing the same SQL work per transition.
struct BenchTransitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transitions",
        abstract: "Payment lifecycle throughput of the engine against pgbench's ceiling for the same SQL work."
    )

    @OptionGroup var options: BenchOptions

    @Option(parsing: .upToNextOption, help: "Concurrent payments, one run each.")
    var clients: [Int] = [4, 16]

    @Option(help: "Seconds measured per run (after a 2 s warm-up).")
    var seconds: Double = 15

    struct Run: Codable {
        var clients: Int
        var payments: Int
        var paymentsPerS: Double
        var transitionsPerS: Double
        var transitionsPerPayment: Double
        var pgbenchTPS: Double
        /// `pgbench`'s own CPU time per transaction of the same SQL work: what the round trips alone
        /// cost a client on this machine.
        var pgbenchCPUMicrosecondsPerTransaction: Double
        var ratio: Double
        var commitsPerPayment: Double
        var statCommitsPerPayment: Double
        /// The engine process's CPU time (user and system, the in-process gateway included) per transition.
        var cpuMicrosecondsPerTransition: Double
        /// The engine process's context switches (threads put to sleep or preempted) per transition.
        var contextSwitchesPerTransition: Double
        /// The CPU time of the engine's backends per transition (``BackendCPU``), when the server
        /// runs on this machine.
        var serverCPUMicrosecondsPerTransition: Double?
        /// The CPU time of `pgbench`'s backends per transaction, measured the same way.
        var pgbenchServerCPUMicrosecondsPerTransaction: Double?
        var paymentLatencyMS: LatencySummary
        /// How long the order system waits for a submission to be accepted (`engine.submit`).
        var submitLatencyMS: LatencySummary

        enum CodingKeys: String, CodingKey {
            case clients, payments
            case paymentsPerS = "payments_per_s"
            case transitionsPerS = "transitions_per_s"
            case transitionsPerPayment = "transitions_per_payment"
            case pgbenchTPS = "pgbench_tps"
            case pgbenchCPUMicrosecondsPerTransaction = "pgbench_cpu_us_per_transaction"
            case ratio
            case commitsPerPayment = "commits_per_payment"
            case statCommitsPerPayment = "xact_commit_per_payment"
            case cpuMicrosecondsPerTransition = "cpu_us_per_transition"
            case contextSwitchesPerTransition = "context_switches_per_transition"
            case serverCPUMicrosecondsPerTransition = "pg_cpu_us_per_transition"
            case pgbenchServerCPUMicrosecondsPerTransaction = "pgbench_pg_cpu_us_per_transaction"
            case paymentLatencyMS = "payment_latency_ms"
            case submitLatencyMS = "submit_latency_ms"
        }
    }

    struct Report: Codable {
        var scenario = "transitions"
        var machine: MachineInfo
        var postgres: PostgresSettings
        var runs: [Run]
    }

    func run() async throws {
        let database = try await BenchDatabase.open(options.databaseURL, scenario: "transitions")
        do {
            let pool = try await database.migratedPool(size: 4)
            let settings = try await PostgresSettings.read(pool)
            BenchOutput.environment(.current, settings)
            let pgbench = try await BenchPgbenchScript.transition(pool: pool, binaryDirectory: database.binaryDirectory)
            var runs: [Run] = []
            for count in clients {
                emit("running \(count) concurrent payments for \(BenchOutput.format(seconds)) s…")
                var run = try await drive(url: database.url, clients: count)
                emit("running pgbench with \(count) clients…")
                let pgbenchRun = try await pgbench.run(url: database.url, clients: count, seconds: Int(seconds.rounded(.up)), pool: pool)
                run.pgbenchServerCPUMicrosecondsPerTransaction = pgbenchRun.serverCPUMicrosecondsPerTransaction.map { rounded($0, 1) }
                run.pgbenchTPS = rounded(pgbenchRun.tps, 1)
                run.pgbenchCPUMicrosecondsPerTransaction = rounded(pgbenchRun.cpuMicrosecondsPerTransaction, 1)
                run.ratio = rounded(run.transitionsPerS / max(run.pgbenchTPS, 1), 3)
                runs.append(run)
            }
            await pool.close()
            BenchOutput.table(
                "transitions (submit → session → paid → completed → event acknowledged)",
                header: [
                    "clients", "payments/s", "transitions/s", "pgbench tps", "ratio", "commits/payment", "xact_commit/payment", "CPU µs/transition",
                    "pgbench CPU µs/transaction", "server CPU µs/transition", "pgbench's server CPU µs/transaction", "switches/transition", "p50 ms",
                    "p99 ms", "submit p50 ms", "submit p99 ms",
                ],
                rows: runs.map {
                    [
                        "\($0.clients)", BenchOutput.format($0.paymentsPerS), BenchOutput.format($0.transitionsPerS),
                        BenchOutput.format($0.pgbenchTPS), BenchOutput.format($0.ratio, 3), BenchOutput.format($0.commitsPerPayment, 2),
                        BenchOutput.format($0.statCommitsPerPayment, 2), BenchOutput.format($0.cpuMicrosecondsPerTransition),
                        BenchOutput.format($0.pgbenchCPUMicrosecondsPerTransaction),
                        $0.serverCPUMicrosecondsPerTransition.map { BenchOutput.format($0) } ?? "-",
                        $0.pgbenchServerCPUMicrosecondsPerTransaction.map { BenchOutput.format($0) } ?? "-",
                        BenchOutput.format($0.contextSwitchesPerTransition, 2),
                        BenchOutput.format($0.paymentLatencyMS.p50, 2),
                        BenchOutput.format($0.paymentLatencyMS.p99, 2),
                        BenchOutput.format($0.submitLatencyMS.p50, 2),
                        BenchOutput.format($0.submitLatencyMS.p99, 2),
                    ]
                }
            )
            try BenchOutput.write(Report(machine: .current, postgres: settings, runs: runs), to: options.json)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    /// Drives `clients` payments at a time through the engine; measures after a warm-up.
    private func drive(url: String, clients: Int) async throws -> Run {
        var configuration = EngineConfiguration()
        configuration.maximumConcurrentCalls = max(64, clients * 2)
        return try await withBenchStack(url: url, poolSize: clients + 4, gateway: InstantGateway(), engine: configuration) { stack in
            try await drive(stack, clients: clients)
        }
    }

    /// Drives the payments through `stack`'s engine.
    private func drive(_ stack: TenderStack, clients: Int) async throws -> Run {
        let (pool, engine) = (stack.pool, stack.engine)
        let waiter = BenchEventWaiter(engine: engine)
        let counters = CommitCounter(pool: pool)
        let customer = try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")
        let amount = try Money(minorUnits: 1000, currency: .pln)
        let code = try BLIKCode("777123")
        let clock = ContinuousClock()
        let warmUpEnds = clock.now + .seconds(2)
        let measureEnds = warmUpEnds + .milliseconds(Int64(seconds * 1000))

        // The drivers and the consumer, the order system's side, prefer the engine's executor as
        // an embedding host may.
        let executor = engine.executor
        let measured = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            group.addTask(executorPreference: executor) { await waiter.run() }
            let drivers = (0..<clients).map { _ in
                Task(executorPreference: executor) { () throws -> [Latency] in
                    var latencies: [Latency] = []
                    while clock.now < measureEnds {
                        let paymentID = PaymentID(rawValue: "pay-" + UUID.random().lowercasedString)
                        let started = clock.now
                        _ = try await engine.submit(
                            paymentID: paymentID, amount: amount, customer: customer, code: code, idempotencyKey: paymentID.rawValue)
                        let submitted = clock.now
                        _ = await waiter.outcome(of: paymentID)
                        if started >= warmUpEnds, clock.now < measureEnds {
                            latencies.append((started.duration(to: clock.now).timeInterval, started.duration(to: submitted).timeInterval))
                        }
                    }
                    return latencies
                }
            }
            try await clock.sleep(until: warmUpEnds)
            let start = try await counters.read()
            let historyBefore = try await Self.count("attempt_history", pool)
            let (cpuBefore, switchesBefore) = (ProcessUsage.cpuSeconds, ProcessUsage.contextSwitches)
            let backendsBefore = try await BackendCPU.sample(pool)
            try await clock.sleep(until: measureEnds)
            let (cpu, switches) = (ProcessUsage.cpuSeconds - cpuBefore, ProcessUsage.contextSwitches - switchesBefore)
            var serverCPU: Double?
            if let backendsBefore {
                serverCPU = try await BackendCPU.sample(pool)?.seconds(since: backendsBefore)
            }
            let historyAfter = try await Self.count("attempt_history", pool)
            let end = try await counters.read()
            var latencies: [Latency] = []
            for driver in drivers {
                latencies += try await driver.value
            }
            // Backends publish their statistics at most once a second.
            try await Task.sleep(for: .milliseconds(1100))
            let statEnd = try await counters.read()
            group.cancelAll()
            return Measured(
                latencies: latencies, transitions: Double(historyAfter - historyBefore), cpuSeconds: cpu, serverCPUSeconds: serverCPU,
                contextSwitches: Double(switches),
                writes: Double(CommitCounter.writes(from: start, to: end)),
                statCommits: Double(CommitCounter.statCommits(from: start, to: statEnd))
            )
        }
        let payments = Double(measured.latencies.count)
        return Run(
            clients: clients, payments: measured.latencies.count,
            paymentsPerS: rounded(payments / seconds, 1), transitionsPerS: rounded(measured.transitions / seconds, 1),
            transitionsPerPayment: rounded(measured.transitions / max(payments, 1), 2), pgbenchTPS: 0, pgbenchCPUMicrosecondsPerTransaction: 0,
            ratio: 0,
            commitsPerPayment: rounded(measured.writes / max(payments, 1), 2),
            statCommitsPerPayment: rounded(measured.statCommits / max(payments, 1), 2),
            cpuMicrosecondsPerTransition: rounded(measured.cpuSeconds * 1e6 / max(measured.transitions, 1), 1),
            contextSwitchesPerTransition: rounded(measured.contextSwitches / max(measured.transitions, 1), 2),
            serverCPUMicrosecondsPerTransition: measured.serverCPUSeconds.map { rounded($0 * 1e6 / max(measured.transitions, 1), 1) },
            paymentLatencyMS: LatencySummary(seconds: measured.latencies.map(\.payment)),
            submitLatencyMS: LatencySummary(seconds: measured.latencies.map(\.submit))
        )
    }

    /// One measured payment's latency and its submission's, in seconds.
    private typealias Latency = (payment: Double, submit: Double)

    /// What one run measured.
    private struct Measured: Sendable {
        var latencies: [Latency]
        var transitions: Double
        var cpuSeconds: Double
        var serverCPUSeconds: Double?
        var contextSwitches: Double
        var writes: Double
        var statCommits: Double
    }

    static func count(_ table: String, _ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM \(table)").first?.decode(Int.self, column: "n") ?? 0
    }
}

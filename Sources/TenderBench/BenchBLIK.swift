import ArgumentParser
import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import ServiceLifecycle
import Tender
import TenderConvergeGate
import TenderHTTP
import TenderPostgres
import TenderSandbox
import TenderWorker

/// `tender bench blik`: many concurrent BLIK payments through the sandbox over HTTP, payers
/// confirming after realistic (compressed) delays, some webhooks lost.
struct BenchBLIKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blik",
        abstract: "Concurrent BLIK payments through the sandbox gateway over HTTP."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Payments, all in flight at once.")
    var payments = 10_000

    @Option(help: "Factor applied to the bank's and the engine's timings (0.1: a 40–80 s confirmation takes 4–8 s).")
    var timeScale: Double = 0.1

    @Option(help: "Share of webhooks the gateway never delivers.")
    var webhookDropRate: Double = 0.01

    @Flag(help: "Run the sandbox as a child process, so that resident memory and CPU time are the engine's alone.")
    var sandboxProcess = false

    static let secretKey = "sk_test_bench_blik"
    /// The poll grid at a time scale of 1: polls of payments submitted within a second of each
    /// other fall due together.
    static let pollGrid: Duration = .seconds(1)

    struct Report: Codable {
        var scenario = "blik"
        var machine: MachineInfo
        var postgres: PostgresSettings
        var payments: Int
        var completed: Int
        var unfinished: Int
        var completionsPerS: Double
        var outcomeLatencyMS: LatencySummary
        var webhookLatencyMS: LatencySummary
        var fetchLatencyMS: LatencySummary
        var commitsPerPayment: Double
        var statCommitsPerPayment: Double
        /// History rows per payment: the transitions written, submissions included.
        var historyRowsPerPayment: Double
        /// Polls per payment that learned nothing: each a write transaction without a history row.
        var quietPollsPerPayment: Double
        var cpuSPer1000: Double
        var rssMB: Double
        /// The payments not yet final when the last was submitted.
        var inFlight: Int
        /// Peak resident memory while payments were in flight, before the results are gathered.
        var inFlightRSSMB: Double
        var timeScale: Double
        var webhookDropRate: Double

        enum CodingKeys: String, CodingKey {
            case scenario, machine, postgres, payments, completed, unfinished
            case completionsPerS = "completions_per_s"
            case outcomeLatencyMS = "outcome_latency_ms"
            case webhookLatencyMS = "outcome_latency_by_webhook_ms"
            case fetchLatencyMS = "fetch_latency_ms"
            case commitsPerPayment = "commits_per_payment"
            case statCommitsPerPayment = "xact_commit_per_payment"
            case historyRowsPerPayment = "history_rows_per_payment"
            case quietPollsPerPayment = "quiet_polls_per_payment"
            case cpuSPer1000 = "cpu_s_per_1000"
            case rssMB = "rss_mb"
            case inFlight = "in_flight"
            case inFlightRSSMB = "in_flight_rss_mb"
            case timeScale = "time_scale"
            case webhookDropRate = "webhook_drop_rate"
        }
    }

    func run() async throws {
        let database = try await BenchDatabase.open(options.databaseURL, scenario: "blik")
        do {
            let pool = try await database.migratedPool(size: 12)
            let settings = try await PostgresSettings.read(pool)
            BenchOutput.environment(.current, settings)
            let report = try await measure(pool: pool, settings: settings)
            await pool.close()
            emit(
                """

                blik: \(report.completed)/\(report.payments) completed (\(report.unfinished) unfinished), \(report.completionsPerS) completions/s
                outcome latency beyond the gateway's completion ms: p50 \(report.outcomeLatencyMS.p50) p99 \(report.outcomeLatencyMS.p99) max \(report.outcomeLatencyMS.max)
                   of those learned through a webhook: p50 \(report.webhookLatencyMS.p50) p99 \(report.webhookLatencyMS.p99)
                fetch latency ms: p50 \(report.fetchLatencyMS.p50) p99 \(report.fetchLatencyMS.p99)
                commits/payment \(report.commitsPerPayment) (xact_commit/payment \(report.statCommitsPerPayment)); history rows/payment \(report.historyRowsPerPayment), quiet polls/payment \(report.quietPollsPerPayment)
                CPU s per 1,000 payments \(report.cpuSPer1000); peak RSS \(report.rssMB) MB
                in flight after the last submission: \(report.inFlight); peak RSS meanwhile \(report.inFlightRSSMB) MB
                """
            )
            try BenchOutput.write(report, to: options.json)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    private func measure(pool: PostgresPool, settings: PostgresSettings) async throws -> Report {
        if sandboxProcess {
            let sandbox = try BenchSandboxProcess.start(secretKey: Self.secretKey, timeScale: timeScale, webhookDropRate: webhookDropRate)
            defer { sandbox.stop() }
            try await sandbox.waitUntilReady()
            return try await measure(pool: pool, settings: settings, gatewayURL: sandbox.baseURL) { try await sandbox.ledger() }
        }
        let sandboxConfiguration = SandboxConfiguration(
            secretKey: Self.secretKey,
            webhookURL: nil,
            bank: BankBehavior(confirmationDelay: .uniform(.seconds(40) ... .seconds(80))),
            webhooks: WebhookChaos(sendsCreatedEvent: false, dropRate: webhookDropRate),
            timeScale: timeScale,
            seed: 9
        )
        return try await ConvergeGateSandbox.withRunning(sandboxConfiguration, logger: benchLogger) { sandbox in
            try await measure(pool: pool, settings: settings, gatewayURL: await sandbox.baseURL) { await sandbox.ledger() }
        }
    }

    /// Runs the payments against the gateway at `gatewayURL`; `ledger` reads its ledger.
    private func measure(
        pool: PostgresPool, settings: PostgresSettings, gatewayURL: String, ledger: () async throws -> SandboxLedger
    ) async throws -> Report {
        let webhookPort = try FreePort.pick()
        var engineConfiguration = EngineConfiguration()
        engineConfiguration.policy = policy
        engineConfiguration.webhookURL = "http://127.0.0.1:\(webhookPort)/webhooks/convergegate"
        engineConfiguration.pollBudget = 200
        engineConfiguration.maximumConcurrentCalls = 128
        var configuration = TenderConfiguration(
            database: pool.configuration,
            gateway: try ConvergeGateConfiguration(baseURL: gatewayURL, secretKey: Self.secretKey),
            engine: engineConfiguration
        )
        configuration.poolSize = 12
        configuration.port = webhookPort
        return try await ConvergeGateClient.withClient(configuration: configuration.gateway, logger: benchLogger) { client in
            let gateway = BenchTimedGateway(wrapping: client)
            return try await TenderStack.withStack(configuration, gateway: gateway, logger: benchLogger) { stack in
                try await measure(stack, gateway: gateway, counters: CommitCounter(pool: pool), pool: pool, settings: settings, ledger: ledger)
            }
        }
    }

    /// Runs the payments through `stack`'s engine and webhook route.
    private func measure(
        _ stack: TenderStack, gateway: BenchTimedGateway, counters: CommitCounter, pool: PostgresPool, settings: PostgresSettings,
        ledger: () async throws -> SandboxLedger
    ) async throws -> Report {
        let engine = stack.engine
        // The webhook route shuts down gracefully when the measurement ends; cancelled, its server
        // would log the cancellation as errors.
        let server = ServiceGroup(configuration: .init(services: [stack.application()], logger: benchLogger))

        let report = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            try await Task.sleep(for: .milliseconds(500))
            let start = try await counters.read()
            let cpuStart = ProcessUsage.cpuSeconds
            let started = Date()
            let memory = Task {
                var peak = 0.0
                while !Task.isCancelled {
                    peak = max(peak, ProcessUsage.residentMB)
                    try? await Task.sleep(for: .milliseconds(250))
                }
                return peak
            }
            emit("submitting \(payments) payments…")
            try await submitAll(engine)
            let finalStates = "SELECT count(*) AS n FROM attempts WHERE state IN ('completed', 'failed', 'expired')"
            let inFlight = payments - (try await Self.count(finalStates, pool))
            emit("waiting for their outcomes (\(inFlight) in flight)…")
            var terminal = 0
            let giveUp = Date() + max(60, 200 * timeScale * 10)
            while terminal < payments, Date() < giveUp {
                try await Task.sleep(for: .milliseconds(250))
                terminal = try await Self.count(finalStates, pool)
            }
            memory.cancel()
            let inFlightRSS = await memory.value
            let finished = Date()
            let cpu = ProcessUsage.cpuSeconds - cpuStart
            let end = try await counters.read()
            try await Task.sleep(for: .milliseconds(1100))
            let statEnd = try await counters.read()
            await server.triggerGracefulShutdown()
            let (all, byWebhook, completed) = try await outcomeLatencies(pool: pool, ledger: try await ledger())
            let last = try await pool.query("SELECT max(created_at) AS last FROM outbox WHERE type = 'attempt.completed'")
                .first?.decode(Date?.self, column: "last")
            let lastCompletion = (last ?? nil) ?? finished
            let historyRows = try await Self.count("SELECT count(*) AS n FROM attempt_history", pool)
            let quietPolls = try await Self.count("SELECT coalesce(sum(quiet_polls), 0) AS n FROM attempts", pool)
            return Report(
                machine: .current, postgres: settings, payments: payments, completed: completed,
                unfinished: payments - terminal,
                completionsPerS: rounded(Double(completed) / max(lastCompletion.timeIntervalSince(started), 0.001), 1),
                outcomeLatencyMS: LatencySummary(seconds: all), webhookLatencyMS: LatencySummary(seconds: byWebhook),
                fetchLatencyMS: LatencySummary(seconds: await gateway.log.fetches),
                commitsPerPayment: rounded(Double(CommitCounter.writes(from: start, to: end)) / Double(payments), 2),
                statCommitsPerPayment: rounded(Double(CommitCounter.statCommits(from: start, to: statEnd)) / Double(payments), 2),
                historyRowsPerPayment: rounded(Double(historyRows) / Double(payments), 2),
                quietPollsPerPayment: rounded(Double(quietPolls) / Double(payments), 2),
                cpuSPer1000: rounded(cpu / Double(payments) * 1000, 3), rssMB: ProcessUsage.peakResidentMB,
                inFlight: inFlight, inFlightRSSMB: inFlightRSS,
                timeScale: timeScale, webhookDropRate: webhookDropRate
            )
        }
        return report
    }

    /// The engine's timings scaled like the bank's.
    private var policy: AttemptPolicy {
        var policy = AttemptPolicy()
        func scaled(_ duration: Duration) -> Duration { .milliseconds(Int64(duration.timeInterval * 1000 * timeScale)) }
        policy.confirmationWindow = scaled(policy.confirmationWindow)
        policy.firstPollDelay = scaled(policy.firstPollDelay)
        policy.pollInterval = scaled(policy.pollInterval)
        policy.gracePeriod = scaled(policy.gracePeriod)
        policy.gracePollInterval = scaled(policy.gracePollInterval)
        policy.pollGrid = scaled(Self.pollGrid)
        return policy
    }

    /// Submits every payment, 32 at a time.
    private func submitAll(_ engine: PaymentEngine) async throws {
        let customer = try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")
        let amount = try Money(minorUnits: 1000, currency: .pln)
        let code = try BLIKCode("777123")
        let total = payments
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<32 {
                group.addTask {
                    for index in stride(from: lane, to: total, by: 32) {
                        let id = "blik-\(index)"
                        _ = try await engine.submit(
                            paymentID: PaymentID(rawValue: id), amount: amount, customer: customer, code: code, idempotencyKey: id)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// For every completed attempt: its completion event's time minus the gateway's completion.
    private func outcomeLatencies(pool: PostgresPool, ledger: SandboxLedger) async throws -> (all: [Double], byWebhook: [Double], completed: Int) {
        let rows = try await pool.query(
            """
            SELECT a.session_id, a.outcome_source, o.created_at FROM outbox o JOIN attempts a ON a.id = o.attempt_id
            WHERE o.type = 'attempt.completed'
            """
        )
        let completions = Dictionary(ledger.sessions.compactMap { session in session.completedAt.map { (session.id, $0) } }) { first, _ in first }
        var all: [Double] = []
        var byWebhook: [Double] = []
        for row in rows {
            guard let sessionID = try row.decode(String?.self, column: "session_id"), let completedAt = completions[sessionID] else { continue }
            let latency = max(0, try row.decode(Date.self, column: "created_at").timeIntervalSince(completedAt))
            all.append(latency)
            if try row.decode(String?.self, column: "outcome_source") == InputSource.webhook.rawValue {
                byWebhook.append(latency)
            }
        }
        return (all, byWebhook, rows.count)
    }

    private static func count(_ sql: String, _ pool: PostgresPool) async throws -> Int {
        try await pool.query(sql).first?.decode(Int.self, column: "n") ?? 0
    }
}

/// Collects gateway call durations.
actor BenchDurationLog {
    private(set) var fetches: [Double] = []

    func record(fetch seconds: Double) {
        fetches.append(seconds)
    }
}

/// A gateway that times the reads of another.
struct BenchTimedGateway: PaymentGateway {
    let inner: any PaymentGateway
    let log = BenchDurationLog()

    init(wrapping inner: any PaymentGateway) {
        self.inner = inner
    }

    var currencies: Set<Currency> { inner.currencies }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await inner.createSession(request, idempotencyKey: idempotencyKey)
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await inner.pay(sessionID: sessionID, code: code, idempotencyKey: idempotencyKey)
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        let started = ContinuousClock.now
        defer {
            let elapsed = started.duration(to: .now).timeInterval
            Task { await log.record(fetch: elapsed) }
        }
        return try await inner.session(id: id)
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        try await inner.refund(sessionID: sessionID, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        try await inner.refund(id: id)
    }
}

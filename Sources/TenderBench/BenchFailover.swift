import ArgumentParser
import EphemeralPostgres
import Foundation
import LibPQ
import ServiceLifecycle
import Tender
import TenderConvergeGate
import TenderSandbox
import TenderWorker

/// `tender bench failover`: two workers on a pg_auto_failover formation take a stream of BLIK
/// payments; the primary is killed with SIGKILL in the middle and the secondary promoted. Reports
/// how long transitions stalled and whether anything acknowledged was lost or done twice.
struct BenchFailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Kill the primary PostgreSQL under load, let pg_auto_failover promote its standby, check nothing was lost or doubled."
    )

    @Option(help: "Payments, submitted at an even pace over --submit-seconds; one in ten is never confirmed and expires.")
    var payments = 500

    @Option(help: "Seconds the submissions spread over; the primary dies at a third of them.")
    var submitSeconds: Double = 12

    @Option(help: "Write the results as JSON to this path.")
    var json: String?

    static let secretKey = "sk_test_bench_failover"

    struct Report: Codable {
        var scenario = "failover"
        var machine: MachineInfo
        var payments: Int
        /// The longest time without a transition around the kill.
        var stallS: Double
        /// From the kill to the standby accepting writes.
        var failoverS: Double
        /// From the first submission refused by the outage to the first accepted after it.
        var submissionStallS: Double
        /// Acknowledged submissions or webhooks missing from the database, or outcomes that
        /// disagree with the gateway's ledger.
        var lost: Int
        /// Sessions charged twice, completions or deadlines applied twice.
        var doubled: Int
        var inFlightAtKill: Int

        enum CodingKeys: String, CodingKey {
            case scenario, machine, payments, lost, doubled
            case stallS = "stall_s"
            case failoverS = "failover_s"
            case submissionStallS = "submission_stall_s"
            case inFlightAtKill = "in_flight_at_kill"
        }
    }

    func run() async throws {
        emit("starting a pg_auto_failover formation (monitor, primary, synchronous secondary)…")
        let formation = try await EphemeralFormation.start(logger: benchLogger)
        do {
            let report = try await measure(formation)
            await formation.stop()
            emit(
                """

                failover: \(report.payments) payments, \(report.inFlightAtKill) in flight when the primary was killed
                standby accepting writes after \(report.failoverS) s; no transition for \(report.stallS) s; submissions refused for \(report.submissionStallS) s
                lost \(report.lost), doubled \(report.doubled)
                """
            )
            try BenchOutput.write(report, to: json)
        } catch {
            await formation.stop()
            throw error
        }
    }

    private func measure(_ formation: EphemeralFormation) async throws -> Report {
        var bank = BankBehavior()
        bank.payerGivesUpAfter = .seconds(2000)
        let sandboxConfiguration = SandboxConfiguration(secretKey: Self.secretKey, bank: bank, timeScale: 0.05, seed: 18)
        return try await ConvergeGateSandbox.withRunning(sandboxConfiguration, logger: benchLogger) { sandbox in
            let gatewayURL = await sandbox.baseURL
            return try await withWorker("west", formation: formation, gatewayURL: gatewayURL) { west in
                try await withWorker("east", formation: formation, gatewayURL: gatewayURL) { east in
                    try await measure(formation, workers: [west, east], sandbox: sandbox)
                }
            }
        }
    }

    /// Runs a worker (engine and HTTP server) on the formation until `body` returns.
    private func withWorker<T: Sendable>(
        _ name: String, formation: EphemeralFormation, gatewayURL: String, _ body: (TenderStack) async throws -> T
    ) async throws -> T {
        let port = try FreePort.pick()
        var engine = EngineConfiguration()
        engine.workerID = name
        engine.webhookURL = "http://127.0.0.1:\(port)/webhooks/convergegate"
        engine.policy.confirmationWindow = .seconds(20)
        engine.policy.firstPollDelay = .seconds(2)
        engine.policy.pollInterval = .seconds(2)
        engine.policy.gracePeriod = .seconds(3)
        engine.policy.gracePollInterval = .seconds(1)
        var configuration = TenderConfiguration(
            database: try PostgresConfiguration(connectionString: formation.url),
            gateway: try ConvergeGateConfiguration(baseURL: gatewayURL, secretKey: Self.secretKey),
            engine: engine
        )
        configuration.port = port
        return try await TenderStack.withStack(configuration, logger: benchLogger) { stack in
            // Stopped by a graceful shutdown, not by cancellation, which a Hummingbird server does not survive.
            let services = ServiceGroup(
                configuration: .init(services: [.init(service: stack.engine), .init(service: stack.application())], logger: benchLogger))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                do {
                    let result = try await body(stack)
                    await services.triggerGracefulShutdown()
                    try await group.waitForAll()
                    return result
                } catch {
                    await services.triggerGracefulShutdown()
                    throw error
                }
            }
        }
    }

    private func measure(_ formation: EphemeralFormation, workers: [TenderStack], sandbox: ConvergeGateSandbox) async throws -> Report {
        let submitter = BenchSubmitter()
        let submissions = Task {
            try await submitAll(through: workers.map(\.engine), recording: submitter)
        }
        try await Task.sleep(for: .milliseconds(Int64(submitSeconds * 1000 / 3)))
        let pool = workers[0].pool
        let inFlight = (try? await Self.count("SELECT count(*) AS n FROM attempts WHERE state IN ('submitted', 'awaiting_confirmation')", pool)) ?? 0
        emit("killing the primary with \(inFlight) payments in flight…")
        let killed = try await formation.killPrimary()
        let killedAt = Date()
        _ = try await formation.waitForPromotion(replacing: killed)
        let failover = Date().timeIntervalSince(killedAt)
        emit("standby promoted after \(rounded(failover, 2)) s; waiting for every payment's outcome…")
        try await submissions.value

        let giveUp = Date() + 300
        while Date() < giveUp {
            let open = try? await Self.count(
                "SELECT count(*) AS n FROM attempts WHERE state IN ('submitted', 'awaiting_confirmation')", pool)
            if open == 0, (try? await Self.count("SELECT count(*) AS n FROM tasks", pool)) == 0 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        // The kill is not one instant: backends orphaned by the postmaster's death may still commit
        // for a moment. The stall is the longest time without a transition around it.
        let stall = try await pool.query(
            """
            SELECT coalesce(max(gap), 0)::float8 AS stall FROM (
                SELECT extract(epoch FROM at - lag(at) OVER (ORDER BY at)) AS gap FROM attempt_history
                WHERE at BETWEEN $1::timestamptz - interval '2 s' AND $1::timestamptz + interval '60 s'
            ) AS gaps
            """,
            [killedAt]
        ).first?.decode(Double.self, column: "stall")
        return Report(
            machine: .current, payments: payments,
            stallS: rounded(stall ?? 0, 2),
            failoverS: rounded(failover, 2),
            submissionStallS: rounded(await submitter.stall, 2),
            lost: try await lost(acknowledged: await submitter.acknowledged, pool: pool, ledger: await sandbox.ledger()),
            doubled: try await doubled(pool: pool, ledger: await sandbox.ledger()),
            inFlightAtKill: inFlight
        )
    }

    /// Submits the payments at an even pace, alternating workers; a refused submission is sent
    /// again with the same key, as an order system would, until it is acknowledged.
    private func submitAll(through engines: [PaymentEngine], recording submitter: BenchSubmitter) async throws {
        let customer = try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")
        let amount = try Money(minorUnits: 1000, currency: .pln)
        let pace = submitSeconds / Double(payments)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<payments {
                try await Task.sleep(until: started + .milliseconds(Int64(Double(index) * pace * 1000)))
                let engine = engines[index % engines.count]
                let code = try BLIKCode(index % 10 == 1 ? "000010" : String(format: "%06d", 100_000 + index))
                group.addTask {
                    let id = "failover-\(index)"
                    while true {
                        do {
                            _ = try await engine.submit(
                                paymentID: PaymentID(rawValue: id), amount: amount, customer: customer, code: code, idempotencyKey: id)
                            await submitter.accepted(id)
                            return
                        } catch {
                            await submitter.refused()
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Acknowledged payments without an outcome that agrees with the gateway's session, and
    /// webhooks answered 2xx but never processed.
    private func lost(acknowledged: Set<String>, pool: PostgresPool, ledger: SandboxLedger) async throws -> Int {
        let sessions = Dictionary(ledger.sessions.map { ($0.id, $0.status) }) { first, _ in first }
        var found = 0
        var stored: Set<String> = []
        for row in try await pool.query("SELECT payment_id, state, session_id FROM attempts") {
            let paymentID = try row.decode(String.self, column: "payment_id")
            stored.insert(paymentID)
            let state = try row.decode(String.self, column: "state")
            let paid = try row.decode(String?.self, column: "session_id").flatMap { sessions[$0] } == .completed
            if [AttemptState.submitted.rawValue, AttemptState.awaitingConfirmation.rawValue].contains(state) || paid != (state == "completed") {
                found += 1
            }
        }
        found += acknowledged.subtracting(stored).count
        let answered = Set(ledger.webhookAttempts.filter { (200..<300).contains($0.statusCode ?? 0) }.map(\.eventID))
        let processed = Set(
            try await pool.query("SELECT event_id FROM webhook_inbox WHERE processed_at IS NOT NULL").map {
                try $0.decode(String.self, column: "event_id")
            })
        return found + answered.subtracting(processed).count
    }

    /// Sessions charged more than once, and attempts that completed or met their deadline twice.
    private func doubled(pool: PostgresPool, ledger: SandboxLedger) async throws -> Int {
        let charged = ledger.sessions.filter { $0.acceptedPayCalls > 1 }.count
        let completions = try await Self.count(
            "SELECT count(*) AS n FROM (SELECT attempt_id FROM outbox WHERE type = 'attempt.completed' GROUP BY attempt_id HAVING count(*) > 1) AS t",
            pool)
        let deadlines = try await Self.count(
            """
            SELECT count(*) AS n FROM (
                SELECT attempt_id FROM attempt_history WHERE input = 'deadline_reached' GROUP BY attempt_id HAVING count(*) > 1
            ) AS t
            """,
            pool)
        return charged + completions + deadlines
    }

    private static func count(_ sql: String, _ pool: PostgresPool) async throws -> Int {
        try await pool.query(sql).first?.decode(Int.self, column: "n") ?? 0
    }
}

/// What the submitter saw: the payments acknowledged, and when submissions were refused.
actor BenchSubmitter {
    private(set) var acknowledged: Set<String> = []
    private var firstRefusal: Date?
    private var firstAcceptanceAfterRefusal: Date?

    func accepted(_ paymentID: String) {
        acknowledged.insert(paymentID)
        if firstRefusal != nil, firstAcceptanceAfterRefusal == nil {
            firstAcceptanceAfterRefusal = Date()
        }
    }

    func refused() {
        if firstRefusal == nil {
            firstRefusal = Date()
        }
    }

    /// From the first refusal to the first acceptance after it; 0 when nothing was refused.
    var stall: TimeInterval {
        guard let firstRefusal, let firstAcceptanceAfterRefusal else { return 0 }
        return firstAcceptanceAfterRefusal.timeIntervalSince(firstRefusal)
    }
}

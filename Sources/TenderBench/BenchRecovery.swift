import ArgumentParser
import Foundation
import LibPQ
import Tender

/// `tender bench recovery`: a worker process with pending deadlines and payments in flight is
/// killed with SIGKILL and started again; nothing may be lost or done twice.
struct BenchRecoveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract: "Kill a worker with SIGKILL mid-load, restart it, and check nothing was lost or done twice."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Pending deadlines.")
    var deadlines = 10_000

    @Option(help: "Seconds the deadlines spread over.")
    var spread: Double = 20

    @Option(help: "Seconds the worker stays dead.")
    var outage: Double = 2

    struct Report: Codable {
        var scenario = "recovery"
        var machine: MachineInfo
        var postgres: PostgresSettings
        var deadlines: Int
        var lost: Int
        var doubled: Int
        var catchUpS: Double
        var overdueAtRestart: Int
        var paymentsInFlight: Int
        var paymentsUnfinished: Int
        var paymentsDoubled: Int

        enum CodingKeys: String, CodingKey {
            case scenario, machine, postgres, deadlines, lost, doubled
            case catchUpS = "catch_up_s"
            case overdueAtRestart = "overdue_at_restart"
            case paymentsInFlight = "payments_in_flight"
            case paymentsUnfinished = "payments_unfinished"
            case paymentsDoubled = "payments_doubled"
        }
    }

    func run() async throws {
        let database = try await BenchDatabase.open(options.databaseURL, scenario: "recovery")
        do {
            let pool = try await database.migratedPool(size: 4)
            let settings = try await PostgresSettings.read(pool)
            BenchOutput.environment(.current, settings)
            let report = try await measure(url: database.url, pool: pool, settings: settings)
            await pool.close()
            emit(
                """

                recovery: \(report.deadlines) deadlines, worker killed for \(outage) s with \(report.paymentsInFlight) payments in flight
                lost \(report.lost), doubled \(report.doubled); \(report.overdueAtRestart) overdue at restart, all fired \(report.catchUpS) s after it
                payments unfinished \(report.paymentsUnfinished), completed twice \(report.paymentsDoubled)
                """
            )
            try BenchOutput.write(report, to: options.json)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    private func measure(url: String, pool: PostgresPool, settings: PostgresSettings) async throws -> Report {
        let seeded = BenchDeadlines(pool: pool, label: "recovery")
        let first = Date() + 3
        emit("seeding \(deadlines) deadlines over \(Int(spread)) s…")
        try await seeded.seed(count: deadlines, first: first, spread: spread)
        var worker = try BenchWorkerProcess.start(url: url, paymentsPerSecond: 50, gatewayDelayMS: 200)
        try await BenchTimersCommand.sleep(until: first + spread / 3)
        worker.stop()
        let inFlight = try await Self.count(
            "SELECT count(*) AS n FROM attempts WHERE payment_id LIKE 'flight-%' AND state NOT IN ('completed', 'failed', 'expired')", pool
        )
        emit("killed the worker with \(inFlight) payments in flight; restarting in \(outage) s…")
        try await Task.sleep(for: .milliseconds(Int64(outage * 1000)))
        let overdue = try await seeded.unfired(dueBy: Date())
        let restarted = Date()
        worker = try BenchWorkerProcess.start(url: url)
        defer { worker.stop() }
        let end = first + spread + 1
        var waited = 0
        while try await seeded.unfired(dueBy: restarted) > 0, waited < 1200 {
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        let lastOverdue = try await seeded.lastFired(dueBy: restarted) ?? restarted
        try await BenchTimersCommand.sleep(until: end + 5)
        let unfinished = try await Self.count(
            "SELECT count(*) AS n FROM attempts WHERE payment_id LIKE 'flight-%' AND state NOT IN ('completed', 'failed', 'expired')", pool
        )
        let paymentsDoubled = try await Self.count(
            """
            SELECT count(*) AS n FROM (
                SELECT attempt_id FROM outbox WHERE payment_id LIKE 'flight-%' AND type = 'attempt.completed'
                GROUP BY attempt_id HAVING count(*) > 1
            ) AS twice
            """,
            pool
        )
        return Report(
            machine: .current, postgres: settings, deadlines: deadlines,
            lost: try await seeded.unfired(dueBy: end), doubled: try await seeded.doubled(),
            catchUpS: rounded(max(0, lastOverdue.timeIntervalSince(restarted)), 3), overdueAtRestart: overdue,
            paymentsInFlight: inFlight, paymentsUnfinished: unfinished, paymentsDoubled: paymentsDoubled
        )
    }

    private static func count(_ sql: String, _ pool: PostgresPool) async throws -> Int {
        try await pool.query(sql).first?.decode(Int.self, column: "n") ?? 0
    }
}

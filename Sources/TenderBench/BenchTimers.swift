import ArgumentParser
import Foundation
import LibPQ
import Tender
import TenderPostgres
import TenderWorker

/// `tender bench timers`: deadlines in the real task table fired by the real scheduler, each firing
/// the real expiry transition. Three workloads: steady (precision), burst (throughput) and pause
/// (catch-up after a stopped worker process resumes).
struct BenchTimersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timers",
        abstract: "Deadline precision under steady load, firing throughput in a burst, catch-up after a pause."
    )

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case steady, burst, pause
    }

    @OptionGroup var options: BenchOptions

    @Option(parsing: .upToNextOption, help: "The workloads to run.")
    var workloads: [Workload] = Workload.allCases

    @Option(help: "Pending deadlines of the steady workload.")
    var pending = 100_000

    @Option(help: "Seconds the steady deadlines spread over.")
    var spread: Double = 600

    @Option(help: "Seconds of the steady workload measured.")
    var window: Double = 60

    @Option(help: "Deadlines of the burst.")
    var burst = 100_000

    @Option(help: "Seconds the burst's deadlines fall within.")
    var burstSpread: Double = 10

    @Option(help: "Seconds the worker is stopped in the pause workload.")
    var pauseSeconds: Double = 5

    struct Steady: Codable {
        var pending: Int
        var fired: Int
        var latenessMS: LatencySummary
        var rssMB: Double
        var commitsPerFire: Double
        var statCommitsPerFire: Double

        enum CodingKeys: String, CodingKey {
            case pending, fired
            case latenessMS = "lateness_ms"
            case rssMB = "rss_mb"
            case commitsPerFire = "commits_per_fire"
            case statCommitsPerFire = "xact_commit_per_fire"
        }
    }

    struct Burst: Codable {
        var deadlines: Int
        var firesPerS: Double
        var seconds: Double
        var latenessMS: LatencySummary
        var commitsPerFire: Double
        var rssMB: Double

        enum CodingKeys: String, CodingKey {
            case deadlines
            case firesPerS = "fires_per_s"
            case seconds
            case latenessMS = "lateness_ms"
            case commitsPerFire = "commits_per_fire"
            case rssMB = "rss_mb"
        }
    }

    struct Pause: Codable {
        var paused: Double
        var overdue: Int
        var catchUpS: Double
        var unfired: Int

        enum CodingKeys: String, CodingKey {
            case paused = "paused_s"
            case overdue
            case catchUpS = "catch_up_s"
            case unfired
        }
    }

    struct Report: Codable {
        var scenario = "timers"
        var machine: MachineInfo
        var postgres: PostgresSettings
        var steady: Steady?
        var burst: Burst?
        var pause: Pause?
    }

    func run() async throws {
        let database = try await BenchDatabase.open(options.databaseURL, scenario: "timers")
        do {
            let pool = try await database.migratedPool(size: 4)
            let settings = try await PostgresSettings.read(pool)
            BenchOutput.environment(.current, settings)
            var report = Report(machine: .current, postgres: settings)
            for workload in workloads {
                try await Self.reset(pool)
                switch workload {
                case .steady: report.steady = try await steady(url: database.url, pool: pool)
                case .burst: report.burst = try await runBurst(url: database.url, pool: pool)
                case .pause: report.pause = try await runPause(url: database.url, pool: pool)
                }
            }
            await pool.close()
            emit(Self.table(report))
            try BenchOutput.write(report, to: options.json)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    private func steady(url: String, pool: PostgresPool) async throws -> Steady {
        emit("seeding \(pending) deadlines over \(Int(spread)) s…")
        let deadlines = BenchDeadlines(pool: pool, label: "steady")
        // Seeding takes a second per 50,000 deadlines on this machine's disk at its best, and
        // took more than twice that on a slower day: the first falls due after four times it,
        // so that the engine starts with none overdue.
        let first = Date() + 5 + Double(pending) / 12_500
        try await deadlines.seed(count: pending, first: first, spread: spread)
        guard Date() < first else {
            throw BenchFailure("seeding \(pending) deadlines outlasted its lead; the first were overdue before the engine started")
        }
        let windowStart = first + 2
        let windowEnd = windowStart + window
        emit("measuring \(Int(window)) s of firing…")
        let counters = CommitCounter(pool: pool)
        let (start, end, statEnd, rss) = try await withEngine(url: url) {
            try await Self.sleep(until: windowStart)
            let start = try await counters.read()
            try await Self.sleep(until: windowEnd)
            let end = try await counters.read()
            let rss = ProcessUsage.residentMB
            try await Task.sleep(for: .milliseconds(1100))
            return (start, end, try await counters.read(), rss)
        }
        let lateness = try await deadlines.lateness(dueFrom: windowStart, to: windowEnd)
        let fires = Double(max(lateness.count, 1))
        return Steady(
            pending: pending, fired: lateness.count, latenessMS: LatencySummary(seconds: lateness), rssMB: rss,
            commitsPerFire: rounded(Double(CommitCounter.writes(from: start, to: end)) / fires, 3),
            statCommitsPerFire: rounded(Double(CommitCounter.statCommits(from: start, to: statEnd)) / fires, 3)
        )
    }

    private func runBurst(url: String, pool: PostgresPool) async throws -> Burst {
        emit("seeding \(burst) deadlines due within \(Int(burstSpread)) s…")
        let deadlines = BenchDeadlines(pool: pool, label: "burst")
        let first = Date() + 8
        try await deadlines.seed(count: burst, first: first, spread: burstSpread)
        let counters = CommitCounter(pool: pool)
        let horizon = first + burstSpread + 1
        let (start, end, rss) = try await withEngine(url: url) {
            let start = try await counters.read()
            var rss = 0.0
            // Counting the unfired deadlines scans the attempts: once a second keeps that load off
            // the server the burst is measured on.
            while try await deadlines.unfired(dueBy: horizon) > 0 {
                rss = max(rss, ProcessUsage.residentMB)
                try await Task.sleep(for: .seconds(1))
            }
            return (start, try await counters.read(), rss)
        }
        let lateness = try await deadlines.lateness(dueFrom: first, to: horizon)
        let last = try await deadlines.lastFired(dueBy: horizon) ?? first
        let seconds = last.timeIntervalSince(first)
        return Burst(
            deadlines: burst, firesPerS: rounded(Double(lateness.count) / max(seconds, 0.001), 1), seconds: rounded(seconds, 3),
            latenessMS: LatencySummary(seconds: lateness),
            commitsPerFire: rounded(Double(CommitCounter.writes(from: start, to: end)) / Double(max(lateness.count, 1)), 3),
            rssMB: rss
        )
    }

    private func runPause(url: String, pool: PostgresPool) async throws -> Pause {
        let count = 20_000
        let spread = 30.0
        emit("seeding \(count) deadlines over \(Int(spread)) s; stopping the worker process for \(pauseSeconds) s…")
        let deadlines = BenchDeadlines(pool: pool, label: "pause")
        let first = Date() + 3
        try await deadlines.seed(count: count, first: first, spread: spread)
        let worker = try BenchWorkerProcess.start(url: url)
        defer { worker.stop() }
        try await Self.sleep(until: first + 5)
        worker.signal(SIGSTOP)
        try await Task.sleep(for: .milliseconds(Int64(pauseSeconds * 1000)))
        let overdue = try await deadlines.unfired(dueBy: Date())
        let resumed = Date()
        worker.signal(SIGCONT)
        var waited = 0
        while try await deadlines.unfired(dueBy: resumed) > 0, waited < 600 {
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        let last = try await deadlines.lastFired(dueBy: resumed) ?? resumed
        return Pause(
            paused: pauseSeconds, overdue: overdue, catchUpS: rounded(max(0, last.timeIntervalSince(resumed)), 3),
            unfired: try await deadlines.unfired(dueBy: resumed)
        )
    }

    /// Runs an engine in this process while `body` runs.
    private func withEngine<T: Sendable>(url: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withBenchStack(url: url, gateway: InstantGateway()) { stack in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await stack.engine.run() }
                defer { group.cancelAll() }
                return try await body()
            }
        }
    }

    static func sleep(until date: Date) async throws {
        let delay = date.timeIntervalSinceNow
        if delay > 0 {
            try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
        }
    }

    static func reset(_ pool: PostgresPool) async throws {
        _ = try await pool.execute(
            "TRUNCATE outbox, outbox_cursors, refund_history, refunds, attempt_history, tasks, webhook_inbox, attempts, payments"
        )
    }

    private static func table(_ report: Report) -> String {
        var lines: [String] = []
        if let steady = report.steady {
            lines.append(
                "steady: \(steady.pending) pending, \(steady.fired) fired in the window; lateness ms p50 \(steady.latenessMS.p50) "
                    + "p99 \(steady.latenessMS.p99) max \(steady.latenessMS.max); RSS \(steady.rssMB) MB; "
                    + "commits/fire \(steady.commitsPerFire) (xact_commit/fire \(steady.statCommitsPerFire))"
            )
        }
        if let burst = report.burst {
            lines.append(
                "burst: \(burst.deadlines) deadlines in \(burst.seconds) s → \(burst.firesPerS) fires/s; lateness ms p50 "
                    + "\(burst.latenessMS.p50) p99 \(burst.latenessMS.p99) max \(burst.latenessMS.max); commits/fire \(burst.commitsPerFire); "
                    + "peak RSS \(burst.rssMB) MB"
            )
        }
        if let pause = report.pause {
            lines.append(
                "pause: stopped \(pause.paused) s, ~\(pause.overdue) overdue; all fired \(pause.catchUpS) s after resuming; "
                    + "\(pause.unfired) unfired"
            )
        }
        return "\ntimers\n" + lines.joined(separator: "\n")
    }
}

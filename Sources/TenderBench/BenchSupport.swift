import ArgumentParser
import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import Tender
import TenderConvergeGate
import TenderPostgres
import TenderWorker

/// The options every benchmark scenario takes.
struct BenchOptions: ParsableArguments {
    @Option(help: "A PostgreSQL URL to run against (a fresh database is created on it); default: a durable throwaway server.")
    var databaseURL: String?

    @Option(help: "Write the results as JSON to this path.")
    var json: String?
}

/// The database a benchmark runs on: a durable throwaway server, or a fresh database on a given one.
struct BenchDatabase: Sendable {
    /// The fresh database's URL.
    let url: String
    private let server: EphemeralPostgres?

    /// Starts a durable server (or uses `serverURL`) and creates a fresh database named after `scenario`.
    static func open(_ serverURL: String?, scenario: String) async throws -> BenchDatabase {
        let name = "bench_\(scenario)_\(UInt32.random(in: 0...UInt32.max))"
        if let serverURL {
            let connection = try await PostgresConnection.connect(try PostgresConfiguration(connectionString: serverURL), logger: benchLogger)
            try await connection.execute("CREATE DATABASE \(name)")
            await connection.close()
            return BenchDatabase(url: Self.replacingDatabase(of: serverURL, with: name), server: nil)
        }
        var configuration = EphemeralPostgres.Configuration.durable
        configuration.settings["shared_buffers"] = "256MB"
        let server = try await EphemeralPostgres.start(configuration, logger: benchLogger)
        return BenchDatabase(url: try await server.createDatabase(name), server: server)
    }

    /// The directory of the server's binaries (for `pgbench`), when the benchmark started the server.
    var binaryDirectory: String? { server?.binaryDirectory }

    /// Stops the server the benchmark started.
    func close() async {
        await server?.stop()
    }

    /// A pool on the database, migrated.
    func migratedPool(size: Int) async throws -> PostgresPool {
        let pool = PostgresPool(configuration: try PostgresConfiguration(connectionString: url), size: size, logger: benchLogger)
        try await Migrator(logger: benchLogger).migrate(pool)
        return pool
    }

    private static func replacingDatabase(of url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }
}

/// Runs `body` with a Tender stack on the database at `url` whose engine calls `gateway`. The
/// ConvergeGate settings the configuration needs are placeholders: the injected gateway answers.
func withBenchStack<T: Sendable>(
    url: String, poolSize: Int = 8, gateway: any PaymentGateway, engine: EngineConfiguration = EngineConfiguration(),
    _ body: (TenderStack) async throws -> T
) async throws -> T {
    var configuration = TenderConfiguration(
        database: try PostgresConfiguration(connectionString: url),
        gateway: try ConvergeGateConfiguration(baseURL: "http://gateway.invalid", secretKey: "sk_bench_unused"),
        engine: engine
    )
    configuration.poolSize = poolSize
    return try await TenderStack.withStack(configuration, gateway: gateway, logger: benchLogger, body)
}

/// The logger of the benchmark commands: notices and worse only, so logs do not cost time.
let benchLogger: Logger = {
    var logger = Logger(label: "tender.bench")
    logger.logLevel = .warning
    return logger
}()

/// The machine a benchmark ran on.
struct MachineInfo: Codable, Sendable {
    var cores: Int
    var memoryMB: Int
    var cpu: String
    var kernel: String

    enum CodingKeys: String, CodingKey {
        case cores
        case memoryMB = "memory_mb"
        case cpu, kernel
    }

    /// The current machine.
    static var current: MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "unknown")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return MachineInfo(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryMB: Int(ProcessInfo.processInfo.physicalMemory / 1_048_576),
            cpu: model, kernel: kernel
        )
    }
}

/// The PostgreSQL settings that bound a write benchmark.
struct PostgresSettings: Codable, Sendable {
    var version: String
    var fsync: String
    var synchronousCommit: String
    var sharedBuffers: String
    var fullPageWrites: String

    enum CodingKeys: String, CodingKey {
        case version, fsync
        case synchronousCommit = "synchronous_commit"
        case sharedBuffers = "shared_buffers"
        case fullPageWrites = "full_page_writes"
    }

    /// The settings of the server behind `pool`.
    static func read(_ pool: PostgresPool) async throws -> PostgresSettings {
        func show(_ name: String) async throws -> String {
            try await pool.query("SELECT current_setting($1) AS value", [name]).first?.decode(String.self, column: "value") ?? "?"
        }
        return PostgresSettings(
            version: try await show("server_version"), fsync: try await show("fsync"),
            synchronousCommit: try await show("synchronous_commit"), sharedBuffers: try await show("shared_buffers"),
            fullPageWrites: try await show("full_page_writes")
        )
    }
}

/// Counts write transactions as transaction ids consumed, beside `pg_stat_database.xact_commit`.
struct CommitCounter: Sendable {
    /// A reading of both counters.
    struct Reading: Sendable {
        var xactID: Int64
        var xactCommit: Int64
    }

    let pool: PostgresPool

    /// Reads both counters. The `pg_current_xact_id()` call takes one transaction id itself.
    func read() async throws -> Reading {
        // The statistics are flushed by a backend at most once a second; force them out first.
        _ = try await pool.query("SELECT pg_stat_force_next_flush()")
        let rows = try await pool.query(
            """
            SELECT pg_current_xact_id()::text::bigint AS xid,
                   (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits
            """
        )
        return Reading(
            xactID: try rows.first?.decode(Int64.self, column: "xid") ?? 0,
            xactCommit: try rows.first?.decode(Int64.self, column: "commits") ?? 0
        )
    }

    /// Write transactions between two readings, not counting the readings themselves.
    static func writes(from start: Reading, to end: Reading) -> Int64 {
        end.xactID - start.xactID - 1
    }

    /// All commits between two readings as the statistics count them (reads and keep-alives too).
    static func statCommits(from start: Reading, to end: Reading) -> Int64 {
        end.xactCommit - start.xactCommit
    }
}

/// Latency percentiles in milliseconds.
struct LatencySummary: Codable, Sendable {
    var p50: Double
    var p99: Double
    var max: Double
    var count: Int

    /// The summary of `samples`, in seconds.
    init(seconds samples: [Double]) {
        let sorted = samples.sorted()
        func at(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)
            return (sorted[Swift.max(0, index)] * 1000 * 1000).rounded() / 1000
        }
        p50 = at(0.5)
        p99 = at(0.99)
        max = at(1.0)
        count = sorted.count
    }
}

/// What the process uses of the machine.
enum ProcessUsage {
    /// Resident memory now (`VmRSS`), in MB.
    static var residentMB: Double { statusField("VmRSS") }

    /// Peak resident memory (`VmHWM`), in MB.
    static var peakResidentMB: Double { statusField("VmHWM") }

    /// User plus system CPU seconds of this process so far.
    static var cpuSeconds: Double {
        let usage = self.usage
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Context switches of this process's threads so far, voluntary (a thread waited) and not.
    static var contextSwitches: Int {
        let usage = self.usage
        return usage.ru_nvcsw + usage.ru_nivcsw
    }

    private static var usage: rusage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage
    }

    private static func statusField(_ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return (kilobytes / 1024 * 10).rounded() / 10
    }
}

/// Prints results as an aligned table and writes them as JSON.
enum BenchOutput {
    /// Prints a table with a header row.
    static func table(_ title: String, header: [String], rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0
                    ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        emit("\n\(title)")
        emit(line(header))
        emit(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { emit(line(row)) }
    }

    /// Prints the machine and server settings.
    static func environment(_ machine: MachineInfo, _ settings: PostgresSettings) {
        emit("machine: \(machine.cores) cores, \(machine.memoryMB) MB, \(machine.cpu), Linux \(machine.kernel)")
        emit(
            "postgres \(settings.version): fsync=\(settings.fsync) synchronous_commit=\(settings.synchronousCommit) "
                + "shared_buffers=\(settings.sharedBuffers) full_page_writes=\(settings.fullPageWrites)")
    }

    /// Writes `value` as pretty JSON to `path`, if given.
    static func write<T: Encodable>(_ value: T, to path: String?) throws {
        guard let path else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path))
        emit("\nwrote \(path)")
    }

    /// A number with `digits` decimals.
    static func format(_ value: Double, _ digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value)
    }
}

/// Rounds to `digits` decimals for JSON.
func rounded(_ value: Double, _ digits: Int = 2) -> Double {
    let scale = pow(10, Double(digits))
    return (value * scale).rounded() / scale
}

/// Writes a line to standard output at once (`print` buffers when the output is a pipe).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

import ArgumentParser
import Foundation
import LibPQ
import Logging

/// `tender bench pg`: LibPQ on one connection against `pgbench` on the same server.
struct PGBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg",
        abstract: "Measure LibPQ round trips, transactions and pipelining against pgbench on the same server.",
        discussion: """
            Without --database-url it starts a throwaway PostgreSQL 15 cluster with durability on \
            (fsync and synchronous_commit on, max_wal_size=4GB) and removes it afterwards.
            """
    )

    @Option(help: "A libpq connection string or URL of the server to measure (default: a throwaway cluster).")
    var databaseURL: String?

    @Option(help: "Seconds per workload.")
    var seconds: Int = 5

    @Option(help: "Write the figures as JSON to this path.")
    var json: String?

    func run() async throws {
        let logger = Logger(label: "tender.bench.pg")
        let server: BenchServer
        if let databaseURL {
            server = try .external(PostgresConfiguration(connectionString: databaseURL), url: databaseURL)
        } else {
            server = try await .start()
        }
        defer { server.stop() }

        let connection = try await PostgresConnection.connect(server.configuration, logger: logger)
        try await connection.execute("DROP TABLE IF EXISTS tender_bench_accounts")
        try await connection.execute("CREATE TABLE tender_bench_accounts (id int8 PRIMARY KEY, balance int8 NOT NULL)")
        try await connection.execute("INSERT INTO tender_bench_accounts SELECT g, 0 FROM generate_series(1, \(Self.accounts)) g")
        try await connection.execute("VACUUM ANALYZE tender_bench_accounts")

        let duration = Duration.seconds(seconds)
        let select = "SELECT id, balance FROM tender_bench_accounts WHERE id = $1"
        let update = "UPDATE tender_bench_accounts SET balance = balance + 1 WHERE id = $1"
        var results: [BenchResult] = []

        let selects = try await Self.measure(for: duration) {
            try await connection.query(select, [Self.randomAccount()])
            return 1
        }
        results.append(BenchResult(
            workload: "one-row SELECT",
            unit: "statements/s",
            tender: selects,
            pgbench: try server.pgbench(script: "\\set id random(1, \(Self.accounts))\nSELECT id, balance FROM tender_bench_accounts WHERE id = :id;\n", seconds: seconds)
        ))

        let transactions = try await Self.measure(for: duration) {
            try await connection.withTransaction { connection in
                try await connection.execute(update, [Self.randomAccount()])
            }
            return 1
        }
        results.append(BenchResult(
            workload: "BEGIN; one-row UPDATE; COMMIT",
            unit: "transactions/s",
            tender: transactions,
            pgbench: try server.pgbench(script: "\\set id random(1, \(Self.accounts))\nBEGIN;\nUPDATE tender_bench_accounts SET balance = balance + 1 WHERE id = :id;\nEND;\n", seconds: seconds)
        ))

        let batch = 100
        let oneByOne = try await Self.measure(for: duration) {
            for _ in 0..<batch {
                try await connection.query(select, [Self.randomAccount()])
            }
            return batch
        }
        let selectScript = (0..<batch).map { "\\set id\($0) random(1, \(Self.accounts))\n" }.joined()
            + (0..<batch).map { "SELECT id, balance FROM tender_bench_accounts WHERE id = :id\($0);\n" }.joined()
        results.append(BenchResult(
            workload: "100 SELECTs one by one",
            unit: "statements/s",
            tender: oneByOne,
            pgbench: try server.pgbench(script: selectScript, seconds: seconds) * Double(batch)
        ))

        let pipelined = try await Self.measure(for: duration) {
            _ = try await connection.pipeline((0..<batch).map { _ in PostgresStatement(select, [Self.randomAccount()]) })
            return batch
        }
        let pipelineScript = (0..<batch).map { "\\set id\($0) random(1, \(Self.accounts))\n" }.joined()
            + "\\startpipeline\n"
            + (0..<batch).map { "SELECT id, balance FROM tender_bench_accounts WHERE id = :id\($0);\n" }.joined()
            + "\\endpipeline\n"
        results.append(BenchResult(
            workload: "100 SELECTs in one pipeline",
            unit: "statements/s",
            tender: pipelined,
            pgbench: try server.pgbench(script: pipelineScript, seconds: seconds) * Double(batch)
        ))
        await connection.close()

        Self.printTable(results, pipelineSpeedup: pipelined / oneByOne)
        if let json {
            let report = BenchReport(seconds: seconds, pgbenchMode: "extended", results: results, pipelineSpeedup: pipelined / oneByOne)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }

    private static let accounts = 1000

    private static func randomAccount() -> Int {
        Int.random(in: 1...accounts)
    }

    /// Runs `operation` repeatedly for `duration` and returns operations (as counted by it) per second.
    private static func measure(for duration: Duration, _ operation: () async throws -> Int) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while start.duration(to: clock.now) < duration {
            count += try await operation()
        }
        let elapsed = start.duration(to: clock.now)
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    private static func printTable(_ results: [BenchResult], pipelineSpeedup: Double) {
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return right ? padding + text : text + padding
        }
        func number(_ value: Double) -> String {
            value.formatted(.number.precision(.fractionLength(0)))
        }
        print(pad("workload", 32) + pad("unit", 16) + pad("LibPQ", 12, right: true) + pad("pgbench", 12, right: true) + pad("ratio", 8, right: true))
        for result in results {
            print(
                pad(result.workload, 32) + pad(result.unit, 16) + pad(number(result.tender), 12, right: true)
                    + pad(number(result.pgbench), 12, right: true)
                    + pad(result.ratio.formatted(.number.precision(.fractionLength(2))), 8, right: true)
            )
        }
        print("pipelining speed-up (LibPQ): \(pipelineSpeedup.formatted(.number.precision(.fractionLength(1))))x")
    }
}

/// One workload's figures.
private struct BenchResult: Encodable {
    var workload: String
    var unit: String
    var tender: Double
    var pgbench: Double
    var ratio: Double { pgbench > 0 ? tender / pgbench : 0 }

    enum CodingKeys: String, CodingKey {
        case workload, unit, tender = "libpq", pgbench, ratio
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workload, forKey: .workload)
        try container.encode(unit, forKey: .unit)
        try container.encode(tender, forKey: .tender)
        try container.encode(pgbench, forKey: .pgbench)
        try container.encode(ratio, forKey: .ratio)
    }
}

/// The JSON written by `--json`.
private struct BenchReport: Encodable {
    var seconds: Int
    var pgbenchMode: String
    var results: [BenchResult]
    var pipelineSpeedup: Double
}

/// The server measured: a throwaway cluster or one given by URL.
private struct BenchServer {
    let configuration: PostgresConfiguration
    /// How pgbench reaches the server.
    private let pgbenchTarget: [String]
    /// The throwaway cluster's directory, removed by ``stop()``.
    private let clusterRoot: String?

    private static let binaries = "/usr/lib/postgresql/15/bin"

    static func external(_ configuration: PostgresConfiguration, url: String) throws -> BenchServer {
        BenchServer(configuration: configuration, pgbenchTarget: [url], clusterRoot: nil)
    }

    /// Starts a durable throwaway cluster on a free port.
    static func start() async throws -> BenchServer {
        let root = NSTemporaryDirectory() + "tender-bench-pg-\(getpid())"
        let data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try await run("/bin/chown", ["-R", "postgres", root])
        try await run("/bin/chmod", ["700", data])
        try await run(
            "/usr/sbin/runuser",
            ["-u", "postgres", "--", binaries + "/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"]
        )
        let port = Int.random(in: 20_000...40_000)
        try await run(
            "/usr/sbin/runuser",
            [
                "-u", "postgres", "--", binaries + "/pg_ctl", "-D", data, "-l", root + "/log", "-w", "-t", "30",
                "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(root) -c max_wal_size=4GB", "start",
            ]
        )
        return BenchServer(
            configuration: try PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:\(port)/postgres"),
            pgbenchTarget: ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "postgres"],
            clusterRoot: root
        )
    }

    func stop() {
        guard let clusterRoot else { return }
        _ = Self.spawnAndWait(
            "/usr/sbin/runuser",
            ["-u", "postgres", "--", Self.binaries + "/pg_ctl", "-D", clusterRoot + "/data", "-m", "fast", "stop"],
            output: "/dev/null"
        )
        try? FileManager.default.removeItem(atPath: clusterRoot)
    }

    /// Runs `script` with pgbench on one connection (extended protocol, like LibPQ) and returns its tps.
    func pgbench(script: String, seconds: Int) throws -> Double {
        let directory = NSTemporaryDirectory() + "tender-bench-pgbench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scriptPath = directory + "/script.sql"
        let outputPath = directory + "/output.txt"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let executable = FileManager.default.isExecutableFile(atPath: Self.binaries + "/pgbench") ? Self.binaries + "/pgbench" : "pgbench"
        let status = Self.spawnAndWait(
            executable,
            ["-n", "-c", "1", "-T", "\(seconds)", "-M", "extended", "-f", scriptPath] + pgbenchTarget,
            output: outputPath
        )
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0,
            let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst("tps = ".count).prefix { $0 != " " })
        else {
            throw ValidationError("pgbench failed (status \(status)):\n\(output)")
        }
        return tps
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws {
        let status = await withCheckedContinuation { continuation in
            DispatchQueue(label: "tender.bench.spawn").async {
                continuation.resume(returning: spawnAndWait(executable, arguments, output: "/dev/null"))
            }
        }
        guard status == 0 else {
            throw ValidationError("\(executable) \(arguments.joined(separator: " ")) exited with status \(status)")
        }
    }

    /// Runs a program (searching PATH) with stdout and stderr sent to `output`, and returns its
    /// wait status. `posix_spawn` rather than `Process`: Foundation's `Process` does not report
    /// the end of `pg_ctl start`, whose server inherits its descriptors.
    private static func spawnAndWait(_ executable: String, _ arguments: [String], output: String) -> Int32 {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // The child starts with no blocked signals: threads of this process block some (SIGALRM,
        // which pgbench -T needs), and a spawned process inherits the mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        guard posix_spawnp(&pid, executable, &fileActions, &attributes, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}

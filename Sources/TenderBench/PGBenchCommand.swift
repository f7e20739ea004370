import ArgumentParser
import EphemeralPostgres
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
        let server: BenchServer
        if let databaseURL {
            server = try .external(PostgresConfiguration(connectionString: databaseURL), url: databaseURL)
        } else {
            server = try await .start()
        }
        do {
            try await benchmark(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func benchmark(_ server: BenchServer) async throws {
        let logger = Logger(label: "tender.bench.pg")
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
        results.append(
            BenchResult(
                workload: "one-row SELECT",
                unit: "statements/s",
                tender: selects,
                pgbench: try await server.pgbench(
                    script: "\\set id random(1, \(Self.accounts))\nSELECT id, balance FROM tender_bench_accounts WHERE id = :id;\n", seconds: seconds)
            ))

        let transactions = try await Self.measure(for: duration) {
            try await connection.withTransaction { connection in
                try await connection.execute(update, [Self.randomAccount()])
            }
            return 1
        }
        results.append(
            BenchResult(
                workload: "BEGIN; one-row UPDATE; COMMIT",
                unit: "transactions/s",
                tender: transactions,
                pgbench: try await server.pgbench(
                    script:
                        "\\set id random(1, \(Self.accounts))\nBEGIN;\nUPDATE tender_bench_accounts SET balance = balance + 1 WHERE id = :id;\nEND;\n",
                    seconds: seconds)
            ))

        let batch = 100
        let oneByOne = try await Self.measure(for: duration) {
            for _ in 0..<batch {
                try await connection.query(select, [Self.randomAccount()])
            }
            return batch
        }
        let selectScript =
            (0..<batch).map { "\\set id\($0) random(1, \(Self.accounts))\n" }.joined()
            + (0..<batch).map { "SELECT id, balance FROM tender_bench_accounts WHERE id = :id\($0);\n" }.joined()
        results.append(
            BenchResult(
                workload: "100 SELECTs one by one",
                unit: "statements/s",
                tender: oneByOne,
                pgbench: try await server.pgbench(script: selectScript, seconds: seconds) * Double(batch)
            ))

        let pipelined = try await Self.measure(for: duration) {
            _ = try await connection.pipeline((0..<batch).map { _ in PostgresStatement(select, [Self.randomAccount()]) })
            return batch
        }
        let pipelineScript =
            (0..<batch).map { "\\set id\($0) random(1, \(Self.accounts))\n" }.joined()
            + "\\startpipeline\n"
            + (0..<batch).map { "SELECT id, balance FROM tender_bench_accounts WHERE id = :id\($0);\n" }.joined()
            + "\\endpipeline\n"
        results.append(
            BenchResult(
                workload: "100 SELECTs in one pipeline",
                unit: "statements/s",
                tender: pipelined,
                pgbench: try await server.pgbench(script: pipelineScript, seconds: seconds) * Double(batch)
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
        case workload, unit
        case tender = "libpq"
        case pgbench, ratio
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
/// The server measured: a durable throwaway cluster, or one named by `--database-url`.
private struct BenchServer {
    let configuration: PostgresConfiguration
    /// How pgbench reaches the server.
    private let pgbenchTarget: [String]
    private let cluster: EphemeralPostgres?

    static func external(_ configuration: PostgresConfiguration, url: String) throws -> BenchServer {
        BenchServer(configuration: configuration, pgbenchTarget: [url], cluster: nil)
    }

    /// Starts a durable throwaway cluster (fsync and synchronous_commit on, max_wal_size=4GB).
    static func start() async throws -> BenchServer {
        let cluster = try await EphemeralPostgres.start(.durable)
        return BenchServer(
            configuration: try PostgresConfiguration(connectionString: cluster.url),
            pgbenchTarget: [cluster.url],
            cluster: cluster
        )
    }

    func stop() async {
        await cluster?.stop()
    }

    /// Runs `script` with pgbench on one connection (extended protocol, like LibPQ) and returns its tps.
    func pgbench(script: String, seconds: Int) async throws -> Double {
        let scriptPath = FileManager.default.temporaryDirectory.appendingPathComponent("tender-bench-pg-\(UUID().uuidString).sql").path
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: scriptPath) }
        let result = try await EphemeralPostgres.runClientProgram(
            "pgbench", ["-n", "-c", "1", "-T", "\(seconds)", "-M", "extended", "-f", scriptPath] + pgbenchTarget
        )
        guard result.status == 0,
            let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst("tps = ".count).prefix { $0 != " " })
        else {
            throw ValidationError("pgbench failed (status \(result.status)):\n\(result.output)")
        }
        return tps
    }
}

import Foundation
import LibPQ

/// A `pgbench` script over tables shaped like Tender's, to measure what PostgreSQL itself reaches
/// for the SQL work of one transition: read the version; BEGIN; versioned UPDATE; INSERT history;
/// INSERT outbox; COMMIT.
struct BenchPgbenchScript: Sendable {
    let executable: String
    let scriptPath: String

    /// Rows in the attempts table the script picks from at random.
    static let rows = 100_000

    /// Creates and fills the tables and writes the script.
    static func transition(pool: PostgresPool, binaryDirectory: String?) async throws -> BenchPgbenchScript {
        try await pool.withConnection { connection in
            try await connection.executeScript(
                """
                DROP TABLE IF EXISTS pgb_history, pgb_outbox, pgb_attempts;
                CREATE TABLE pgb_attempts (
                    id bigint PRIMARY KEY, payment_id text NOT NULL, state text NOT NULL, stage text NOT NULL,
                    version bigint NOT NULL, amount bigint NOT NULL, currency text NOT NULL, customer jsonb NOT NULL,
                    blik_code text, session_id text UNIQUE, submitted_at timestamptz NOT NULL,
                    deadline timestamptz NOT NULL, resolved_at timestamptz, late boolean NOT NULL DEFAULT false,
                    retries integer NOT NULL DEFAULT 0
                );
                CREATE INDEX pgb_attempts_payment ON pgb_attempts (payment_id);
                CREATE INDEX pgb_attempts_state_submitted ON pgb_attempts (state, submitted_at);
                CREATE TABLE pgb_history (
                    attempt_id bigint NOT NULL REFERENCES pgb_attempts (id), version bigint NOT NULL,
                    from_state text, to_state text NOT NULL, input text NOT NULL, source text NOT NULL,
                    note text NOT NULL, evidence jsonb, at timestamptz NOT NULL, PRIMARY KEY (attempt_id, version)
                );
                CREATE TABLE pgb_outbox (
                    id bigserial PRIMARY KEY, seq bigint UNIQUE, type text NOT NULL, payment_id text NOT NULL,
                    attempt_id bigint NOT NULL, version bigint NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL
                );
                CREATE INDEX pgb_outbox_unsequenced ON pgb_outbox (id) WHERE seq IS NULL;
                INSERT INTO pgb_attempts (id, payment_id, state, stage, version, amount, currency, customer, session_id, submitted_at, deadline)
                SELECT n, 'pay-' || n, 'submitted', 'paying', 1, 1000, 'PLN',
                    '{"email":"payer@example.com","first_name":"Jan","last_name":"Kowalski"}', 'cs_' || n, now(), now() + interval '90 s'
                FROM generate_series(1, \(rows)) AS n;
                """
            )
            try await connection.execute("VACUUM ANALYZE pgb_attempts")
        }
        let script = """
            \\set id random(1, \(rows))
            SELECT version AS v FROM pgb_attempts WHERE id = :id \\gset
            BEGIN;
            UPDATE pgb_attempts SET version = :v + 1, state = 'awaiting_confirmation', stage = 'paid', blik_code = NULL, retries = 0 WHERE id = :id AND version = :v;
            INSERT INTO pgb_history (attempt_id, version, from_state, to_state, input, source, note, evidence, at) VALUES (:id, :v + 1, 'submitted', 'awaiting_confirmation', 'pay_answered', 'gateway_response', 'gateway took the code', jsonb_build_object('session_id', 'cs_x', 'session_status', 'open'), now()) ON CONFLICT DO NOTHING;
            INSERT INTO pgb_outbox (type, payment_id, attempt_id, version, payload, created_at) VALUES ('attempt.awaiting_confirmation', 'pay-' || :id::text, :id, :v + 1, jsonb_build_object('state', 'awaiting_confirmation', 'late', false), now());
            COMMIT;

            """
        let path = NSTemporaryDirectory() + "tender-bench-transition-\(getpid()).sql"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let candidates = [binaryDirectory, "/usr/lib/postgresql/15/bin"].compactMap { $0 }.map { $0 + "/pgbench" }
        let executable = candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/pgbench"
        return BenchPgbenchScript(executable: executable, scriptPath: path)
    }

    /// What a run of `pgbench` measured.
    struct Run: Sendable {
        /// Transactions a second, as `pgbench` reports them.
        var tps: Double
        /// `pgbench`'s own CPU time (user and system) per transaction, in microseconds: the client's
        /// cost of the same SQL work, round trips and all.
        var cpuMicrosecondsPerTransaction: Double
        /// The CPU time of `pgbench`'s backends per transaction (``BackendCPU``), in microseconds,
        /// when the server runs on this machine.
        var serverCPUMicrosecondsPerTransaction: Double?
    }

    /// Runs the script with `clients` connections for `seconds`, and measures the server's CPU per
    /// transaction over `pool`, on the same database: from when every client is connected until
    /// a second before the end, counting transactions by the outbox rows they insert.
    func run(url: String, clients: Int, seconds: Int, pool: PostgresPool) async throws -> Run {
        let outputPath = scriptPath + ".out"
        let started = ContinuousClock.now
        let pid = try Self.spawn(
            [executable, "-n", "-M", "prepared", "-c", "\(clients)", "-j", "\(min(clients, 2))", "-T", "\(seconds)", "-f", scriptPath, url],
            output: outputPath
        )
        let serverCPU: Double?
        do {
            serverCPU = try await Self.serverCPU(pool: pool, clients: clients, until: started + .seconds(seconds - 1))
        } catch {
            _ = Self.wait(pid)
            throw error
        }
        let (status, cpuSeconds) = Self.wait(pid)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = line.dropFirst(6).split(separator: " ").first.flatMap({ Double($0) }),
            let processed = text.split(separator: "\n").first(where: { $0.hasPrefix(Self.processedPrefix) }),
            let transactions = Double(processed.dropFirst(Self.processedPrefix.count).trimmingCharacters(in: .whitespaces))
        else {
            throw BenchFailure("pgbench failed: \(text.suffix(600))")
        }
        return Run(
            tps: tps, cpuMicrosecondsPerTransaction: cpuSeconds * 1e6 / max(transactions, 1),
            serverCPUMicrosecondsPerTransaction: serverCPU.map { $0 * 1e6 }
        )
    }

    /// The CPU seconds of `pgbench`'s backends per transaction, from when all `clients` are
    /// connected until `end`; nil when the server is not on this machine or `pgbench` ended first.
    private static func serverCPU(pool: PostgresPool, clients: Int, until end: ContinuousClock.Instant) async throws -> Double? {
        func transactions() async throws -> Int64 {
            try await pool.query("SELECT last_value FROM pgb_outbox_id_seq").first?.decode(Int64.self, column: "last_value") ?? 0
        }
        var start = try await BackendCPU.sample(pool, application: "pgbench")
        while let sample = start, sample.count < clients, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(20))
            start = try await BackendCPU.sample(pool, application: "pgbench")
        }
        guard let start, start.count == clients else { return nil }
        let first = try await transactions()
        try await Task.sleep(until: end)
        guard let finish = try await BackendCPU.sample(pool, application: "pgbench") else { return nil }
        let last = try await transactions()
        return last > first ? finish.seconds(since: start) / Double(last - first) : nil
    }

    /// The start of the line of `pgbench`'s report that counts the transactions.
    private static let processedPrefix = "number of transactions actually processed:"

    /// Starts a program with its output in a file; returns its process ID. The child starts with
    /// no signal blocked: this process's threads block some, and `pgbench -T` ends on `SIGALRM`.
    private static func spawn(_ arguments: [String], output: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid = pid_t()
        let argv = arguments.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
        }
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw BenchFailure("could not start \(arguments[0]): error \(spawned)") }
        return pid
    }

    /// Waits for a started program to end; returns its exit status and the CPU seconds (user and
    /// system) it used.
    private static func wait(_ pid: pid_t) -> (status: Int32, cpuSeconds: Double) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ((status >> 8) & 0xff, seconds(usage.ru_utime) + seconds(usage.ru_stime))
    }
}

/// A benchmark that could not run or whose result is invalid.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

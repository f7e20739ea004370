import Foundation
import LibPQ

/// The CPU time of the backends serving a database's client connections, read from `/proc` on a
/// server of this machine: what PostgreSQL spends on their statements and commits, without its
/// background processes (autovacuum, the checkpointer), whose work lands in whichever window they
/// happen to run.
struct BackendCPU: Sendable {
    /// Each backend's user plus system time, in clock ticks.
    private let ticks: [Int32: Int]

    /// The backends of `pool`'s database (of `application` only, when given) now; nil when the
    /// server is not on this machine: the backend answering is not a PostgreSQL process here.
    static func sample(_ pool: PostgresPool, application: String? = nil) async throws -> BackendCPU? {
        let rows = try await pool.query(
            """
            SELECT pg_backend_pid() AS asking, array_agg(pid) AS pids FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND ($1::text IS NULL OR application_name = $1)
            """,
            [application]
        )
        guard let row = rows.first, let asking = ProcessTicks(try row.decode(Int32.self, column: "asking")) else { return nil }
        let pids = try row.decode([Int32]?.self, column: "pids") ?? []
        let backends = pids.compactMap { pid in ProcessTicks(pid).flatMap { $0.parent == asking.parent ? (pid, $0.ticks) : nil } }
        return BackendCPU(ticks: Dictionary(backends, uniquingKeysWith: max))
    }

    /// How many backends the sample holds.
    var count: Int { ticks.count }

    /// CPU seconds the backends in both samples used from `start` to this one.
    func seconds(since start: BackendCPU) -> Double {
        let used = ticks.reduce(0) { sum, backend in sum + (start.ticks[backend.key].map { backend.value - $0 } ?? 0) }
        return Double(used) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// What ``BackendCPU`` reads of `/proc/PID/stat`, for a PostgreSQL process only.
private struct ProcessTicks {
    var parent: Int32
    /// User plus system time, in clock ticks.
    var ticks: Int

    init?(_ pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
            text[text.index(after: open)..<close] == "postgres"
        else { return nil }
        // After the command come the state (field 3) and the parent; utime and stime are fields
        // 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let parent = Int32(fields[1]), let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        self.parent = parent
        ticks = user + system
    }
}

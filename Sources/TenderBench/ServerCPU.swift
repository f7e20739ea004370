import Foundation
import LibPQ

/// The CPU time of a PostgreSQL server on this machine: its postmaster and every process it
/// started (backends, WAL writer, checkpointer, autovacuum), read from `/proc`. A process that
/// exited and was reaped counts through the postmaster's children's times.
struct ServerCPU: Sendable {
    /// The postmaster's process ID.
    let postmaster: pid_t

    /// The server behind `pool`, found as the parent of one of its backends; nil when that
    /// backend is not a PostgreSQL process of this machine (a server elsewhere).
    static func find(_ pool: PostgresPool) async throws -> ServerCPU? {
        let rows = try await pool.query("SELECT pg_backend_pid() AS pid")
        guard let backend = try rows.first?.decode(Int32.self, column: "pid"),
            let stat = ProcessStat(backend), stat.command == "postgres",
            let postmaster = ProcessStat(stat.parent), postmaster.command == "postgres"
        else { return nil }
        return ServerCPU(postmaster: stat.parent)
    }

    /// User plus system CPU seconds the server has used so far.
    var seconds: Double {
        guard let postmaster = ProcessStat(postmaster) else { return 0 }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let live = children.compactMap { pid_t($0) }.compactMap(ProcessStat.init).filter { $0.parent == self.postmaster }
        let ticks = live.reduce(postmaster.ticks + postmaster.reapedChildrenTicks) { $0 + $1.ticks }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// The fields of `/proc/PID/stat` that ``ServerCPU`` reads.
private struct ProcessStat {
    /// The executable's name (`comm`).
    var command: Substring
    var parent: pid_t
    /// User plus system time, in clock ticks.
    var ticks: Int
    /// User plus system time of the children it waited for, in clock ticks.
    var reapedChildrenTicks: Int

    init?(_ pid: pid_t) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        // After the command come the state (field 3), then the parent; utime, stime, cutime and
        // cstime are fields 14 to 17.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let parent = pid_t(fields[1]),
            let user = Int(fields[11]), let system = Int(fields[12]), let childUser = Int(fields[13]), let childSystem = Int(fields[14])
        else { return nil }
        command = text[text.index(after: open)..<close]
        self.parent = parent
        ticks = user + system
        reapedChildrenTicks = childUser + childSystem
    }
}

import Foundation

/// A small shell process that cleans up after a server started in the background (PgBouncer, a
/// failover formation) once the owning process is gone, however it ended (even by `SIGKILL`):
/// it runs a cleanup command, then removes the server's directory. It ends by itself when the
/// directory disappears, which is how the owner's own `stop()` ends it. See ``Watchdog`` for the
/// cluster's, which stops the server with `pg_ctl`.
enum OrphanWatchdog {
    /// The script. Arguments: owner pid, directory, cleanup command (run with `sh -c` in the
    /// directory).
    private static let script = """
        owner=$1 base=$2 cleanup=$3
        (
            while kill -0 "$owner" 2>/dev/null && [ -d "$base" ]; do
                sleep 0.5
            done
            [ -d "$base" ] || exit 0
            (cd "$base" && sh -c "$cleanup")
            rm -rf "$base"
        ) </dev/null >/dev/null 2>&1 &
        """

    /// Watches `directory` for this process; `cleanup` is a shell command run in it.
    static func launch(directory: String, cleanup: String) async throws {
        let arguments = ["-c", script, "ephemeral-postgres-watchdog", "\(getpid())", directory, cleanup]
        try await Command(executable: "/bin/sh", arguments: arguments, newSession: true).runChecked()
    }

    /// The process id a pid file holds, if it exists.
    static func processID(in file: String) -> pid_t? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

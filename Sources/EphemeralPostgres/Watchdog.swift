import Foundation

/// A small shell process that stops a cluster and removes its directory once the owning process
/// is gone, however it ended (even by `SIGKILL`).
///
/// `pg_ctl` detaches the server into its own session, so the server never learns that its owner
/// died. The watchdog runs in a session of its own too, so that a signal to the owner's process
/// group does not take it along. It polls every half second and ends by itself when the cluster's
/// directory disappears, which is how ``EphemeralPostgres/stop()`` ends it.
enum Watchdog {
    /// The script. Arguments: owner pid, cluster directory, data directory, stop timeout, and
    /// then the `pg_ctl` command (possibly behind `runuser`).
    private static let script = """
        owner=$1 base=$2 data=$3 timeout=$4
        shift 4
        while kill -0 "$owner" 2>/dev/null && [ -d "$base" ]; do
            sleep 0.5
        done
        [ -d "$base" ] || exit 0
        if [ -f "$data/postmaster.pid" ]; then
            "$@" stop -D "$data" -m immediate -w -t "$timeout"
        fi
        rm -rf "$base"
        """

    /// Starts the watchdog of `directory` for the process `owner`.
    static func launch(
        owner: Int32,
        directory: ClusterDirectory,
        binaries: PostgresBinaries,
        timeoutSeconds: Int
    ) throws {
        let stopCommand = binaries.serverCommand("pg_ctl", [])
        let shellArguments = [
            "-c", Self.script, "ephemeral-postgres-watchdog",
            String(owner), directory.base, directory.data, String(timeoutSeconds),
            stopCommand.executable,
        ] + stopCommand.arguments
        // `setsid` gives the shell a session of its own; without it (not on Linux) the shell
        // still has a process group of its own, which Foundation's Process gives every child.
        let setsid = ["/usr/bin/setsid", "/bin/setsid"].first(where: FileManager.default.isExecutableFile)
        let command = if let setsid {
            Command(executable: setsid, arguments: ["/bin/sh"] + shellArguments)
        } else {
            Command(executable: "/bin/sh", arguments: shellArguments)
        }
        try command.launchDetached()
    }
}

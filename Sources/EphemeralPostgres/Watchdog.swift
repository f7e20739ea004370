/// A small shell process that stops a cluster and removes its directory once the owning process
/// is gone, however it ended (even by `SIGKILL`).
///
/// `pg_ctl` detaches the server into its own session, so the server never learns that its owner
/// died. The watchdog lives in a session of its own too, so that a signal to the owner's process
/// group does not take it along, and it is not the owner's child: the shell that is started
/// puts the watch loop in the background and exits at once. The loop polls every half second
/// (an owner that is a zombie, killed but not yet reaped, counts as gone) and ends by itself
/// when the cluster's directory disappears, which is how ``EphemeralPostgres/stop()`` ends it.
enum Watchdog {
    /// The script. Arguments: owner pid, cluster directory, data directory, stop timeout, and
    /// then the `pg_ctl` command (possibly behind `runuser`).
    private static let script = """
        owner=$1 base=$2 data=$3 timeout=$4
        shift 4
        alive() {
            kill -0 "$owner" 2>/dev/null || return 1
            [ -r "/proc/$owner/stat" ] || return 0
            read -r stat < "/proc/$owner/stat" || return 1
            case ${stat##*") "} in Z*|X*) return 1 ;; esac
        }
        (
            while alive && [ -d "$base" ]; do
                sleep 0.5
            done
            [ -d "$base" ] || exit 0
            if [ -f "$data/postmaster.pid" ]; then
                "$@" stop -D "$data" -m immediate -w -t "$timeout"
            fi
            rm -rf "$base"
        ) </dev/null >/dev/null 2>&1 &
        """

    /// Starts the watchdog of `directory` for the process `owner`.
    static func launch(
        owner: Int32,
        directory: ClusterDirectory,
        binaries: PostgresBinaries,
        timeoutSeconds: Int
    ) async throws {
        let stopCommand = binaries.serverCommand("pg_ctl", [])
        try await Command(
            executable: "/bin/sh",
            arguments: [
                "-c", Self.script, "ephemeral-postgres-watchdog",
                String(owner), directory.base, directory.data, String(timeoutSeconds),
                stopCommand.executable,
            ] + stopCommand.arguments,
            newSession: true
        ).runChecked()
    }
}

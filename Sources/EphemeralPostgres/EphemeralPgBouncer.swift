import Foundation
import Logging

/// A throwaway PgBouncer in front of a PostgreSQL server, for tests of Tender behind a pooler.
///
/// ``start(mode:server:logger:)`` writes a configuration that sends every database of the pooler
/// to the same database of `server`, with `trust` authentication for the user `postgres`, starts
/// PgBouncer on a free port of `127.0.0.1` and waits until it accepts connections. ``stop()``
/// ends it and removes its directory; a watchdog does both if the owning process dies first.
/// When the current process is root, PgBouncer runs as the `postgres` user, as the server does.
public actor EphemeralPgBouncer {
    /// How PgBouncer hands server connections to clients.
    public enum PoolMode: String, Sendable, CaseIterable {
        /// A client keeps one server connection until it disconnects.
        case session
        /// A client holds a server connection for one transaction at a time.
        case transaction
    }

    /// The address PgBouncer listens on: `127.0.0.1`.
    public nonisolated let host = "127.0.0.1"
    /// The TCP port PgBouncer listens on.
    public nonisolated let port: Int
    /// How it pools.
    public nonisolated let mode: PoolMode
    private let directory: String
    private let processID: pid_t
    private let binaries: PostgresBinaries
    private let logger: Logger
    private var isRunning = true

    private init(port: Int, mode: PoolMode, directory: String, processID: pid_t, binaries: PostgresBinaries, logger: Logger) {
        self.port = port
        self.mode = mode
        self.directory = directory
        self.processID = processID
        self.binaries = binaries
        self.logger = logger
    }

    /// The URL of a database through the pooler.
    public nonisolated func url(database: String) -> String {
        "postgresql://postgres@\(host):\(port)/\(database)"
    }

    /// Starts PgBouncer in `mode` in front of the server at `serverHost`:`serverPort`.
    ///
    /// - Throws: ``EphemeralPostgresError`` with code `binariesNotFound` when PgBouncer is not
    ///   installed, `startFailed` (with the log tail) when it does not come up.
    public static func start(
        mode: PoolMode,
        serverHost: String,
        serverPort: Int,
        logger: Logger = Logger(label: "EphemeralPgBouncer")
    ) async throws -> EphemeralPgBouncer {
        let executable = try PostgresBinaries.firstExecutable(
            of: ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"],
            missing: "PgBouncer is not installed",
            install: "on Debian: apt-get install pgbouncer"
        )
        let binaries = try PostgresBinaries.locate(required: ["pg_isready", "psql"], searchPaths: nil, serverUser: "postgres")
        let directory = try TemporaryDirectory.create(prefix: "ephemeral-pgbouncer", owner: binaries.serverUser?.name)
        do {
            let port = try FreePort.pick()
            try configuration(mode: mode, serverHost: serverHost, serverPort: serverPort, port: port, directory: directory)
                .write(toFile: "\(directory)/pgbouncer.ini", atomically: true, encoding: .utf8)
            try "\"postgres\" \"\"\n".write(toFile: "\(directory)/userlist.txt", atomically: true, encoding: .utf8)
            if let owner = binaries.serverUser?.name {
                try TemporaryDirectory.hand(["\(directory)/pgbouncer.ini", "\(directory)/userlist.txt"], to: owner)
            }
            let launch =
                binaries.serverUser.map { Command(executable: $0.runuser, arguments: ["-u", $0.name, "--", executable]) }
                ?? Command(executable: executable, arguments: [])
            try await Command(executable: launch.executable, arguments: launch.arguments + ["-d", "\(directory)/pgbouncer.ini"]).runChecked()
            try await OrphanWatchdog.launch(directory: directory, cleanup: #"[ -f pgbouncer.pid ] && kill -9 "$(cat pgbouncer.pid)""#)
            let processID = try await waitUntilAccepting(binaries: binaries, port: port, directory: directory)
            logger.debug("PgBouncer started", metadata: ["pgbouncer.port": "\(port)", "pgbouncer.mode": "\(mode.rawValue)"])
            return EphemeralPgBouncer(port: port, mode: mode, directory: directory, processID: processID, binaries: binaries, logger: logger)
        } catch {
            if let processID = OrphanWatchdog.processID(in: "\(directory)/pgbouncer.pid") {
                kill(processID, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// How many clients are connected to `database` through the pooler now (its `SHOW CLIENTS`).
    public func clientCount(database: String) async throws -> Int {
        let listing = try await binaries.clientCommand(
            "psql", ["-X", "-A", "-t", "-F", "|", "-h", host, "-p", "\(port)", "-U", "postgres", "-d", "pgbouncer", "-c", "SHOW CLIENTS"]
        ).runChecked()
        // Columns: type, user, database, state, …
        let databases = listing.output.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).dropFirst(2).first }
        return databases.filter { $0 == Substring(database) }.count
    }

    /// Ends PgBouncer, breaking every client connection, and removes its directory. Calling it
    /// again does nothing.
    public func stop() {
        guard isRunning else { return }
        isRunning = false
        kill(processID, SIGTERM)
        try? FileManager.default.removeItem(atPath: directory)
        logger.debug("PgBouncer stopped")
    }

    /// The pooler's configuration: every database to the server's database of the same name.
    private static func configuration(mode: PoolMode, serverHost: String, serverPort: Int, port: Int, directory: String) -> String {
        """
        [databases]
        * = host=\(serverHost) port=\(serverPort)

        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(port)
        unix_socket_dir =
        auth_type = trust
        auth_file = \(directory)/userlist.txt
        admin_users = postgres
        pool_mode = \(mode.rawValue)
        max_client_conn = 400
        default_pool_size = 40
        server_reset_query = DISCARD ALL
        pidfile = \(directory)/pgbouncer.pid
        logfile = \(directory)/pgbouncer.log

        """
    }

    private static func log(in directory: String) -> String {
        Command.tail(of: (try? String(contentsOfFile: "\(directory)/pgbouncer.log", encoding: .utf8)) ?? "")
    }

    /// Polls with `pg_isready` for up to ten seconds, until PgBouncer (which daemonizes) has
    /// written its pid file and accepts connections; returns its process id.
    private static func waitUntilAccepting(binaries: PostgresBinaries, port: Int, directory: String) async throws -> pid_t {
        let ready = binaries.clientCommand("pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "pgbouncer"])
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let processID = OrphanWatchdog.processID(in: "\(directory)/pgbouncer.pid"), try await ready.run().succeeded {
                return processID
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EphemeralPostgresError(code: .startFailed, message: "PgBouncer did not accept connections within 10 s", output: log(in: directory))
    }
}

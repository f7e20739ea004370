import Foundation
import Logging

/// A throwaway pg_auto_failover formation on loopback: a monitor, a primary and a synchronous
/// secondary, each a PostgreSQL of its own kept by a `pg_autoctl` keeper, for tests and benchmarks
/// of failover.
///
/// ``start(database:logger:)`` creates and runs the three nodes in a fresh temporary directory and
/// waits until the monitor reports one primary and one secondary. Clients connect with ``url``,
/// which names both data nodes with `target_session_attrs=read-write`, so libpq finds whichever is
/// primary. ``killPrimary()`` kills the primary's keeper and server with `SIGKILL`, as a machine
/// that dies would; the monitor then promotes the secondary. ``stop()`` ends everything and removes
/// the directory; a watchdog does both if the owning process dies first.
///
/// With one secondary the primary runs with `synchronous_standby_names = 'ANY 1 (…)'` and
/// `synchronous_commit = on`: a commit is acknowledged once the secondary has flushed it. The
/// monitor's health checks and the keepers' timeouts are shortened so that a failover takes a few
/// seconds rather than the default half minute.
public actor EphemeralFormation {
    /// One data node: its name in the formation and its port.
    public struct Node: Sendable, Hashable {
        /// The node's name (`node1`, `node2`).
        public let name: String
        /// The port its PostgreSQL listens on.
        public let port: Int
    }

    /// The data nodes, the first created as primary.
    public nonisolated let nodes: [Node]
    /// The database the formation serves.
    public nonisolated let database: String
    private let monitorPort: Int
    private let directory: String
    private let binaries: PostgresBinaries
    private let autoctl: String
    private let logger: Logger
    private var isRunning = true

    /// The multi-host URL of the database: whichever data node is primary.
    public nonisolated var url: String {
        let hosts = nodes.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")
        return "postgresql://postgres@\(hosts)/\(database)?target_session_attrs=read-write&connect_timeout=2"
    }

    private init(
        nodes: [Node], database: String, monitorPort: Int, directory: String, binaries: PostgresBinaries, autoctl: String, logger: Logger
    ) {
        self.nodes = nodes
        self.database = database
        self.monitorPort = monitorPort
        self.directory = directory
        self.binaries = binaries
        self.autoctl = autoctl
        self.logger = logger
    }

    /// The monitor's settings, in milliseconds: a node that stops answering for 1.5 s is unhealthy,
    /// and a primary whose keeper is gone is given 1 s to demote itself.
    private static let monitorSettings = [
        "pgautofailover.health_check_period": "1000",
        "pgautofailover.health_check_timeout": "1000",
        "pgautofailover.health_check_max_retries": "1",
        "pgautofailover.health_check_retry_delay": "500",
        "pgautofailover.node_considered_unhealthy_timeout": "1500",
        "pgautofailover.primary_demote_timeout": "1000",
        "pgautofailover.startup_grace_period": "1000",
    ]

    /// Kills every keeper's process group and every server of the formation (run in its directory).
    private static let cleanup = """
        for keeper in */run.pid; do [ -f "$keeper" ] && kill -9 -- "-$(cat "$keeper")"; done
        for server in */pgdata/postmaster.pid; do [ -f "$server" ] && kill -9 "$(head -n 1 "$server")"; done
        """

    /// The keepers' timeouts, in seconds.
    private static let keeperSettings = [
        "timeout.network_partition_timeout": "3",
        "timeout.prepare_promotion_catchup": "5",
        "timeout.prepare_promotion_walreceiver": "1",
        "timeout.postgresql_restart_failure_timeout": "5",
    ]

    /// Settings of every server: small memory (pg_autoctl would size `shared_buffers` for the
    /// whole machine) and a standby that retries its primary every half second.
    private static let serverSettings = """
        shared_buffers = '128MB'
        work_mem = '4MB'
        wal_keep_size = '256MB'
        wal_retrieve_retry_interval = '500ms'
        max_connections = 200

        """

    /// Creates the monitor, the primary and the secondary, runs their keepers and waits until the
    /// formation is ready.
    ///
    /// - Throws: ``EphemeralPostgresError``: `binariesNotFound` when pg_auto_failover is not
    ///   installed, `commandFailed` when `pg_autoctl` fails, `startFailed` when the formation is not
    ///   ready within three minutes.
    public static func start(database: String = "tender", logger: Logger = Logger(label: "EphemeralFormation")) async throws -> EphemeralFormation {
        let binaries = try PostgresBinaries.locate(required: ["initdb", "pg_ctl", "psql"], searchPaths: nil, serverUser: "postgres")
        let autoctl = try PostgresBinaries.firstExecutable(
            of: ["/usr/bin/pg_autoctl", "/usr/lib/postgresql/15/bin/pg_autoctl", "/usr/local/bin/pg_autoctl"],
            missing: "pg_auto_failover is not installed",
            install: "on Debian: apt-get install postgresql-15-auto-failover pg-auto-failover-cli"
        )
        let directory = try TemporaryDirectory.create(prefix: "ephemeral-formation", owner: binaries.serverUser?.name)
        let nodes = [Node(name: "node1", port: try FreePort.pick()), Node(name: "node2", port: try FreePort.pick())]
        let formation = EphemeralFormation(
            nodes: nodes, database: database, monitorPort: try FreePort.pick(), directory: directory, binaries: binaries, autoctl: autoctl,
            logger: logger
        )
        do {
            try await OrphanWatchdog.launch(directory: directory, cleanup: Self.cleanup)
            try await formation.create()
            return formation
        } catch {
            await formation.stop()
            throw error
        }
    }

    /// Kills the current primary's keeper and PostgreSQL with `SIGKILL` and returns it.
    ///
    /// Both must go: a keeper left alive restarts its PostgreSQL within a second and the monitor
    /// keeps it primary.
    public func killPrimary() async throws -> Node {
        let primary = try await currentPrimary()
        let home = "\(directory)/\(primary.name)"
        if let keeper = OrphanWatchdog.processID(in: "\(home)/run.pid") {
            kill(-keeper, SIGKILL)
        }
        if let server = ClusterDirectory.postmasterProcessID(dataDirectory: "\(home)/pgdata") {
            kill(server, SIGKILL)
        }
        logger.debug("killed the primary", metadata: ["formation.node": "\(primary.name)"])
        return primary
    }

    /// Waits until a node other than `former` accepts writes, and returns it.
    ///
    /// - Throws: ``EphemeralPostgresError`` with code `startFailed` when no node is promoted within
    ///   `timeout`.
    public func waitForPromotion(replacing former: Node, timeout: Duration = .seconds(120)) async throws -> Node {
        let deadline = ContinuousClock.now + timeout
        let probe = nodeCommand("monitor", ["psql", "-X", "-qAt", url, "-c", "SELECT inet_server_port() WHERE NOT pg_is_in_recovery()"])
        while ContinuousClock.now < deadline {
            if let result = try? await probe.run(), result.succeeded, let port = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)),
                port != former.port, let promoted = nodes.first(where: { $0.port == port })
            {
                return promoted
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EphemeralPostgresError(code: .startFailed, message: "no node was promoted within \(timeout)", output: await monitorState())
    }

    /// The data node the monitor holds as primary now.
    public func currentPrimary() async throws -> Node {
        let name = try await monitorQuery(
            "SELECT nodename FROM pgautofailover.node WHERE reportedstate = 'primary' AND goalstate = 'primary' LIMIT 1")
        guard let node = nodes.first(where: { $0.name == name }) else {
            throw EphemeralPostgresError(code: .commandFailed, message: "the monitor reports no primary", output: await monitorState())
        }
        return node
    }

    /// Stops every node (`pg_autoctl stop`, then `SIGKILL` for what is left) and removes the
    /// directory. Calling it again does nothing.
    public func stop() async {
        guard isRunning else { return }
        isRunning = false
        for name in nodes.map(\.name).reversed() + ["monitor"] where OrphanWatchdog.processID(in: "\(directory)/\(name)/run.pid") != nil {
            _ = try? await nodeCommand(name, ["timeout", "30", autoctl, "stop"]).run()
        }
        for name in nodes.map(\.name) + ["monitor"] {
            if let keeper = OrphanWatchdog.processID(in: "\(directory)/\(name)/run.pid") {
                kill(-keeper, SIGKILL)
            }
            if let server = ClusterDirectory.postmasterProcessID(dataDirectory: "\(directory)/\(name)/pgdata") {
                kill(server, SIGKILL)
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
        logger.debug("formation stopped")
    }

    // MARK: Creating the formation

    private func create() async throws {
        let monitor = "postgres://autoctl_node@127.0.0.1:\(monitorPort)/pg_auto_failover?sslmode=disable"
        for name in ["monitor"] + nodes.map(\.name) {
            let home = "\(directory)/\(name)"
            try await nodeCommand(name, ["mkdir", "-p", "\(home)/config", "\(home)/share", "\(home)/run"]).runChecked()
        }
        try await initialize("monitor")
        try await nodeCommand(
            "monitor",
            [autoctl, "create", "monitor", "--pgctl", "\(binaries.directory)/pg_ctl", "--pgport", "\(monitorPort)", "--hostname", "127.0.0.1"]
                + ["--auth", "trust", "--no-ssl"]
        ).runChecked()
        try await nodeCommand("monitor", [autoctl, "config", "set", "postgresql.listen_addresses", "127.0.0.1"]).runChecked()
        try await startKeeper("monitor")
        try await waitUntil("the monitor answers", timeout: .seconds(60)) { try await self.monitorQuery("SELECT 1") == "1" }
        let alterations = Self.monitorSettings.sorted { $0.key < $1.key }.flatMap { ["-c", "ALTER SYSTEM SET \($0.key) = \($0.value)"] }
        try await nodeCommand(
            "monitor",
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(monitorPort)", "-d", "pg_auto_failover"] + alterations
                + ["-c", "SELECT pg_reload_conf()"]
        ).runChecked()

        for (index, node) in nodes.enumerated() {
            if index == 0 {
                try await initialize(node.name)  // the secondary is copied from the primary instead
            }
            try await nodeCommand(
                node.name,
                [autoctl, "create", "postgres", "--pgctl", "\(binaries.directory)/pg_ctl", "--pgport", "\(node.port)"]
                    + ["--hostname", "127.0.0.1", "--listen", "127.0.0.1", "--name", node.name, "--dbname", database]
                    + ["--username", "postgres", "--auth", "trust", "--no-ssl", "--monitor", monitor]
            ).runChecked()
            for (key, value) in Self.keeperSettings.sorted(by: { $0.key < $1.key }) {
                try await nodeCommand(node.name, [autoctl, "config", "set", key, value]).runChecked()
            }
            try await startKeeper(node.name)
        }
        try await waitUntil("one primary and one secondary", timeout: .seconds(180)) {
            let states = try await self.monitorQuery(
                """
                SELECT count(*) FILTER (WHERE reportedstate = 'primary' AND goalstate = 'primary') || '|'
                    || count(*) FILTER (WHERE reportedstate = 'secondary' AND goalstate = 'secondary') FROM pgautofailover.node
                """
            )
            guard states == "1|1" else { return false }
            return try await self.nodeCommand("monitor", ["psql", "-X", "-qAt", self.url, "-c", "SELECT 1"]).run().succeeded
        }
        logger.debug("formation ready", metadata: ["formation.url": "\(url)"])
    }

    /// Runs `initdb` for `name` (faster than pg_autoctl's own, which syncs) and adds the settings.
    private func initialize(_ name: String) async throws {
        let home = "\(directory)/\(name)"
        let initdb = ["\(binaries.directory)/initdb", "-D", "\(home)/pgdata", "-U", "postgres", "--auth=trust", "--no-sync"]
        try await nodeCommand(name, initdb + ["-E", "UTF8", "--locale=C.UTF-8"]).runChecked()
        let settings = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(home)/pgdata/postgresql.auto.conf"))
        defer { try? settings.close() }
        try settings.seekToEnd()
        try settings.write(contentsOf: Data(Self.serverSettings.utf8))
    }

    /// Starts `pg_autoctl run` for `name` in a session of its own, so that its process group is
    /// the keeper and everything it started.
    private func startKeeper(_ name: String) async throws {
        let home = "\(directory)/\(name)"
        try await nodeCommand(name, ["/bin/sh", "-c", "setsid \(autoctl) run >>'\(home)/run.log' 2>&1 </dev/null & echo $! >'\(home)/run.pid'"])
            .runChecked()
    }

    // MARK: Helpers

    /// A command run as the server's user with an environment of `name`'s own, so that nothing
    /// is written to the user's home directory.
    private nonisolated func nodeCommand(_ name: String, _ arguments: [String]) -> Command {
        let home = "\(directory)/\(name)"
        let environment = [
            "PATH=\(binaries.directory):/usr/bin:/bin", "HOME=\(home)", "LANG=C.UTF-8", "XDG_CONFIG_HOME=\(home)/config",
            "XDG_DATA_HOME=\(home)/share", "XDG_RUNTIME_DIR=\(home)/run", "PGDATA=\(home)/pgdata", "PGUSER=postgres", "PGHOST=127.0.0.1",
            "PGCONNECT_TIMEOUT=2",
        ]
        let command = ["/usr/bin/env", "-i"] + environment + arguments
        guard let serverUser = binaries.serverUser else {
            return Command(executable: command[0], arguments: Array(command.dropFirst()))
        }
        return Command(executable: serverUser.runuser, arguments: ["-u", serverUser.name, "--"] + command)
    }

    /// One value from the monitor's database.
    private func monitorQuery(_ sql: String) async throws -> String {
        let result = try await nodeCommand("monitor", ["psql", "-X", "-qAt", "-p", "\(monitorPort)", "-d", "pg_auto_failover", "-c", sql])
            .runChecked()
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `pg_autoctl show state`, for error messages.
    private func monitorState() async -> String {
        (try? await nodeCommand("monitor", [autoctl, "show", "state"]).run().output) ?? ""
    }

    private func waitUntil(_ what: String, timeout: Duration, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true {
                return
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw EphemeralPostgresError(code: .startFailed, message: "\(what): not within \(timeout)", output: await monitorState())
    }
}

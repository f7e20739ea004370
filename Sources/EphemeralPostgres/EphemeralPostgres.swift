import Foundation
import Logging

/// A throwaway PostgreSQL server for tests, demos and benchmarks.
///
/// ``start(_:logger:)`` creates a cluster in a fresh temporary directory with the server's own
/// tools (`initdb`, `pg_ctl`), starts it on a free port of `127.0.0.1` with `trust`
/// authentication for the user `postgres`, and waits until it accepts connections.
/// ``stop()`` shuts it down and removes the directory. If the owning process dies without calling
/// ``stop()`` — even by `SIGKILL` — a watchdog process does both within about a second.
///
/// When the current process is root, the server runs as the `postgres` user through `runuser`,
/// because PostgreSQL refuses to run as root.
///
/// ```swift
/// let server = try await EphemeralPostgres.start()
/// let url = try await server.createDatabase("orders")
/// // … connect to url …
/// await server.stop()
/// ```
public actor EphemeralPostgres {
    /// The address the server listens on: `127.0.0.1`.
    public nonisolated let host = "127.0.0.1"
    /// The TCP port the server listens on.
    public nonisolated let port: Int
    /// The superuser, who needs no password: `postgres`.
    public nonisolated let user = "postgres"
    /// The temporary directory holding the data directory, the socket and the log.
    public nonisolated let directory: String
    /// The directory of the PostgreSQL binaries in use (`psql`, `pgbench`, … live there too).
    public nonisolated let binaryDirectory: String

    private let cluster: ClusterDirectory
    private let binaries: PostgresBinaries
    private let timeoutSeconds: Int
    private let logger: Logger
    private var isRunning = true

    private init(port: Int, cluster: ClusterDirectory, binaries: PostgresBinaries, timeoutSeconds: Int, logger: Logger) {
        self.port = port
        self.directory = cluster.base
        self.binaryDirectory = binaries.directory
        self.cluster = cluster
        self.binaries = binaries
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
    }

    /// The URL of the `postgres` database: `postgresql://postgres@127.0.0.1:PORT/postgres`.
    public nonisolated var url: String {
        self.url(database: "postgres")
    }

    /// The URL of a database of this server.
    public nonisolated func url(database: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let path = database.addingPercentEncoding(withAllowedCharacters: allowed) ?? database
        return "postgresql://\(self.user)@\(self.host):\(self.port)/\(path)"
    }

    /// The data directory of the cluster.
    nonisolated var dataDirectory: String {
        self.cluster.data
    }

    /// Creates a cluster, starts its server and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - configuration: durability, settings and where to find the binaries.
    ///   - logger: receives the steps at `debug` and failures to stop at `warning`.
    /// - Throws: ``EphemeralPostgresError`` with code `binariesNotFound` when PostgreSQL is not
    ///   installed, `startFailed` (with the log tail) when the server does not come up.
    public static func start(
        _ configuration: Configuration = .fast,
        logger: Logger = Logger(label: "EphemeralPostgres")
    ) async throws -> EphemeralPostgres {
        let settings = try Self.validated(configuration.serverSettings)
        let binaries = try PostgresBinaries.locate(
            required: ["initdb", "pg_ctl", "createdb"],
            searchPaths: configuration.binarySearchPaths,
            serverUser: configuration.serverUser
        )
        let cluster = try ClusterDirectory.create(
            in: configuration.parentDirectory,
            owner: binaries.serverUser?.name
        )
        var logger = logger
        logger[metadataKey: "postgres.directory"] = "\(cluster.base)"

        do {
            try await Watchdog.launch(
                owner: configuration.ownerProcessID ?? getpid(),
                directory: cluster,
                binaries: binaries,
                timeoutSeconds: configuration.timeoutSeconds
            )
            logger.debug("initdb", metadata: ["postgres.binaries": "\(binaries.directory)"])
            try await binaries.serverCommand(
                "initdb",
                [
                    "-D", cluster.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N",
                ]
            ).runChecked()
            try Self.appendSettings(settings, socketDirectory: cluster.socket, to: cluster)
            let port = try await Self.startServer(cluster: cluster, binaries: binaries, timeoutSeconds: configuration.timeoutSeconds, logger: logger)
            logger[metadataKey: "postgres.port"] = "\(port)"
            logger.debug("PostgreSQL started")
            return EphemeralPostgres(
                port: port,
                cluster: cluster,
                binaries: binaries,
                timeoutSeconds: configuration.timeoutSeconds,
                logger: logger
            )
        } catch {
            await Self.discard(cluster, binaries: binaries)
            throw error
        }
    }

    /// Creates a database with the `createdb` tool and returns its URL.
    ///
    /// - Throws: ``EphemeralPostgresError`` with code `commandFailed` carrying `createdb`'s
    ///   output, e.g. when the database exists already.
    @discardableResult
    public func createDatabase(_ name: String) async throws -> String {
        try await self.binaries.clientCommand(
            "createdb",
            [
                "-h", self.host, "-p", String(self.port), "-U", self.user, "--", name,
            ]
        ).runChecked()
        self.logger.debug("created database", metadata: ["postgres.database": "\(name)"])
        return self.url(database: name)
    }

    /// Shuts the server down (`pg_ctl stop -m fast`) and removes the cluster's directory, which
    /// also ends its watchdog. Calling it again does nothing.
    public func stop() async {
        guard self.isRunning else {
            return
        }
        self.isRunning = false
        let stopped = await Self.stopServer(
            self.cluster, binaries: self.binaries, mode: "fast", timeoutSeconds: self.timeoutSeconds, logger: self.logger)
        if !stopped {
            _ = await Self.stopServer(
                self.cluster, binaries: self.binaries, mode: "immediate", timeoutSeconds: self.timeoutSeconds, logger: self.logger)
        }
        self.cluster.remove()
        self.logger.debug("PostgreSQL stopped")
    }

    /// Stops the server (`pg_ctl stop -m MODE`), runs `whileDown`, then starts it again on the same
    /// port and waits until it accepts connections: an outage that lasts until the caller has seen
    /// what it waits for. The server is started again when `whileDown` throws, too. Every open
    /// connection is broken by it; with `immediate` (the default) the server stops without a
    /// checkpoint and recovers from its write-ahead log, as after a crash.
    ///
    /// - Throws: what `whileDown` throws, or ``EphemeralPostgresError`` with code `commandFailed`
    ///   when `pg_ctl` fails.
    public func restart(mode: String = "immediate", whileDown: () async throws -> Void) async throws {
        self.logger.debug("pg_ctl stop", metadata: ["postgres.stop-mode": "\(mode)"])
        try await self.binaries.serverCommand(
            "pg_ctl",
            [
                "stop", "-D", self.cluster.data, "-m", mode, "-w", "-t", String(self.timeoutSeconds),
            ]
        ).runChecked()
        let outcome: Result<Void, any Error>
        do {
            try await whileDown()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        self.logger.debug("pg_ctl start", metadata: ["postgres.port": "\(self.port)"])
        try await self.binaries.serverCommand(
            "pg_ctl",
            [
                "start", "-w", "-t", String(self.timeoutSeconds), "-D", self.cluster.data, "-l", self.cluster.log, "-o", "-p \(self.port)",
            ]
        ).runChecked()
        try outcome.get()
    }

    /// Starts the server on a free port, trying again with another port when one is taken
    /// between choosing and binding it.
    private static func startServer(
        cluster: ClusterDirectory,
        binaries: PostgresBinaries,
        timeoutSeconds: Int,
        logger: Logger
    ) async throws -> Int {
        let attempts = 5
        for attempt in 1...attempts {
            let port = try FreePort.pick()
            try? FileManager.default.removeItem(atPath: cluster.log)
            logger.debug("pg_ctl start", metadata: ["postgres.port": "\(port)"])
            let result = try await binaries.serverCommand(
                "pg_ctl",
                [
                    "start", "-w", "-t", String(timeoutSeconds), "-D", cluster.data, "-l", cluster.log, "-o", "-p \(port)",
                ]
            ).run()
            if result.succeeded {
                return port
            }
            let log = (try? String(contentsOfFile: cluster.log, encoding: .utf8)) ?? ""
            if log.contains("Address already in use"), attempt < attempts {
                logger.debug("port taken meanwhile, trying another", metadata: ["postgres.port": "\(port)"])
                continue
            }
            throw EphemeralPostgresError(
                code: .startFailed,
                message: "pg_ctl start exited with status \(result.status) (log: \(cluster.log))",
                output: Command.tail(of: result.output + "\n" + log)
            )
        }
        throw EphemeralPostgresError(code: .startFailed, message: "no free port found in \(attempts) attempts")
    }

    /// Stops the server with `pg_ctl stop -m MODE` if it runs; returns whether it is down.
    private static func stopServer(
        _ cluster: ClusterDirectory,
        binaries: PostgresBinaries,
        mode: String,
        timeoutSeconds: Int,
        logger: Logger
    ) async -> Bool {
        guard FileManager.default.fileExists(atPath: "\(cluster.data)/postmaster.pid") else {
            return true
        }
        do {
            try await binaries.serverCommand(
                "pg_ctl",
                [
                    "stop", "-D", cluster.data, "-m", mode, "-w", "-t", String(timeoutSeconds),
                ]
            ).runChecked()
            return true
        } catch {
            logger.warning("pg_ctl stop failed", metadata: ["postgres.stop-mode": "\(mode)", "error": "\(error)"])
            return false
        }
    }

    /// Stops whatever a failed start left running and removes the directory.
    private static func discard(_ cluster: ClusterDirectory, binaries: PostgresBinaries) async {
        let logger = Logger(label: "EphemeralPostgres")
        _ = await Self.stopServer(cluster, binaries: binaries, mode: "immediate", timeoutSeconds: 10, logger: logger)
        cluster.remove()
    }

    /// Appends the server settings to `postgresql.conf`.
    private static func appendSettings(
        _ settings: [(name: String, value: String)],
        socketDirectory: String,
        to cluster: ClusterDirectory
    ) throws {
        let lines = [("listen_addresses", "127.0.0.1"), ("unix_socket_directories", socketDirectory)] + settings
        let text =
            "\n# EphemeralPostgres\n"
            + lines.map { "\($0.0) = '\(Self.quoted($0.1))'\n" }.joined()
        let path = "\(cluster.data)/postgresql.conf"
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw EphemeralPostgresError(code: .fileSystem, message: "cannot open \(path)")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw EphemeralPostgresError(code: .fileSystem, message: "cannot write \(path): \(error)")
        }
    }

    /// The settings, after checking that each name is a plain identifier and no value spans lines.
    private static func validated(_ settings: [(name: String, value: String)]) throws -> [(name: String, value: String)] {
        let nameCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_."))
        for setting in settings {
            guard !setting.name.isEmpty,
                setting.name.unicodeScalars.allSatisfy({ $0.isASCII && nameCharacters.contains($0) })
            else {
                throw EphemeralPostgresError(code: .invalidConfiguration, message: "invalid setting name \"\(setting.name)\"")
            }
            guard !setting.value.contains(where: \.isNewline) else {
                throw EphemeralPostgresError(code: .invalidConfiguration, message: "the value of \(setting.name) spans lines")
            }
        }
        return settings
    }

    /// A value for a single-quoted `postgresql.conf` string.
    private static func quoted(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
    }
}

import Foundation
import LibPQ
import Logging

/// The PostgreSQL server the tests of this process share: `TENDER_TEST_DATABASE_URL` when set,
/// otherwise a throwaway cluster started on first use and stopped when the process exits.
/// Every test asks for a database of its own with ``database()``.
actor TestServer {
    static let shared = TestServer()

    static let logger = Logger(label: "LibPQTests")

    private var server: Task<PostgresConfiguration, any Error>?

    /// A configuration for a new, empty database.
    static func database() async throws -> PostgresConfiguration {
        let server = try await shared.serverConfiguration()
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await PostgresConnection.connect(server, logger: logger)
        try await admin.execute("CREATE DATABASE \(name)")
        await admin.close()
        return server.withDatabase(name)
    }

    /// A connection to a new, empty database.
    static func connection() async throws -> PostgresConnection {
        try await PostgresConnection.connect(database(), logger: logger)
    }

    private func serverConfiguration() async throws -> PostgresConfiguration {
        if let server {
            return try await server.value
        }
        let task = Task { try await Self.startServer() }
        server = task
        return try await task.value
    }

    private static func startServer() async throws -> PostgresConfiguration {
        if let url = ProcessInfo.processInfo.environment["TENDER_TEST_DATABASE_URL"] {
            return try PostgresConfiguration(connectionString: url)
        }
        let root = clusterRoot
        let data = root + "/data"
        let socket = root + "/socket"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: socket, withIntermediateDirectories: true)
        try await run("/bin/chown", "-R", "postgres", root)
        try await run("/bin/chmod", "700", data)
        atexit { TestServer.stopCluster() }
        try await run(
            "/usr/sbin/runuser", "-u", "postgres", "--", binaries + "/initdb",
            "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"
        )
        let port = try freePort()
        try await run(
            "/usr/sbin/runuser", "-u", "postgres", "--", binaries + "/pg_ctl",
            "-D", data, "-l", root + "/log", "-w", "-t", "30", "-o",
            "-c listen_addresses=127.0.0.1 -p \(port) -k \(socket) -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start"
        )
        return try PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:\(port)/postgres")
    }

    private static let binaries = "/usr/lib/postgresql/15/bin"

    private static let clusterRoot = NSTemporaryDirectory() + "libpq-tests-\(getpid())"

    /// Stops the cluster and removes its files; registered with `atexit`.
    private static func stopCluster() {
        _ = spawnAndWait(
            "/usr/sbin/runuser",
            ["-u", "postgres", "--", binaries + "/pg_ctl", "-D", clusterRoot + "/data", "-m", "immediate", "stop"]
        )
        try? FileManager.default.removeItem(atPath: clusterRoot)
    }

    /// A TCP port that was free a moment ago.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TestServerError(message: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a program on a queue of its own (waiting blocks) and throws unless it exits with status 0.
    private static func run(_ executable: String, _ arguments: String...) async throws {
        let status = await withCheckedContinuation { continuation in
            DispatchQueue(label: "LibPQTests.TestServer").async {
                continuation.resume(returning: spawnAndWait(executable, arguments))
            }
        }
        guard status == 0 else {
            throw TestServerError(message: "\(executable) \(arguments.joined(separator: " ")) exited with status \(status)")
        }
    }

    /// Runs a program to completion with `posix_spawn` and `waitpid`, output discarded, and
    /// returns its wait status. (Foundation's `Process` never reports the end of `pg_ctl start`,
    /// whose server inherits its descriptors.)
    private static func spawnAndWait(_ executable: String, _ arguments: [String]) -> Int32 {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        // The child starts with no blocked signals: threads of this process block some (SIGALRM,
        // which pgbench -T needs), and a spawned process inherits the mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &fileActions, &attributes, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

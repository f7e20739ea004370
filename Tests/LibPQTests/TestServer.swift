import EphemeralPostgres
import LibPQ
import Logging

/// The PostgreSQL server the tests of this process share: `TENDER_TEST_DATABASE_URL` when set,
/// otherwise a throwaway cluster started on first use. Every test gets a database of its own.
enum TestServer {
    static let logger = Logger(label: "LibPQTests")

    private static let databases = SharedTestDatabase(existingServerVariable: "TENDER_TEST_DATABASE_URL")

    /// A configuration for a new, empty database.
    static func database() async throws -> PostgresConfiguration {
        try PostgresConfiguration(connectionString: try await databases.makeDatabase())
    }

    /// A connection to a new, empty database.
    static func connection() async throws -> PostgresConnection {
        try await PostgresConnection.connect(database(), logger: logger)
    }

    /// Waits until the server process `pid` runs a statement containing `fragment`, watching
    /// `pg_stat_activity` from a connection of its own.
    ///
    /// Read the pid before starting the statement: while it runs, its connection is busy.
    static func waitUntilActive(_ fragment: String, pid: Int32) async throws {
        let observer = try await connection()
        defer { Task { await observer.close() } }
        while true {
            let rows = try await observer.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%' || $2 || '%'",
                [pid, fragment]
            )
            if try rows[0].decode(Int.self, column: "n") > 0 {
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

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
}

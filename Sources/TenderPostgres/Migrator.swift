import Foundation
import LibPQ
import Logging

/// Applies ``Migration``s exactly once and in order, under an advisory lock so that workers that
/// start together do not race, and refuses a database whose schema is newer than this build.
public struct Migrator: Sendable {
    /// The advisory lock key held while migrating.
    static let lockKey: Int64 = 0x7465_6E64_6572_0000

    /// The migrations to apply.
    public let migrations: [Migration]
    let logger: Logger

    /// Creates a migrator for Tender's embedded migrations.
    public init(migrations: [Migration] = Migration.all, logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// The newest schema version this build knows.
    public var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Brings the database up to ``latestVersion``; returns the versions applied.
    /// - Throws: ``MigrationError`` when the database is newer than this build.
    @discardableResult
    public func migrate(_ pool: PostgresPool) async throws -> [Int] {
        try await pool.withConnection { connection in
            // Another process may hold the lock while it migrates, and a migration may take long
            // on a big table: neither is an outage, so the session's timeouts are lifted meanwhile.
            try await connection.executeScript("SET lock_timeout = 0; SET statement_timeout = 0")
            try await connection.execute("SELECT pg_advisory_lock($1)", [Self.lockKey])
            do {
                let applied = try await migrate(on: connection)
                try await connection.execute("SELECT pg_advisory_unlock($1)", [Self.lockKey])
                try await connection.executeScript("RESET lock_timeout; RESET statement_timeout")
                return applied
            } catch {
                _ = try? await connection.execute("SELECT pg_advisory_unlock($1)", [Self.lockKey])
                _ = try? await connection.executeScript("RESET lock_timeout; RESET statement_timeout")
                throw error
            }
        }
    }

    /// Checks that the database's schema is the version this build knows, migrating nothing.
    /// - Throws: ``SchemaVersionMismatch`` when it is not.
    public func expectCurrent(_ pool: PostgresPool) async throws {
        let version = try await currentVersion(pool)
        guard version == latestVersion else {
            throw SchemaVersionMismatch(found: version, expected: latestVersion)
        }
    }

    /// The schema version the database is at (0 for an empty database).
    public func currentVersion(_ pool: PostgresPool) async throws -> Int {
        try await pool.withConnection { connection in
            let present = try await connection.query("SELECT to_regclass('tender_migrations') IS NOT NULL AS present")
            guard try present.first?.decode(Bool.self, column: "present") == true else { return 0 }
            let rows = try await connection.query("SELECT coalesce(max(version), 0) AS version FROM tender_migrations")
            return try rows.first?.decode(Int.self, column: "version") ?? 0
        }
    }

    private func migrate(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.execute(
            """
            CREATE TABLE IF NOT EXISTS tender_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        let rows = try await connection.query("SELECT version FROM tender_migrations")
        let done = Set(try rows.map { try $0.decode(Int.self, column: "version") })
        if let newest = done.max(), newest > latestVersion {
            throw MigrationError(databaseVersion: newest, latestKnown: latestVersion)
        }
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(migration.version) {
            try await connection.withTransaction { connection in
                try await connection.executeScript(migration.sql)
                try await connection.execute(
                    "INSERT INTO tender_migrations (version, name) VALUES ($1, $2)",
                    [migration.version, migration.name]
                )
            }
            logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}

/// The database's schema is newer than this build of Tender knows: run a newer build.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// The newest migration recorded in the database.
    public let databaseVersion: Int
    /// The newest migration this build knows.
    public let latestKnown: Int

    /// Says which versions disagree.
    public var description: String {
        "the database schema is at version \(databaseVersion), newer than this build knows (\(latestKnown)); run a newer Tender"
    }
}

/// The database's schema is not the version this build knows, and the caller asked to check it,
/// not to migrate it (``Migrator/expectCurrent(_:)``).
public struct SchemaVersionMismatch: Error, Sendable, CustomStringConvertible {
    /// The version the database is at.
    public let found: Int
    /// The version this build needs.
    public let expected: Int

    /// Creates the error.
    public init(found: Int, expected: Int) {
        self.found = found
        self.expected = expected
    }

    /// Says which versions, and what to do.
    public var description: String {
        "the database schema is at version \(found), this build expects \(expected); run `tender migrate` first"
    }
}

import ArgumentParser
import Foundation
import LibPQ
import Logging
import Tender
import TenderPostgres

/// The database option shared by the operator commands: `--database-url`, else the
/// `TENDER_DATABASE_URL` environment variable. The URL's password is never printed.
struct PaymentsDatabaseOptions: ParsableArguments {
    /// The logger of the operator commands: errors only, since they report on standard output.
    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    @Option(help: "The PostgreSQL database: a libpq URL or connection string (default: $TENDER_DATABASE_URL).")
    var databaseURL: String?

    /// The parsed connection settings.
    func configuration() throws -> PostgresConfiguration {
        let environment = ProcessInfo.processInfo.environment["TENDER_DATABASE_URL"]
        guard let url = databaseURL ?? environment, !url.isEmpty else {
            throw ValidationError("No database given: pass --database-url or set TENDER_DATABASE_URL.")
        }
        return try PostgresConfiguration(connectionString: url)
    }

    /// Runs `body` with a small pool, closing it afterwards. A first connection is made directly,
    /// so an unreachable database fails at once with libpq's reason instead of after the pool's
    /// retries.
    func withPool<T: Sendable>(logger: Logger, _ body: (PostgresPool) async throws -> T) async throws -> T {
        let configuration = try configuration()
        try await Self.checkReachable(configuration, logger: logger)
        let pool = PostgresPool(configuration: configuration, size: 2, logger: logger)
        do {
            let result = try await body(pool)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Runs `body` with the store, after checking that the schema is current.
    func withStore<T: Sendable>(logger: Logger, _ body: (PostgresPaymentStore) async throws -> T) async throws -> T {
        try await withPool(logger: logger) { pool in
            try await Migrator(logger: logger).expectCurrent(pool)
            return try await body(PostgresPaymentStore(pool: pool, logger: logger))
        }
    }

    /// Connects once, directly, so that an unreachable database fails at once with libpq's reason
    /// instead of after a pool's retries.
    static func checkReachable(_ configuration: PostgresConfiguration, logger: Logger) async throws {
        do {
            try await PostgresConnection.connect(configuration, logger: logger).close()
        } catch {
            throw PaymentsCommandError("cannot connect to the database: \(error)")
        }
    }
}

/// An operator command's failure, printed as `Error: <message>` with a non-zero exit status.
struct PaymentsCommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

import EphemeralPostgres
import Foundation
import LibPQ
import TenderWorker

/// A PgBouncer in front of a test database, and the configuration of a Tender behind it.
public struct Pooler: Sendable {
    /// The running PgBouncer.
    public let bouncer: EphemeralPgBouncer
    /// The database, straight to PostgreSQL.
    public let direct: PostgresConfiguration
    /// The same database through PgBouncer.
    public let pooled: PostgresConfiguration

    /// Starts a PgBouncer in `mode` in front of `databaseURL`'s server, runs `body`, and stops it,
    /// whether `body` returned or threw; without a mode, runs `body` with no pooler.
    public static func run<T: Sendable>(
        _ mode: EphemeralPgBouncer.PoolMode?, inFrontOf databaseURL: String, _ body: (Pooler?) async throws -> T
    ) async throws -> T {
        guard let mode else { return try await body(nil) }
        let direct = try PostgresConfiguration(connectionString: databaseURL)
        guard let host = direct.value(of: "host"), let port = direct.value(of: "port").flatMap(Int.init), let database = direct.database else {
            throw PoolerSetupError(message: "the test database URL names no host, port or database")
        }
        let bouncer = try await EphemeralPgBouncer.start(mode: mode, serverHost: host, serverPort: port)
        do {
            let pooled = try PostgresConfiguration(connectionString: bouncer.url(database: database))
            let pooler = Pooler(bouncer: bouncer, direct: direct, pooled: pooled)
            let result = try await body(pooler)
            await bouncer.stop()
            return result
        } catch {
            await bouncer.stop()
            throw error
        }
    }

    /// Points `configuration` at the pooler as an operator would: the pool through PgBouncer, the
    /// listener, the worker-id lock and migrations straight to PostgreSQL, and transaction pooling
    /// declared when PgBouncer pools by transaction.
    public func configure(_ configuration: inout TenderConfiguration) {
        configuration.database = pooled
        configuration.listenDatabase = direct
        configuration.transactionPooling = bouncer.mode == .transaction
    }

    /// How many clients are connected to the database through PgBouncer now.
    public func clientCount() async throws -> Int {
        try await bouncer.clientCount(database: pooled.database ?? "")
    }

    /// What a pool through PgBouncer connects with: without prepared statements or session
    /// parameters under transaction pooling.
    public var poolConfiguration: PostgresConfiguration {
        bouncer.mode == .transaction ? pooled.forTransactionPooling() : pooled
    }
}

/// The test database's URL cannot be put behind a pooler.
struct PoolerSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

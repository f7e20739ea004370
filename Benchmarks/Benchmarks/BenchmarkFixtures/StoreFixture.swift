import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import Tender
import TenderPostgres

/// A throwaway PostgreSQL with Tender's schema and one attempt awaiting its payer's confirmation,
/// started by the benchmarks' setup and stopped by their teardown.
public actor StoreFixture {
    /// The fixture the benchmarks share.
    public static let shared = StoreFixture()

    /// The payment's inputs and the machine that applies them.
    public nonisolated let payment = MachineFixture()
    private var server: EphemeralPostgres?
    private var pool: PostgresPool?
    /// The store, and the attempt the benchmarks poll.
    public private(set) var ready: (store: PostgresPaymentStore, attemptID: AttemptID)?

    /// Starts the server, migrates, and submits the attempt.
    public func start() async throws {
        guard ready == nil else { return }
        var logger = Logger(label: "tender.benchmarks")
        logger.logLevel = .warning
        let server = try await EphemeralPostgres.start(logger: logger)
        self.server = server
        let url = try await server.createDatabase("tender_benchmarks")
        let pool = PostgresPool(configuration: try PostgresConfiguration(connectionString: url), size: 1, logger: logger)
        self.pool = pool
        _ = try await Migrator(logger: logger).migrate(pool)
        let store = PostgresPaymentStore(pool: pool, logger: logger)
        let now = Date()
        let attempt = try await store.submit(
            SubmitRequest(idempotencyKey: "benchmark", submission: payment.submission), machine: payment.machine, leasing: nil, now: now
        )
        .attempt
        for input in [AttemptInput.sessionCreated(payment.open), .payAnswered(payment.open)] {
            _ = try await store.apply(input, to: attempt.id, machine: payment.machine, completing: nil, leasing: nil, now: now)
        }
        ready = (store, attempt.id)
    }

    /// Closes the pool and stops the server.
    public func stop() async {
        await pool?.close()
        await server?.stop()
        (pool, server, ready) = (nil, nil, nil)
    }
}

import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import Tender
import TenderPostgres

/// A throwaway PostgreSQL with Tender's schema and one attempt awaiting its payer's confirmation,
/// started by the benchmarks' setup and stopped by their teardown.
actor StoreFixture {
    static let shared = StoreFixture()

    let machine = AttemptMachine(policy: AttemptPolicy())
    private var server: EphemeralPostgres?
    private var pool: PostgresPool?
    /// The store, and the attempt the benchmarks poll.
    private(set) var ready: (store: PostgresPaymentStore, attemptID: AttemptID)?

    /// Starts the server, migrates, and submits the attempt.
    func start() async throws {
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
        let submission = AttemptMachine.Submission(
            paymentID: PaymentID(rawValue: "order-benchmark"), amount: try Money(minorUnits: 1_000, currency: .pln),
            customer: try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"), code: try BLIKCode("777123"))
        let now = Date()
        let attempt = try await store.submit(
            SubmitRequest(idempotencyKey: "benchmark", submission: submission), machine: machine, leasing: nil, now: now
        )
        .attempt
        let open = GatewaySession(id: "cs_benchmark", status: .open, amount: 1_000)
        for input in [AttemptInput.sessionCreated(open), .payAnswered(open)] {
            _ = try await store.apply(input, to: attempt.id, machine: machine, completing: nil, leasing: nil, now: now)
        }
        ready = (store, attempt.id)
    }

    /// Closes the pool and stops the server.
    func stop() async {
        await pool?.close()
        await server?.stop()
        (pool, server, ready) = (nil, nil, nil)
    }
}

import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import Tender
import TenderPostgres

/// A throwaway PostgreSQL with Tender's schema and ``awaitingCount`` attempts awaiting their payers'
/// confirmation, one of which the benchmarks poll, started by their setup and stopped by their teardown.
public actor StoreFixture {
    /// The fixture the benchmarks share.
    public static let shared = StoreFixture()

    /// The payment's inputs and the machine that applies them.
    public nonisolated let payment = MachineFixture()
    /// How many attempts await confirmation, each of a payment of its own.
    public static let awaitingCount = 100
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
        var first: AttemptID?
        for number in 0..<Self.awaitingCount {
            let template = payment.submission
            let submission = AttemptMachine.Submission(
                paymentID: PaymentID(rawValue: "order-benchmark-\(number)"), amount: template.amount, customer: template.customer,
                code: template.code)
            let attempt = try await store.submit(
                SubmitRequest(idempotencyKey: "benchmark-\(number)", submission: submission), machine: payment.machine, leasing: nil, now: now
            )
            .attempt
            let session = number == 0 ? payment.open : GatewaySession(id: "\(payment.open.id)-\(number)", status: .open, amount: 1_000)
            for input in [AttemptInput.sessionCreated(session), .payAnswered(session)] {
                _ = try await store.apply(input, to: attempt.id, machine: payment.machine, completing: nil, leasing: nil, now: now)
            }
            first = first ?? attempt.id
        }
        guard let attemptID = first else { return }
        ready = (store, attemptID)
    }

    /// Closes the pool and stops the server.
    public func stop() async {
        await pool?.close()
        await server?.stop()
        (pool, server, ready) = (nil, nil, nil)
    }
}

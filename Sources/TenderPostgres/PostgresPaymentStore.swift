import Foundation
import LibPQ
import Logging
import Metrics
import Tender

/// Tender's `PaymentStore` in PostgreSQL, over a `PostgresPool`.
///
/// Each transition is one transaction: the attempt is locked (`FOR UPDATE`), and its payment for
/// the completion that depends on it, the claimed task's fence is checked, the caller's
/// `AttemptMachine` computes the next state, and the new state, the history row, the task changes
/// and the outbox events are written together.
public struct PostgresPaymentStore: PaymentStore {
    /// The pool the store runs its transactions on.
    public let pool: PostgresPool
    /// Where the store's connections that keep session state connect: the listener of
    /// ``signals()`` and the worker-id lock.
    public let sessions: PostgresConfiguration
    let logger: Logger
    /// Counts the writes sent in one round trip that were made again under locks.
    let retriedWrites: RetriedWrites
    /// Tells other processes about the outbox events this store's writes append.
    let announcer: EventAnnouncer

    /// Creates a store over a pool; the schema must be migrated (see ``Migrator``).
    /// - Parameters:
    ///   - pool: where transactions run; it may go through a pooler in transaction mode.
    ///   - sessions: where the listener and the worker-id lock connect, straight to PostgreSQL;
    ///     the pool's configuration when `nil`.
    ///   - logger: for the store's events; never receives bound values.
    ///   - metricsFactory: where the store's counters live (the global factory by default).
    public init(
        pool: PostgresPool, sessions: PostgresConfiguration? = nil, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.pool = pool
        self.sessions = sessions ?? pool.configuration
        self.logger = logger
        retriedWrites = RetriedWrites(factory: metricsFactory)
        announcer = EventAnnouncer(pool: pool, logger: logger, metricsFactory: metricsFactory)
    }

    /// The channel on which a transition announces a task due soon, with the due time in
    /// milliseconds since 1970 as the payload.
    public static let taskChannel = "tender_tasks"

    /// The channel on which a transition announces new outbox events.
    public static let eventChannel = "tender_events"

    public func signals() -> AsyncStream<StoreSignal> {
        let listener = PostgresListener(configuration: sessions, channels: [Self.taskChannel, Self.eventChannel], logger: logger)
        return listener.events { event in
            switch event {
            case .listening:
                .resync
            case .notification(let channel, _) where channel == Self.eventChannel:
                .eventsAppended
            case .notification(_, let payload):
                Double(payload).map { .taskDue(Date(timeIntervalSince1970: $0 / 1000)) }
            }
        }
    }

    public func announceEvents() async {
        await announcer.run()
    }

    /// Runs `body` in a transaction, then announces the events it appended as the
    /// ``EventNotice`` it returns says: a deferred notice goes to the announcer once the
    /// transaction has committed.
    func withTransaction<T: Sendable>(
        announcing body: @Sendable (isolated PostgresConnection) async throws -> (T, EventNotice?)
    ) async throws -> T {
        let (value, notice) = try await pool.withTransaction(body)
        await notice?.committed(announcedBy: announcer)
        return value
    }

    public var executor: (any TaskExecutor)? { pool.executor }

    public func attempt(_ id: AttemptID) async throws -> Attempt? {
        let rows = try await pool.query(AttemptRow.byIDSQL, [id.rawValue])
        return try rows.first.map(AttemptRow.decode)
    }

    public func attempts(in state: AttemptState, submittedBefore: Date, limit: Int) async throws -> [Attempt] {
        let rows = try await pool.query(
            "SELECT \(AttemptRow.columns) FROM attempts a WHERE a.state = $1 AND a.submitted_at < $2 ORDER BY a.submitted_at LIMIT $3",
            [state.rawValue, submittedBefore, limit]
        )
        return try rows.map(AttemptRow.decode)
    }

    /// Runs reads that describe one thing in one snapshot and one round trip: under read
    /// committed each statement would take a snapshot of its own, and a transition committing
    /// between two of them would show the thing at two moments at once.
    func readInOneSnapshot(_ reads: [PostgresStatement]) async throws -> [PostgresRows] {
        try await pool.withTransaction(isolation: .repeatableRead) { connection in
            try await connection.pipeline(reads + [PostgresStatement("COMMIT")])
        }
    }

    public func payment(_ id: PaymentID) async throws -> PaymentRecord? {
        // A completion committing between the reads would show the attempt completed on a
        // payment not yet completed.
        let results = try await readInOneSnapshot([
            PostgresStatement("SELECT amount, currency, completed_attempt_id, created_at FROM payments WHERE id = $1", [id.rawValue]),
            PostgresStatement(
                "SELECT \(AttemptRow.columns) FROM attempts a WHERE a.payment_id = $1 ORDER BY a.submitted_at, a.id", [id.rawValue]),
            PostgresStatement(
                """
                SELECT h.attempt_id, h.version, h.from_state, h.to_state, h.input, h.source, h.note, h.at
                FROM attempt_history h JOIN attempts a ON a.id = h.attempt_id
                WHERE a.payment_id = $1 ORDER BY a.submitted_at, h.attempt_id, h.version
                """,
                [id.rawValue]
            ),
            PostgresStatement(
                "SELECT \(RefundRow.columns) FROM refunds r WHERE r.payment_id = $1 ORDER BY r.requested_at, r.id", [id.rawValue]),
        ])
        guard let payment = results[0].first else { return nil }
        return PaymentRecord(
            id: id,
            amount: try Money(
                minorUnits: payment.decode(Int64.self, column: "amount"),
                currency: Currency(code: payment.decode(String.self, column: "currency"))
            ),
            completedAttemptID: try payment.decode(UUID?.self, column: "completed_attempt_id").map(AttemptID.init),
            createdAt: try payment.decode(Date.self, column: "created_at"),
            attempts: try results[1].map(AttemptRow.decode),
            history: try results[2].map(Self.decodeHistory),
            refunds: try results[3].map(RefundRow.decode)
        )
    }

    private static func decodeHistory(_ row: PostgresRow) throws -> HistoryEntry {
        HistoryEntry(
            attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
            version: try row.decode(Int64.self, column: "version"),
            fromState: try row.decode(AttemptState?.self, column: "from_state", table: "attempt_history"),
            toState: try row.decode(AttemptState.self, column: "to_state", table: "attempt_history"),
            input: try row.decode(String.self, column: "input"),
            source: try row.decode(InputSource.self, column: "source", table: "attempt_history"),
            note: try row.decode(String.self, column: "note"),
            at: try row.decode(Date.self, column: "at")
        )
    }
}

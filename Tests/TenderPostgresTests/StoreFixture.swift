import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import MetricsTestKit
import Tender
import TenderPostgres
import Testing

/// One throwaway server per test process; every test gets its own database on it.
let testDatabase = SharedTestDatabase(existingServerVariable: "TENDER_TEST_DATABASE_URL")

/// The instant every test starts at; whole seconds, so timestamps survive PostgreSQL's microseconds.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// A fresh database for one test, with a store over a pool, and more stores (each with a pool of
/// its own) on request. The pools are closed when the test's body returns.
struct StoreFixture: Sendable {
    /// The database's URL.
    let url: String
    /// The first pool.
    let pool: PostgresPool
    /// A store over ``pool``.
    let store: PostgresPaymentStore
    /// The machine the tests apply, as an engine with the fixture's policy would.
    let machine: AttemptMachine
    private let pools: PoolRegistry

    /// Runs `body` against a fresh database, migrated unless `migrated` is false.
    static func with<T: Sendable>(
        policy: AttemptPolicy = AttemptPolicy(),
        migrated: Bool = true,
        _ body: (StoreFixture) async throws -> T
    ) async throws -> T {
        let url = try await testDatabase.makeDatabase()
        try await limitLockWaits(url)
        let registry = PoolRegistry()
        let pool = try await registry.open(url)
        let machine = AttemptMachine(policy: policy)
        let fixture = StoreFixture(
            url: url, pool: pool, store: PostgresPaymentStore(pool: pool, logger: logger),
            machine: machine, pools: registry
        )
        do {
            if migrated {
                try await Migrator(logger: logger).migrate(pool)
            }
            let result = try await body(fixture)
            await registry.closeAll()
            return result
        } catch {
            await registry.closeAll()
            throw error
        }
    }

    /// A pool of its own on the same database, of `size` connections, closed with the fixture.
    func openPool(size: Int = 4) async throws -> PostgresPool {
        try await pools.open(url, size: size)
    }

    /// A second store instance with a pool of its own, as another process would have.
    func openStore() async throws -> PostgresPaymentStore {
        PostgresPaymentStore(pool: try await openPool(), logger: logger)
    }

    /// A store over ``pool``, or over `other`, whose counters live in `metrics`.
    func store(over other: PostgresPool? = nil, countingIn metrics: TestMetrics) -> PostgresPaymentStore {
        PostgresPaymentStore(pool: other ?? pool, logger: logger, metricsFactory: metrics)
    }

    /// Submits a new attempt of a new payment (or of `paymentID`) at `now`.
    @discardableResult
    func submit(
        payment paymentID: String = UUID().uuidString, key: String = UUID().uuidString, amount: Int64 = 1_000,
        email: String = "payer@example.com", now: Date = t0
    ) async throws -> Attempt {
        try await store.submit(request(payment: paymentID, key: key, amount: amount, email: email), machine: machine, now: now).attempt
    }

    /// A submission request.
    func request(payment paymentID: String, key: String, amount: Int64 = 1_000, email: String = "payer@example.com") throws -> SubmitRequest {
        SubmitRequest(
            idempotencyKey: key,
            submission: AttemptMachine.Submission(
                paymentID: PaymentID(rawValue: paymentID),
                amount: try Money(minorUnits: amount, currency: .pln),
                customer: try Customer(email: email, firstName: "Jan", lastName: "Kowalski"),
                code: try BLIKCode("777123")
            )
        )
    }

    /// The single integer a query returns, such as a `count(*)`.
    func scalar(_ sql: String, _ bindings: [any PostgresEncodable] = []) async throws -> Int {
        let rows = try await pool.query(sql, bindings)
        return try rows.first?.decode(Int.self, at: 0) ?? 0
    }

    /// How many rows a table holds.
    func count(_ table: String) async throws -> Int {
        try await scalar("SELECT count(*) FROM \(table)")
    }

    /// The rows of `attempt_history` of one attempt as (version, from, to, input), by version.
    func history(_ id: AttemptID) async throws -> [HistoryRow] {
        let rows = try await pool.query(
            "SELECT version, from_state, to_state, input, note FROM attempt_history WHERE attempt_id = $1 ORDER BY version",
            [id.rawValue]
        )
        return try rows.map { row in
            HistoryRow(
                version: try row.decode(Int64.self, column: "version"),
                from: try row.decode(String?.self, column: "from_state").flatMap(AttemptState.init(rawValue:)),
                to: try #require(AttemptState(rawValue: row.decode(String.self, column: "to_state"))),
                input: try row.decode(String.self, column: "input"),
                note: try row.decode(String.self, column: "note")
            )
        }
    }

    /// The database's clock, which stamps and judges leases.
    func databaseNow() async throws -> Date {
        let rows = try await pool.query("SELECT clock_timestamp()")
        return try #require(try rows.first?.decode(Date.self, at: 0))
    }

    /// Lets the leases of `claims` lapse, as if their time had passed on the database's clock.
    func lapse(_ claims: [TaskClaim]) async throws {
        try await pool.execute(
            "UPDATE tasks SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE fence = ANY ($1)",
            [claims.map(\.fence)]
        )
    }

    /// The pending tasks of one attempt, by kind.
    func tasks(_ id: AttemptID) async throws -> [TaskKind: TaskRow] {
        let rows = try await pool.query(
            "SELECT kind, reason, due_at, generation, fence, lease_owner FROM tasks WHERE attempt_id = $1",
            [id.rawValue]
        )
        var tasks: [TaskKind: TaskRow] = [:]
        for row in rows {
            let kind = try #require(TaskKind(rawValue: row.decode(String.self, column: "kind")))
            tasks[kind] = TaskRow(
                purpose: try #require(TaskPurpose(kind: kind, reason: row.decode(String.self, column: "reason"))),
                dueAt: try row.decode(Date.self, column: "due_at"),
                generation: try row.decode(Int64.self, column: "generation"),
                fence: try row.decode(Int64.self, column: "fence"),
                leaseOwner: try row.decode(String?.self, column: "lease_owner")
            )
        }
        return tasks
    }

    private static let logger = Logger(label: "TenderPostgresTests")
    private var logger: Logger { Self.logger }

    /// Makes a statement that waits for a lock fail after a while instead of hanging the suite.
    private static func limitLockWaits(_ url: String) async throws {
        let connection = try await PostgresConnection.connect(try PostgresConfiguration(connectionString: url), logger: logger)
        try await connection.executeScript(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lock_timeout = %L', current_database(), '10s'); END $$"
        )
        await connection.close()
    }
}

/// One row of `attempt_history`.
struct HistoryRow: Sendable, Hashable {
    var version: Int64
    var from: AttemptState?
    var to: AttemptState
    var input: String
    var note: String
}

/// One row of `tasks`.
struct TaskRow: Sendable, Hashable {
    var purpose: TaskPurpose
    var dueAt: Date
    var generation: Int64
    var fence: Int64
    var leaseOwner: String?
}

/// The pools a fixture opened, to close them all at the end.
private actor PoolRegistry {
    private var pools: [PostgresPool] = []

    func open(_ url: String, size: Int = 4) throws -> PostgresPool {
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(connectionString: url), size: size, logger: Logger(label: "TenderPostgresTests.pool")
        )
        pools.append(pool)
        return pool
    }

    func closeAll() async {
        for pool in pools {
            await pool.close()
        }
        pools.removeAll()
    }
}

/// A test's deliberate failure inside a transaction.
struct Abort: Error {}

/// A gateway session as the fetch of an attempt would return it.
func session(_ status: GatewaySession.Status, id: String = "cs_test", amount: Int64 = 1_000) -> GatewaySession {
    GatewaySession(id: id, status: status, amount: amount)
}

/// A retryable gateway failure.
let retryLater = GatewayError(kind: .retryLater, httpStatus: 503)

import Foundation
import LibPQ
import Tender

/// Seeds and inspects deadline workloads: attempts whose code never reached the gateway (state
/// `submitted`, stage `creating_session`), each with a pending deadline task, so that firing the
/// deadline is the real expiry transition (history row, outbox event, task changes).
struct BenchDeadlines: Sendable {
    let pool: PostgresPool
    /// Distinguishes the rows of one seeding from another's.
    let label: String

    /// Inserts `count` attempts whose deadlines fall evenly from `first` over `spread` seconds.
    func seed(count: Int, first: Date, spread: TimeInterval) async throws {
        let customer = try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")
        let step = count > 1 ? spread / Double(count - 1) : 0
        try await pool.withTransaction { connection in
            try await connection.execute(
                """
                INSERT INTO payments (id, amount, currency, created_at)
                SELECT $1 || n, 1000, 'PLN', now() FROM generate_series(1, $2) AS n
                """,
                [label + "-", count]
            )
            try await connection.execute(
                """
                INSERT INTO attempts (id, payment_id, state, stage, version, amount, currency, customer, blik_code,
                    submitted_at, deadline, grace_until, idempotency_key, request)
                SELECT gen_random_uuid(), $1 || n, 'submitted', 'creating_session', 1, 1000, 'PLN', $3, '777123', now(),
                    to_timestamp($4 + (n - 1) * $5), to_timestamp($4 + (n - 1) * $5) + interval '15 minutes', $1 || n, 'bench'
                FROM generate_series(1, $2) AS n
                """,
                [label + "-", count, PostgresJSON(customer), first.timeIntervalSince1970, step]
            )
            try await connection.execute(
                """
                INSERT INTO tasks (attempt_id, kind, reason, due_at)
                SELECT id, 'deadline', 'deadline', deadline FROM attempts WHERE payment_id LIKE $1
                """,
                [label + "-%"]
            )
        }
        _ = try await pool.execute("VACUUM (ANALYZE)")
    }

    /// Lateness (the expiry's time minus the deadline) of every deadline of this seeding due in
    /// `[from, to)` that has fired, in seconds.
    func lateness(dueFrom from: Date, to: Date) async throws -> [Double] {
        let rows = try await pool.query(
            """
            SELECT extract(epoch FROM h.at - a.deadline)::float8 AS late
            FROM attempts a JOIN attempt_history h ON h.attempt_id = a.id AND h.input = 'deadline_reached'
            WHERE a.payment_id LIKE $1 AND a.deadline >= $2 AND a.deadline < $3
            """,
            [label + "-%", from, to]
        )
        return try rows.map { try $0.decode(Double.self, column: "late") }
    }

    /// How many deadlines of this seeding due before `dueBy` have not fired.
    func unfired(dueBy: Date) async throws -> Int {
        try await scalar(
            "SELECT count(*) AS n FROM attempts WHERE payment_id LIKE $1 AND deadline < $2 AND state = 'submitted'",
            [label + "-%", dueBy]
        )
    }

    /// The time the last deadline due before `dueBy` fired.
    func lastFired(dueBy: Date) async throws -> Date? {
        let rows = try await pool.query(
            """
            SELECT max(h.at) AS last FROM attempts a JOIN attempt_history h ON h.attempt_id = a.id AND h.input = 'deadline_reached'
            WHERE a.payment_id LIKE $1 AND a.deadline < $2
            """,
            [label + "-%", dueBy]
        )
        return try rows.first?.decode(Date?.self, column: "last") ?? nil
    }

    /// Attempts of this seeding whose deadline fired more than once, or that got more than one
    /// expiry event: both would be a transition applied twice.
    func doubled() async throws -> Int {
        try await scalar(
            """
            SELECT count(*) AS n FROM (
                SELECT a.id FROM attempts a JOIN attempt_history h ON h.attempt_id = a.id
                WHERE a.payment_id LIKE $1 AND h.to_state = 'expired' AND h.from_state <> 'expired'
                GROUP BY a.id HAVING count(*) > 1
                UNION ALL
                SELECT o.attempt_id FROM outbox o WHERE o.payment_id LIKE $1 AND o.type = 'attempt.expired'
                GROUP BY o.attempt_id HAVING count(*) > 1
            ) AS twice
            """,
            [label + "-%"]
        )
    }

    private func scalar(_ sql: String, _ bindings: [any PostgresEncodable]) async throws -> Int {
        try await pool.query(sql, bindings).first?.decode(Int.self, column: "n") ?? 0
    }
}

import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    /// The states in which an attempt takes no more work, as an SQL list of constants.
    static let finishedStateList = constantList(AttemptState.allCases.filter { !$0.isInFlight }.map(\.rawValue))

    public func pruneFinishedAttempts(olderThan age: Duration, limit: Int) async throws -> Int {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                UPDATE attempts SET pruned_at = now()
                WHERE id IN (
                    SELECT a.id FROM attempts a
                    WHERE a.pruned_at IS NULL AND a.resolved_at IS NOT NULL
                        AND a.resolved_at < now() - \(Self.seconds("$1"))
                        AND a.state IN \(Self.finishedStateList)
                        AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.attempt_id = a.id)
                    ORDER BY a.resolved_at
                    LIMIT $2
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id
                """,
                [age.timeInterval, limit]
            )
            let ids = try rows.map { try $0.decode(UUID.self, column: "id") }
            guard !ids.isEmpty else { return 0 }
            try await connection.execute("DELETE FROM attempt_history WHERE attempt_id = ANY ($1)", [ids])
            try await connection.execute("UPDATE webhook_inbox SET body = ''::bytea WHERE attempt_id = ANY ($1)", [ids])
            return ids.count
        }
    }

    public func pruneAcknowledgedEvents(limit: Int) async throws -> Int {
        try await pool.execute(
            """
            DELETE FROM outbox WHERE id IN (
                SELECT o.id FROM outbox o JOIN attempts a ON a.id = o.attempt_id
                WHERE a.pruned_at IS NOT NULL AND o.seq <= (SELECT min(acknowledged) FROM outbox_cursors)
                LIMIT $1
            )
            """,
            [limit]
        )
    }

    public func expireParkedWebhooks(olderThan age: Duration, limit: Int) async throws -> Int {
        try await pool.execute(
            """
            DELETE FROM webhook_inbox WHERE event_id IN (
                SELECT event_id FROM webhook_inbox
                WHERE processed_at IS NULL AND received_at < now() - \(Self.seconds("$1"))
                ORDER BY received_at
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            )
            """,
            [age.timeInterval, limit]
        )
    }

    public func forgetCustomer(of paymentID: PaymentID) async throws -> Int {
        try await pool.withTransaction { connection in
            let payment = try await connection.query("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [paymentID.rawValue])
            guard !payment.isEmpty else {
                throw StoreError(.notFound, "no payment \(paymentID)")
            }
            let states = try await connection.query("SELECT state FROM attempts WHERE payment_id = $1 FOR UPDATE", [paymentID.rawValue])
            let inFlight = try states.contains { try $0.decode(AttemptState.self, column: "state", table: "attempts").isInFlight }
            guard !inFlight else {
                throw StoreError(.attemptInFlight, "payment \(paymentID) has an attempt in flight, which still needs the customer")
            }
            try await connection.execute(
                """
                UPDATE webhook_inbox SET body = ''::bytea
                WHERE attempt_id IN (SELECT id FROM attempts WHERE payment_id = $1)
                    OR session_id IN (SELECT session_id FROM attempts WHERE payment_id = $1)
                """,
                [paymentID.rawValue]
            )
            return try await connection.execute(
                "UPDATE attempts SET customer = $2, request = 'erased' WHERE payment_id = $1",
                [paymentID.rawValue, StoredCustomer(.erased)]
            )
        }
    }
}

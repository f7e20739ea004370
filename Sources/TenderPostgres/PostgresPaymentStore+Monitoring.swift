import LibPQ
import Tender

extension PostgresPaymentStore {
    /// The gauges of `/metrics`, in one round trip; each statement reads an index (attempts by
    /// state `attempts_state_submitted`, the event feed's lag `outbox_unsequenced` and the top of
    /// the `seq` index).
    public func monitoringSnapshot() async throws -> MonitoringSnapshot {
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                PostgresStatement("SELECT state, count(*) AS attempts FROM attempts GROUP BY state"),
                PostgresStatement("SELECT state, count(*) AS refunds FROM refunds GROUP BY state"),
                PostgresStatement("SELECT count(*) AS parked FROM webhook_inbox WHERE processed_at IS NULL"),
                PostgresStatement(
                    """
                    SELECT coalesce(extract(epoch FROM now() - min(submitted_at)), 0)::float8 AS age
                    FROM attempts WHERE state = 'awaiting_confirmation'
                    """
                ),
                PostgresStatement(
                    """
                    SELECT c.consumer,
                           (SELECT coalesce(max(seq), 0) FROM outbox) - c.acknowledged
                             + (SELECT count(*) FROM outbox WHERE seq IS NULL) AS lag
                    FROM outbox_cursors c
                    """
                ),
            ])
        }
        var attempts: [AttemptState: Int] = [:]
        for row in results[0] {
            attempts[try row.decode(AttemptState.self, column: "state", table: "attempts")] = try row.decode(Int.self, column: "attempts")
        }
        var refunds: [RefundState: Int] = [:]
        for row in results[1] {
            refunds[try row.decode(RefundState.self, column: "state", table: "refunds")] = try row.decode(Int.self, column: "refunds")
        }
        var lag: [String: Int] = [:]
        for row in results[4] {
            lag[try row.decode(String.self, column: "consumer")] = max(0, try row.decode(Int.self, column: "lag"))
        }
        return MonitoringSnapshot(
            attempts: attempts,
            refunds: refunds,
            parkedWebhooks: try results[2].first?.decode(Int.self, column: "parked") ?? 0,
            oldestAwaitingConfirmation: try results[3].first?.decode(Double.self, column: "age") ?? 0,
            consumerLag: lag
        )
    }
}

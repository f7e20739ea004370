import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore: OperatorReads {
    /// The overview in one round trip besides the gauges. Outcomes and deadline lateness read the
    /// attempts resolved since `since` (`attempts_prunable`) and their history by key; alarms read
    /// their partial indexes. Counting webhooks by time scans the inbox, which retention keeps short.
    public func overview(since: Date) async throws -> OperationsOverview {
        async let monitoring = monitoringSnapshot()
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                PostgresStatement(
                    """
                    SELECT (extract(epoch FROM date_trunc('minute', resolved_at)))::float8 AS minute, state, count(*)::int8 AS outcomes
                    FROM attempts WHERE resolved_at >= $1 AND pruned_at IS NULL GROUP BY 1, 2 ORDER BY 1
                    """, [since]),
                PostgresStatement(
                    """
                    SELECT count(*)::int8 AS fired,
                        coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY lateness), 0)::float8 AS p50,
                        coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY lateness), 0)::float8 AS p99
                    FROM (
                        SELECT extract(epoch FROM h.at - a.deadline)::float8 AS lateness
                        FROM attempts a JOIN attempt_history h ON h.attempt_id = a.id
                        WHERE a.resolved_at >= $1 AND a.pruned_at IS NULL AND h.input = 'deadline_reached'
                    ) fired
                    """, [since]),
                PostgresStatement(
                    """
                    SELECT count(*) FILTER (WHERE processed_at IS NOT NULL)::int8 AS processed,
                        count(*) FILTER (WHERE processed_at IS NULL)::int8 AS parked
                    FROM webhook_inbox WHERE received_at >= $1
                    """, [since]),
                PostgresStatement(
                    """
                    SELECT id, payment_id, submitted_at FROM attempts
                    WHERE state = 'awaiting_confirmation' ORDER BY submitted_at LIMIT 1
                    """),
                PostgresStatement(
                    "SELECT payment_id, resolved_at AS at FROM attempts WHERE duplicate AND resolved_at >= $1 ORDER BY resolved_at DESC LIMIT 20",
                    [since]),
                PostgresStatement(
                    """
                    SELECT payment_id, created_at AS at FROM outbox
                    WHERE type = 'payment.amount_mismatch' AND created_at >= $1 ORDER BY created_at DESC LIMIT 20
                    """, [since]),
            ])
        }
        var minutes: [OperationsOverview.Minute] = []
        for row in results[0] {
            let start = Date(timeIntervalSince1970: try row.decode(Double.self, column: "minute"))
            if minutes.last?.start != start {
                minutes.append(OperationsOverview.Minute(start: start, outcomes: [:]))
            }
            minutes[minutes.count - 1].outcomes[try row.decode(AttemptState.self, column: "state", table: "attempts")] = try row.decode(
                Int.self, column: "outcomes")
        }
        let lateness = try results[1].first.map {
            OperationsOverview.Lateness(
                count: try $0.decode(Int.self, column: "fired"), p50: try $0.decode(Double.self, column: "p50"),
                p99: try $0.decode(Double.self, column: "p99"))
        }
        let waiting = try results[3].first.map {
            OperationsOverview.Waiting(
                paymentID: PaymentID(rawValue: try $0.decode(String.self, column: "payment_id")),
                attemptID: AttemptID(rawValue: try $0.decode(UUID.self, column: "id")), submittedAt: try $0.decode(Date.self, column: "submitted_at"))
        }
        func alarms(_ rows: PostgresRows) throws -> [OperationsOverview.Alarm] {
            try rows.map {
                OperationsOverview.Alarm(
                    paymentID: PaymentID(rawValue: try $0.decode(String.self, column: "payment_id")), at: try $0.decode(Date.self, column: "at"))
            }
        }
        return OperationsOverview(
            monitoring: try await monitoring, since: since, minutes: minutes,
            deadlineLateness: lateness ?? OperationsOverview.Lateness(count: 0, p50: 0, p99: 0),
            webhooksProcessed: try results[2].first?.decode(Int.self, column: "processed") ?? 0,
            webhooksParked: try results[2].first?.decode(Int.self, column: "parked") ?? 0, oldestAwaiting: waiting,
            duplicateCharges: try alarms(results[4]), amountMismatches: try alarms(results[5])
        )
    }

    /// A payment's activity in one round trip: webhooks by session (`webhook_inbox_session`),
    /// events by attempt (`outbox_attempt`), refund and attempt history by key.
    public func activity(of record: PaymentRecord) async throws -> PaymentActivity {
        let attemptIDs = record.attempts.map(\.id.rawValue)
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                PostgresStatement(
                    """
                    SELECT event_id, type, session_id, received_at, processed_at FROM webhook_inbox
                    WHERE session_id = ANY($1) ORDER BY received_at, event_id
                    """, [record.attempts.compactMap(\.sessionID)]),
                PostgresStatement(
                    "SELECT seq, type, attempt_id, version, created_at FROM outbox WHERE attempt_id = ANY($1) ORDER BY id", [attemptIDs]),
                PostgresStatement(
                    """
                    SELECT refund_id, version, from_state, to_state, input, note, at FROM refund_history
                    WHERE refund_id = ANY($1) ORDER BY at, refund_id, version
                    """, [record.refunds.map(\.id.rawValue)]),
                PostgresStatement(
                    "SELECT attempt_id, version, evidence::text AS evidence FROM attempt_history WHERE attempt_id = ANY($1) AND evidence IS NOT NULL",
                    [attemptIDs]),
            ])
        }
        let webhooks = try results[0].map {
            PaymentActivity.Webhook(
                eventID: try $0.decode(String.self, column: "event_id"), type: try $0.decode(String.self, column: "type"),
                sessionID: try $0.decode(String.self, column: "session_id"), receivedAt: try $0.decode(Date.self, column: "received_at"),
                processedAt: try $0.decode(Date?.self, column: "processed_at"))
        }
        let events = try results[1].map {
            PaymentActivity.Event(
                sequence: try $0.decode(Int64?.self, column: "seq"), type: try $0.decode(String.self, column: "type"),
                attemptID: AttemptID(rawValue: try $0.decode(UUID.self, column: "attempt_id")), version: try $0.decode(Int64.self, column: "version"),
                createdAt: try $0.decode(Date.self, column: "created_at"))
        }
        let steps = try results[2].map {
            PaymentActivity.RefundStep(
                refundID: RefundID(rawValue: try $0.decode(UUID.self, column: "refund_id")), version: try $0.decode(Int64.self, column: "version"),
                fromState: try $0.decode(RefundState?.self, column: "from_state", table: "refund_history"),
                toState: try $0.decode(RefundState.self, column: "to_state", table: "refund_history"),
                input: try $0.decode(String.self, column: "input"),
                note: try $0.decode(String.self, column: "note"), at: try $0.decode(Date.self, column: "at"))
        }
        var evidence: [AttemptID: [Int64: String]] = [:]
        for row in results[3] {
            evidence[AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")), default: [:]][
                try row.decode(Int64.self, column: "version")] =
                try row.decode(String.self, column: "evidence")
        }
        return PaymentActivity(webhooks: webhooks, events: events, refundSteps: steps, evidence: evidence)
    }
}

import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func receiveWebhook(
        _ hint: WebhookHint, body: [UInt8], machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date
    ) async throws -> ReceivedWebhook {
        try await withTransaction { connection in
            let results = try await connection.pipeline([
                PostgresStatement(
                    """
                    INSERT INTO webhook_inbox (event_id, type, session_id, body, received_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (event_id) DO NOTHING
                    """,
                    [hint.eventID, hint.type, hint.sessionID, Data(body), now]
                ),
                Self.sessionLock(hint.sessionID),
                PostgresStatement("SELECT id FROM attempts WHERE session_id = $1", [hint.sessionID]),
            ])
            guard results[0].affectedRows == 1 else { return (ReceivedWebhook(receipt: .duplicate), nil) }
            guard let row = results[2].first else { return (ReceivedWebhook(receipt: .parked), nil) }
            let attemptID = AttemptID(rawValue: try row.decode(UUID.self, column: "id"))
            // The event is marked processed with the hint's writes, and the commit goes with them.
            let processed = PostgresStatement(
                "UPDATE webhook_inbox SET processed_at = $2, attempt_id = $3 WHERE event_id = $1",
                [hint.eventID, now, attemptID.rawValue]
            )
            let (applied, notice) = try await transition(
                attemptID, .webhookHint(hint), machine: machine, completing: nil, leasing: lease, now: now, on: connection,
                trailing: [processed], committing: true)
            return (ReceivedWebhook(receipt: .applied(attemptID), applied: applied), notice)
        }
    }

    /// Applies the webhooks that arrived for a session before an attempt held it. Runs in the
    /// transaction that gives the attempt its session, under the session's lock, so an event is
    /// either seen here or finds the attempt itself. The events the replayed transitions append
    /// are announced inside the transaction, whose writer announces its own transition's only.
    func replayParkedWebhooks(
        for sessionID: String, attemptID: AttemptID, machine: AttemptMachine, now: Date, on connection: isolated PostgresConnection
    ) async throws {
        let parked = try await connection.pipeline([
            Self.sessionLock(sessionID),
            PostgresStatement(
                """
                UPDATE webhook_inbox SET processed_at = $2, attempt_id = $3
                WHERE session_id = $1 AND processed_at IS NULL
                RETURNING event_id, type, received_at
                """,
                [sessionID, now, attemptID.rawValue]
            ),
        ])[1]
        var appended = false
        for row in parked {
            let hint = WebhookHint(
                eventID: try row.decode(String.self, column: "event_id"),
                type: try row.decode(String.self, column: "type"),
                sessionID: sessionID,
                createdAt: try row.decode(Date.self, column: "received_at")
            )
            let replayed = try await transition(attemptID, .webhookHint(hint), machine: machine, completing: nil, now: now, on: connection)
            appended = appended || !replayed.applied.transition.events.isEmpty
        }
        if appended {
            _ = try await connection.pipeline(EventNotice.carried.statements)
        }
    }

    /// A transaction lock on one gateway session, ordering a webhook's lookup against the
    /// transition that assigns the session.
    static func sessionLock(_ sessionID: String) -> PostgresStatement {
        PostgresStatement("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [sessionID])
    }
}

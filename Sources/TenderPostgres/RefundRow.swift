import Foundation
import LibPQ
import Tender

/// How a ``Refund`` maps to a row of `refunds`.
enum RefundRow {
    /// The columns every refund query selects.
    static let columns = """
        r.id, r.payment_id, r.attempt_id, r.amount, r.currency, r.reason, r.state, r.version, r.gateway_refund_id,
        r.failure, r.retries, r.next_at, r.requested_at, r.resolved_at, r.gateway_key
        """

    /// Reads a refund from a row that has ``columns``.
    static func decode(_ row: PostgresRow) throws -> Refund {
        Refund(
            id: RefundID(rawValue: try row.decode(UUID.self, column: "id")),
            paymentID: PaymentID(rawValue: try row.decode(String.self, column: "payment_id")),
            attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
            amount: try Money(
                minorUnits: row.decode(Int64.self, column: "amount"), currency: Currency(code: row.decode(String.self, column: "currency"))),
            reason: try row.decode(RefundReason.self, column: "reason", table: "refunds"),
            state: try row.decode(RefundState.self, column: "state", table: "refunds"),
            version: try row.decode(Int64.self, column: "version"),
            gatewayRefundID: try row.decode(String?.self, column: "gateway_refund_id"),
            failure: try row.decode(String?.self, column: "failure"),
            retries: try row.decode(Int.self, column: "retries"),
            nextAt: try row.decode(Date?.self, column: "next_at"),
            requestedAt: try row.decode(Date.self, column: "requested_at"),
            resolvedAt: try row.decode(Date?.self, column: "resolved_at"),
            gatewayKey: try row.decode(String.self, column: "gateway_key")
        )
    }
}

/// The statements that persist refund transitions and schedule the attempt's refund task.
enum RefundWrites {
    /// A new refund (``RefundMachine/request(_:of:amount:reason:now:)``) with its first history
    /// row and its task due. Under `idempotencyKey` nothing is written a second time.
    static func insert(_ transition: RefundTransition, idempotencyKey: String, request: String, now: Date) -> [PostgresStatement] {
        let refund = transition.refund
        return [
            PostgresStatement(
                """
                INSERT INTO refunds (id, payment_id, attempt_id, amount, currency, reason, state, version, next_at,
                    idempotency_key, request, gateway_key, requested_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (idempotency_key) DO NOTHING
                """,
                [
                    refund.id.rawValue, refund.paymentID.rawValue, refund.attemptID.rawValue, refund.amount.minorUnits,
                    refund.amount.currency.code, refund.reason.rawValue, refund.state.rawValue, refund.version, refund.nextAt,
                    idempotencyKey, request, refund.gatewayKey, refund.requestedAt,
                ]
            ),
            PostgresStatement(
                """
                INSERT INTO refund_history (refund_id, version, from_state, to_state, input, note, at)
                SELECT $1, $2, NULL, $3, 'requested', $4, $5 WHERE EXISTS (SELECT 1 FROM refunds WHERE id = $1)
                ON CONFLICT DO NOTHING
                """,
                [refund.id.rawValue, refund.version, refund.state.rawValue, transition.note, now]
            ),
            scheduleTask(refund.attemptID, .call, at: refund.requestedAt),
        ]
    }

    /// The versioned update, the history row and, for a final refund, the outbox event of one
    /// transition; the update comes first and must touch exactly one row.
    static func transition(_ transition: RefundTransition, input: RefundInput, of attempt: RefundedAttempt, now: Date) -> [PostgresStatement] {
        let refund = transition.refund
        var statements = [
            PostgresStatement(
                """
                UPDATE refunds SET state = $3, version = $4, gateway_refund_id = $5, failure = $6, retries = $7, next_at = $8,
                    resolved_at = $9
                WHERE id = $1 AND version = $2
                """,
                [
                    refund.id.rawValue, transition.previous?.version ?? 0, refund.state.rawValue, refund.version, refund.gatewayRefundID,
                    refund.failure, refund.retries, refund.nextAt, refund.resolvedAt,
                ]
            ),
            PostgresStatement(
                """
                INSERT INTO refund_history (refund_id, version, from_state, to_state, input, note, evidence, at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [
                    refund.id.rawValue, refund.version, transition.previous?.state.rawValue, refund.state.rawValue, input.name,
                    transition.note, PostgresJSON(RefundEvidence(input)), now,
                ]
            ),
        ]
        if let event = transition.event {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO outbox (type, payment_id, attempt_id, version, payload, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    """,
                    [
                        event.rawValue, refund.paymentID.rawValue, refund.attemptID.rawValue, attempt.version,
                        EventPayload(refund, of: attempt), now,
                    ]
                ))
        }
        return statements
    }

    /// Makes the attempt's refund task due at `at`, or sooner if it already is; a call wins over
    /// a poll, so a new refund never waits for the poll budget.
    static func scheduleTask(_ attemptID: AttemptID, _ step: RefundStep, at: Date) -> PostgresStatement {
        PostgresStatement(
            """
            INSERT INTO tasks (attempt_id, kind, reason, due_at) VALUES ($1, 'refund', $2, $3)
            ON CONFLICT (attempt_id, kind) DO UPDATE SET
                reason = CASE WHEN EXCLUDED.reason = 'call' OR tasks.reason = 'call' THEN 'call' ELSE 'poll' END,
                due_at = LEAST(tasks.due_at, EXCLUDED.due_at),
                generation = tasks.generation + 1
            """,
            [attemptID.rawValue, step.rawValue, at]
        )
    }
}

/// What a refund's history keeps of a gateway answer.
struct RefundEvidence: Codable, Sendable {
    var gatewayRefundID: String?
    var status: String?
    var error: String?

    init(_ input: RefundInput) {
        switch input {
        case .answered(let refund), .retrieved(let refund):
            gatewayRefundID = refund.id
            status = refund.status.rawValue
        case .callFailed(let error), .retrieveFailed(let error):
            self.error = error.description
        }
    }

    private enum CodingKeys: String, CodingKey {
        case gatewayRefundID = "gateway_refund_id"
        case status, error
    }
}

/// What a refund event tells of the attempt whose charge was refunded.
struct RefundedAttempt: Sendable {
    var version: Int64 = 0
    var sessionID: String?
    var late = false
    var duplicate = false

    init() {}

    init(_ row: PostgresRow) throws {
        version = try row.decode(Int64.self, column: "version")
        sessionID = try row.decode(String?.self, column: "session_id")
        late = try row.decode(Bool.self, column: "late")
        duplicate = try row.decode(Bool.self, column: "duplicate")
    }
}

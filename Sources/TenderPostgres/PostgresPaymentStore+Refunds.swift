import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func requestRefund(_ request: RefundRequest, machine: RefundMachine, now: Date) async throws -> RequestedRefund {
        try await pool.withTransaction { connection in
            // The payment's lock serialises requests, and each later statement reads what the
            // previous holder committed: the sum below cannot miss a concurrent refund.
            let reads = try await connection.pipeline([
                PostgresStatement("SELECT completed_attempt_id FROM payments WHERE id = $1 FOR UPDATE", [request.paymentID.rawValue]),
                PostgresStatement("SELECT \(RefundRow.columns), r.request FROM refunds r WHERE r.idempotency_key = $1", [request.idempotencyKey]),
                PostgresStatement(
                    """
                    SELECT \(AttemptRow.columns),
                        coalesce((SELECT sum(amount) FROM refunds WHERE attempt_id = a.id AND state <> 'failed'), 0)::int8 AS refunded
                    FROM attempts a JOIN payments p ON a.id = p.completed_attempt_id WHERE p.id = $1
                    """,
                    [request.paymentID.rawValue]
                ),
            ])
            if let existing = reads[1].first {
                guard try existing.decode(String.self, column: "request") == request.fingerprint else {
                    throw StoreError(.idempotencyConflict, "the idempotency key was used with a different request")
                }
                return RequestedRefund(refund: try RefundRow.decode(existing), replayed: true)
            }
            guard reads[0].first != nil else {
                throw StoreError(.notFound, "no payment \(request.paymentID)")
            }
            guard let row = reads[2].first else {
                throw StoreError(.paymentNotCompleted, "payment \(request.paymentID) is not paid; there is nothing to refund")
            }
            let attempt = try AttemptRow.decode(row)
            let left = attempt.amount.minorUnits - (try row.decode(Int64.self, column: "refunded"))
            let amount = request.amount ?? left
            guard left > 0, amount <= left else {
                throw StoreError(.amountExceedsRefundable, "payment \(request.paymentID) has \(max(left, 0)) left to refund")
            }
            let transition = RefundMachine.request(
                RefundID(), of: attempt, amount: try Money(minorUnits: amount, currency: attempt.amount.currency), reason: request.reason,
                requestedBy: request.operatorAction, now: now
            )
            var writes = RefundWrites.insert(transition, idempotencyKey: request.idempotencyKey, request: request.fingerprint, now: now)
            writes.append(Self.announceTask(dueAt: now))
            writes.append(PostgresStatement("COMMIT"))
            _ = try await connection.pipeline(writes)
            return RequestedRefund(refund: transition.refund, replayed: false)
        }
    }

    public func unfinishedRefunds(of attemptID: AttemptID) async throws -> [Refund] {
        try await pool.query(
            """
            SELECT \(RefundRow.columns) FROM refunds r WHERE r.attempt_id = $1 AND r.state IN \(Self.unfinishedRefundStates)
            ORDER BY r.requested_at, r.id
            """,
            [attemptID.rawValue]
        ).map(RefundRow.decode)
    }

    public func applyRefundAnswers(
        _ answers: [RefundAnswer], of attemptID: AttemptID, machine: RefundMachine, completing claim: TaskClaim, now: Date
    ) async throws -> [RefundTransition] {
        try await withTransaction { connection in
            let reads = try await connection.pipeline([
                PostgresStatement(
                    "SELECT fence, generation, lease_owner FROM tasks WHERE attempt_id = $1 AND kind = $2 FOR UPDATE",
                    [attemptID.rawValue, TaskKind.refund.rawValue]
                ),
                PostgresStatement(
                    """
                    SELECT \(RefundRow.columns) FROM refunds r WHERE r.attempt_id = $1 AND r.state IN \(Self.unfinishedRefundStates)
                    ORDER BY r.requested_at, r.id FOR UPDATE
                    """,
                    [attemptID.rawValue]
                ),
                PostgresStatement("SELECT version, session_id, late, duplicate FROM attempts WHERE id = $1", [attemptID.rawValue]),
            ])
            let completion = try Self.completion(of: claim, task: reads[0].first)
            var unfinished = try reads[1].map(RefundRow.decode)
            let attempt = try reads[2].first.map(RefundedAttempt.init) ?? RefundedAttempt()
            var transitions: [RefundTransition] = []
            var writes = [completion]
            var updateIndexes: [Int] = []
            for answer in answers {
                guard let index = unfinished.firstIndex(where: { $0.id == answer.refundID }) else { continue }
                let transition = machine.transition(unfinished[index], answer.input, now: now)
                unfinished[index] = transition.refund
                transitions.append(transition)
                updateIndexes.append(writes.count)
                writes += RefundWrites.transition(transition, input: answer.input, of: attempt, now: now)
            }
            let waiting = unfinished.filter { !$0.state.isFinal }
            if let next = waiting.compactMap(\.nextAt).min() {
                writes.append(RefundWrites.scheduleTask(attemptID, waiting.contains { $0.state == .requested } ? .call : .poll, at: next))
                if next.timeIntervalSince(now) < TransitionWrites.announceHorizon {
                    writes.append(Self.announceTask(dueAt: next))
                }
            }
            let notice = transitions.contains { $0.event != nil } ? announcer.notice() : nil
            writes += notice?.statements ?? []
            writes.append(PostgresStatement("COMMIT"))
            let written = try await connection.pipeline(writes)
            guard updateIndexes.allSatisfy({ written[$0].affectedRows == 1 }) else {
                throw StoreError(.fencedOut, "a refund of attempt \(attemptID) changed under its lock")
            }
            return (transitions, notice)
        }
    }

    /// The states of refunds still waiting for the gateway, as an SQL list.
    static let unfinishedRefundStates = constantList(RefundState.allCases.filter { !$0.isFinal }.map(\.rawValue))

    /// Tells every worker that a task falls due at `dueAt`.
    static func announceTask(dueAt: Date) -> PostgresStatement {
        PostgresStatement("SELECT pg_notify($1, $2)", [taskChannel, announcement(of: dueAt)])
    }

    /// Tells every worker that tasks fall due at each of `dueTimes`, in one statement.
    static func announceTasks(dueAt dueTimes: [Date]) -> PostgresStatement {
        PostgresStatement("SELECT pg_notify($1, due) FROM unnest($2::text[]) AS due", [taskChannel, dueTimes.map(announcement(of:))])
    }

    /// The payload of a task's announcement: its due time in milliseconds since 1970.
    private static func announcement(of dueAt: Date) -> String {
        String(Int64((dueAt.timeIntervalSince1970 * 1000).rounded()))
    }
}

import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func apply(
        _ input: AttemptInput, to attemptID: AttemptID, machine: AttemptMachine, completing claim: TaskClaim?, leasing lease: FollowUpLease?,
        now: Date, knowing known: Attempt?
    ) async throws -> AppliedTransition {
        if let known, known.id == attemptID,
            let optimistic = OptimisticTransition(input, to: known, machine: machine, completing: claim, leasing: lease, now: now)
        {
            let notice = optimistic.applied.transition.events.isEmpty ? nil : announcer.notice()
            do {
                return try await withTransaction { connection in
                    let results = try await connection.pipeline(optimistic.statements + (notice?.statements ?? []) + [PostgresStatement("COMMIT")])
                    return (AppliedTransition(transition: optimistic.applied.transition, followUps: try optimistic.followUps(in: results)), notice)
                }
            } catch let error as PostgresError where error.sqlState == TransitionCheck.refusal {
                retriedWrites.transitions.increment()
                logger.debug("attempt moved since it was read; applying the input under its lock", metadata: ["attempt_id": "\(attemptID)"])
            }
        }
        return try await withTransaction { connection in
            try await transition(attemptID, input, machine: machine, completing: claim, leasing: lease, now: now, on: connection, committing: true)
        }
    }

    /// Applies one input inside the caller's transaction: lock, check the claim, compute, write.
    /// The caller's `trailing` statements follow the writes in the same round trip. When
    /// `committing`, the transaction ends with them, unless parked webhooks are still to be
    /// replayed in it, and the transition's events are announced as its ``EventNotice`` says,
    /// which the caller follows once the transaction has committed. When not, the caller
    /// announces the events of its transaction.
    @discardableResult
    func transition(
        _ attemptID: AttemptID, _ input: AttemptInput, machine: AttemptMachine, completing claim: TaskClaim?, leasing lease: FollowUpLease? = nil,
        now: Date, on connection: isolated PostgresConnection, trailing: [PostgresStatement] = [], committing: Bool = false
    ) async throws -> (applied: AppliedTransition, notice: EventNotice?) {
        // A new session's parked webhooks are looked for under the session's lock, taken before
        // the attempt's as a webhook's receiver takes them; when there are none, the transition
        // can commit with its writes.
        var reads: [PostgresStatement] = []
        var newSession: String?
        if case .sessionCreated(let session) = input {
            newSession = session.id
            reads += [
                Self.sessionLock(session.id),
                PostgresStatement(
                    "SELECT EXISTS (SELECT 1 FROM webhook_inbox WHERE session_id = $1 AND processed_at IS NULL) AS parked",
                    [session.id]
                ),
            ]
        }
        let attemptRead = reads.count
        reads.append(
            PostgresStatement(Self.lockedAttemptSQL, [attemptID.rawValue]))
        if let claim {
            reads.append(
                PostgresStatement(
                    "SELECT fence, generation, lease_owner FROM tasks WHERE attempt_id = $1 AND kind = $2 FOR UPDATE",
                    [attemptID.rawValue, claim.kind.rawValue]
                ))
        }
        let results = try await connection.pipeline(reads)
        let noneParked = try newSession != nil && results[1].first?.decode(Bool.self, column: "parked") == false
        guard let row = results[attemptRead].first else {
            throw StoreError(.notFound, "no attempt \(attemptID)")
        }
        let attempt = try AttemptRow.decode(row)
        let context = PaymentContext(
            completedAttemptID: try row.decode(UUID?.self, column: "completed_attempt_id").map(AttemptID.init)
        )

        let applied = AppliedInput(
            input, to: attempt, context: context, machine: machine,
            completion: try claim.map { try Self.completion(of: $0, task: results[attemptRead + 1].first) }, lease: lease, now: now
        )
        let transition = applied.transition
        let notice = committing && !transition.events.isEmpty ? announcer.notice() : nil
        var writes = applied.statements + (notice?.statements ?? []) + trailing
        let replaysWebhooks =
            attempt.sessionID == nil && transition.attempt.sessionID != nil
            && !(noneParked && transition.attempt.sessionID == newSession)
        if committing, !replaysWebhooks {
            // The versioned update cannot miss its row while the row is locked, so the commit
            // may travel with it; the check below guards the invariant all the same.
            writes.append(PostgresStatement("COMMIT"))
        }
        let written = try await connection.pipeline(writes)
        guard written[applied.updateIndex].affectedRows == 1 else {
            throw StoreError(.fencedOut, "attempt \(attemptID) changed under its lock")
        }
        if replaysWebhooks, let sessionID = transition.attempt.sessionID {
            try await replayParkedWebhooks(for: sessionID, attemptID: attemptID, machine: machine, now: now, on: connection)
        }
        let result = AppliedTransition(transition: transition, followUps: try applied.followUps(in: written), isQuietPoll: applied.isQuietPoll)
        return (result, notice)
    }

    /// Locks and reads the attempt `$1` with its payment's completed attempt.
    static let lockedAttemptSQL = """
        SELECT \(AttemptRow.columns), p.completed_attempt_id
        FROM attempts a JOIN payments p ON p.id = a.payment_id WHERE a.id = $1 FOR UPDATE
        """

    /// The statement that finishes a claimed task, or ``StoreError/Code/fencedOut`` when the claim
    /// lost its lease. A task rescheduled while it ran stays, unleased, for its new due time.
    static func completion(of claim: TaskClaim, task: PostgresRow?) throws -> PostgresStatement {
        guard let task,
            try task.decode(Int64.self, column: "fence") == claim.fence,
            try task.decode(String?.self, column: "lease_owner") == claim.owner
        else {
            throw StoreError(.fencedOut, "the \(claim.kind.rawValue) task of attempt \(claim.attemptID) is no longer held by \(claim.owner)")
        }
        return completion(of: claim, sameGeneration: try task.decode(Int64.self, column: "generation") == claim.generation)
    }

    /// The statement that finishes a claimed task whose fence was checked: a delete, or, when the
    /// task was rescheduled while it ran, a release of its lease, announced.
    static func completion(of claim: TaskClaim, sameGeneration: Bool) -> PostgresStatement {
        if sameGeneration {
            return PostgresStatement(
                "DELETE FROM tasks WHERE attempt_id = $1 AND kind = $2",
                [claim.attemptID.rawValue, claim.kind.rawValue]
            )
        }
        return PostgresStatement(
            releasing("WHERE t.attempt_id = $1 AND t.kind = $2"),
            [claim.attemptID.rawValue, claim.kind.rawValue]
        )
    }
}

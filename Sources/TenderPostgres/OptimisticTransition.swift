import Foundation
import LibPQ
import Tender

/// A transition written in one round trip, computed from the attempt as its engine last saw it:
/// as the transition that leased the task left it, or as read for the task's gateway call.
///
/// The locking path reads the attempt under its lock in one round trip and writes in a second.
/// This one locks and writes in the same round trip, in the locking path's order: a new
/// session's lock, the attempt (its versioned update takes the lock), then the claimed task. The
/// payment is locked only by a completion's own update of it, last: the machine consults the
/// payment for nothing else. Each assumption is checked where it is written
/// (``TransitionCheck``): the attempt's version, the claim's fence, owner and generation, that no
/// other attempt completed the payment first, and that no webhook waits parked for a new session.
/// A failed check rolls the transaction back, and the input is applied again under locks, which
/// handles each of those cases. The transition's attempt carries the quiet-poll count as last
/// seen: polls count on the attempt without a new version, and these writes leave the count alone.
struct OptimisticTransition {
    /// The transition, computed without the payment's context: a completion is checked to be
    /// the payment's first instead.
    let applied: AppliedInput
    /// The statements to send after `BEGIN`, checks included.
    let statements: [PostgresStatement]
    /// How many statements precede the attempt's update.
    private let leading: Int
    /// How many checks follow the attempt's update before the transition's other writes.
    private let checksAfterUpdate: Int

    /// The one-round-trip writes of `input` applied to `attempt`; nil when the input must be
    /// applied under locks: a quiet poll (which writes no version to check), or a transition
    /// that gives the attempt a session other than a created one's.
    init?(
        _ input: AttemptInput, to attempt: Attempt, machine: AttemptMachine, completing claim: TaskClaim?, leasing lease: FollowUpLease?,
        now: Date
    ) {
        let applied = AppliedInput(
            input, to: attempt, context: PaymentContext(), machine: machine, completion: nil, lease: lease, now: now, checked: true)
        guard !applied.isQuietPoll else { return nil }
        var leading: [PostgresStatement] = []
        if attempt.sessionID == nil, let sessionID = applied.transition.attempt.sessionID {
            guard case .sessionCreated(let session) = input, session.id == sessionID else { return nil }
            leading = [
                PostgresPaymentStore.sessionLock(sessionID),
                PostgresStatement(Self.noParkedWebhooksSQL, [sessionID]),
            ]
        }
        var checks: [PostgresStatement] = []
        if let claim {
            checks.append(
                PostgresStatement(
                    Self.claimedTaskDeleteSQL, [claim.attemptID.rawValue, claim.kind.rawValue, claim.fence, claim.owner, claim.generation]))
        }
        self.applied = applied
        self.leading = leading.count
        self.checksAfterUpdate = checks.count
        statements = leading + [applied.statements[0]] + checks + applied.statements.dropFirst()
    }

    /// Raises unless no webhook waits parked for the session (`$1`).
    private static let noParkedWebhooksSQL = TransitionCheck.expecting(
        "NOT EXISTS (SELECT 1 FROM webhook_inbox WHERE session_id = $1 AND processed_at IS NULL)", what: "the parked webhooks")

    /// Completes the claimed task, raising unless this claim still holds it.
    private static let claimedTaskDeleteSQL = TransitionCheck.expectingOneRow(
        "DELETE FROM tasks WHERE attempt_id = $1 AND kind = $2 AND fence = $3 AND lease_owner = $4 AND generation = $5", what: "the claimed task")

    /// The follow-ups leased, from the answers to ``statements``.
    func followUps(in results: [PostgresRows]) throws -> [TaskClaim] {
        let writes = [results[leading]] + results.dropFirst(leading + 1 + checksAfterUpdate)
        return try applied.followUps(in: writes)
    }
}

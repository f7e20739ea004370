import Foundation
import LibPQ
import Tender

/// The statements that persist a ``QuietPoll``: the poll counted on the attempt (guarded by its
/// unchanged version), the same poll scheduled again, and an announcement when it is due soon. No
/// version, no history row, no event; the claimed task's completion goes before them as for any
/// transition.
struct QuietPollWrites {
    /// The statements; the first one is the attempt's versioned update, which must touch one row.
    let statements: [PostgresStatement]

    /// The writes of `poll`, made at `now` on `attempt` as it was stored.
    init(_ poll: QuietPoll, of attempt: Attempt, now: Date) {
        var statements = [
            PostgresStatement(
                "UPDATE attempts SET quiet_polls = quiet_polls + 1, last_quiet_poll_at = $3 WHERE id = $1 AND version = $2",
                [attempt.id.rawValue, attempt.version, now]
            ),
            TransitionWrites.coalesceFetch(attempt.id, poll.reason, at: poll.nextPollAt),
        ]
        if poll.nextPollAt.timeIntervalSince(now) < TransitionWrites.announceHorizon {
            statements.append(PostgresPaymentStore.announceTask(dueAt: poll.nextPollAt))
        }
        self.statements = statements
    }
}

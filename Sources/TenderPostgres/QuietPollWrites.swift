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
            Self.count([attempt], now: now),
            TransitionWrites.coalesceFetch(attempt.id, poll.reason, at: poll.nextPollAt),
        ]
        if poll.nextPollAt.timeIntervalSince(now) < TransitionWrites.announceHorizon {
            statements.append(PostgresPaymentStore.announceTask(dueAt: poll.nextPollAt))
        }
        self.statements = statements
    }

    /// Counts a poll made at `now` on each of `attempts`, as they were stored: one versioned update
    /// that must touch every one of them.
    static func count(_ attempts: [Attempt], now: Date) -> PostgresStatement {
        PostgresStatement(
            """
            UPDATE attempts a SET quiet_polls = a.quiet_polls + 1, last_quiet_poll_at = $3
            FROM unnest($1::uuid[], $2::int8[]) AS p (id, version) WHERE a.id = p.id AND a.version = p.version
            """,
            [attempts.map(\.id.rawValue), attempts.map(\.version), now]
        )
    }
}

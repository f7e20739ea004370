import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    /// The reasons of polls, the tasks under the poll budget (``TaskPurpose/isBudgeted``): session
    /// polls and refund read-backs, the latter sharing the reason `poll`.
    static let budgetedReasons =
        (FetchReason.allCases.filter(\.isBudgeted).map(\.rawValue)
        + RefundStep.allCases.filter(\.isBudgeted).map(\.rawValue))
        .reduce(into: [String]()) { reasons, reason in
            if !reasons.contains(reason) { reasons.append(reason) }
        }

    /// ``budgetedReasons`` as an SQL list of constants, `('poll', 'grace_poll')`. The claim names
    /// them so, not as a bound array: the partial index `tasks_due_unbudgeted` has the same list in
    /// its predicate, and the planner matches a query to it only by constants.
    static let budgetedReasonList = constantList(budgetedReasons)

    public func claimTasks(owner: String, dueBy: Date, limit: Int, pollLimit: Int, deadlineLimit: Int, lease: Duration) async throws
        -> [ReadyTask]
    {
        // An attempt this version cannot read (one a newer worker wrote) is left for its task to
        // read, which then fails alone rather than failing the claim of every task with it.
        try await queryByIndex(PostgresStatement(Self.claimTasksSQL, [dueBy, limit, owner, lease.timeInterval, pollLimit, deadlineLimit]))
            .map { ReadyTask(claim: try TaskClaim(row: $0, owner: owner), attempt: try? AttemptRow.decode($0)) }
            .sorted { $0.claim.dueAt < $1.claim.dueAt }
    }

    /// Claims the due tasks and reads their attempts: `$1` due by, `$2` limit, `$3` owner, `$4`
    /// lease seconds, `$5` poll limit, `$6` deadline limit. A deadline is skipped while its attempt
    /// or payment is locked, as well as its task (``dueDeadlines(selecting:dueBy:limit:)``), as the
    /// firing of deadlines skips them. The attempts are read, not locked: a task's transition
    /// checks the version it started from when it writes.
    static let claimTasksSQL = """
        WITH unbudgeted AS (
            SELECT ctid FROM tasks
            WHERE lease_owner IS NULL AND due_at <= $1 AND reason NOT IN \(budgetedReasonList) AND kind <> 'deadline'
            ORDER BY due_at LIMIT $2
            FOR UPDATE SKIP LOCKED
        ), polls AS (
            SELECT ctid FROM tasks
            WHERE lease_owner IS NULL AND due_at <= $1 AND reason IN \(budgetedReasonList)
            ORDER BY due_at LIMIT least($2 - (SELECT count(*) FROM unbudgeted), $5)
            FOR UPDATE SKIP LOCKED
        ), deadlines AS (
            \(dueDeadlines(selecting: "t.ctid", dueBy: "$1", limit: "$6"))
        ), due AS (
            SELECT ctid FROM unbudgeted UNION ALL SELECT ctid FROM polls UNION ALL SELECT ctid FROM deadlines
        ), claimed AS (
            UPDATE tasks SET lease_owner = $3, lease_expires_at = \(leaseExpiry("$4")), fence = nextval('task_fences'), tries = tries + 1
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM due))
            RETURNING *
        )
        SELECT t.*, \(AttemptRow.columns) FROM claimed t JOIN attempts a ON a.id = t.attempt_id
        """

    /// Locks up to `limit` due deadlines with their attempts and payments, earliest first,
    /// skipping any of the three locked at the moment so that it never waits. The tasks are locked
    /// first, alone: a scan that joined before locking would join every task it then skips, and in
    /// a burst the other firings hold a few hundred of them. A task whose attempt or payment is
    /// skipped stays locked, unfired, until the transaction ends.
    static func dueDeadlines(selecting columns: String, dueBy: String, limit: String) -> String {
        """
        WITH t AS MATERIALIZED (
            SELECT ctid, attempt_id, kind, reason, due_at, fence, generation, tries FROM tasks
            WHERE lease_owner IS NULL AND due_at <= \(dueBy) AND kind = 'deadline'
            ORDER BY due_at LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        )
        SELECT \(columns) FROM t
            JOIN attempts a ON a.id = t.attempt_id JOIN payments p ON p.id = a.payment_id
            ORDER BY t.due_at
            FOR UPDATE OF a, p SKIP LOCKED
        """
    }

    public func upcomingTasks(dueBy: Date, limit: Int) async throws -> [ScheduledTask] {
        let rows = try await queryByIndex(
            PostgresStatement(
                "SELECT attempt_id, kind, due_at FROM tasks WHERE lease_owner IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2",
                [dueBy, limit]
            ))
        return try rows.map { row in
            ScheduledTask(
                attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
                kind: try row.decode(TaskKind.self, column: "kind", table: "tasks"),
                dueAt: try row.decode(Date.self, column: "due_at")
            )
        }
    }

    /// The pipeline is one transaction that locks one task row after another, in no particular
    /// order, while a transition locks the task it completes and then writes the attempt's other
    /// tasks. Waiting for a row could close a cycle with such a transition (a deadlock), so a row
    /// locked at the moment is skipped: its lease is extended next time, and a transition holding
    /// it is usually finishing the task anyway.
    public func extendLeases(_ claims: [TaskClaim], owner: String, lease: Duration) async throws -> [TaskClaim] {
        guard !claims.isEmpty else { return [] }
        let results = try await pool.withConnection { connection in
            try await connection.pipeline(
                claims.map { claim in
                    PostgresStatement(
                        """
                        UPDATE tasks SET lease_expires_at = \(Self.leaseExpiry("$4"))
                        WHERE (attempt_id, kind) = (
                            SELECT attempt_id, kind FROM tasks
                            WHERE attempt_id = $1 AND kind = $2 AND fence = $3 AND lease_owner = $5
                            FOR UPDATE SKIP LOCKED
                        )
                        RETURNING lease_expires_at
                        """,
                        [claim.attemptID.rawValue, claim.kind.rawValue, claim.fence, lease.timeInterval, owner]
                    )
                })
        }
        return try zip(claims, results).compactMap { claim, result in
            guard let row = result.first else { return nil }
            var extended = claim
            extended.leaseExpiresAt = try row.decode(Date.self, column: "lease_expires_at")
            return extended
        }
    }

    public func release(_ claims: [TaskClaim]) async throws {
        guard !claims.isEmpty else { return }
        _ = try await pool.withConnection { connection in
            try await connection.pipeline(
                claims.map { claim in
                    PostgresStatement(
                        Self.releasing("WHERE t.attempt_id = $1 AND t.kind = $2 AND t.fence = $3 AND t.lease_owner = $4"),
                        [claim.attemptID.rawValue, claim.kind.rawValue, claim.fence, claim.owner]
                    )
                })
        }
    }

    /// Frees the leases of the tasks `t` that `rows` picks (the rest of an `UPDATE tasks t`: a
    /// `FROM` and a `WHERE`) and tells every worker when each freed task falls due; it returns a
    /// row for each. A freed task is due again, often at once, and no worker was told: a task that
    /// finishes is released rather than deleted when it was rescheduled while it ran (a webhook
    /// asked for a fetch while a poll ran, say), and the transition that rescheduled it announced
    /// it while it was still leased, when no claim could take it; a draining worker gives back
    /// follow-ups it did not start; a lease lapses.
    static func releasing(_ rows: String) -> String {
        """
        WITH released AS (UPDATE tasks t SET lease_owner = NULL, lease_expires_at = NULL \(rows) RETURNING t.due_at)
        SELECT pg_notify('\(taskChannel)', round(extract(epoch FROM due_at) * 1000)::bigint::text) FROM released
        """
    }

    /// Rows locked at the moment (by a transition of their attempt) are skipped, not waited for:
    /// waiting while holding the rows already freed could deadlock with that transition. They are
    /// freed by a later recovery. Leases come and go with every task, so the sweep plans with
    /// index scans only (``indexScansOnly``).
    public func recoverLapsedLeases() async throws -> Int {
        try await queryByIndex(PostgresStatement(Self.recoverLapsedLeasesSQL)).affectedRows
    }

    /// Frees the leases that lapsed by the database's clock.
    static let recoverLapsedLeasesSQL = releasing(
        """
        WHERE (t.attempt_id, t.kind) IN (
            SELECT attempt_id, kind FROM tasks
            WHERE lease_owner IS NOT NULL AND lease_expires_at < now()
            FOR UPDATE SKIP LOCKED
        )
        """)

    /// The expiry of a lease of `seconds` (a bound `float8`) from now by the database's clock,
    /// `now()`: the start of the transaction, so a lease never lasts longer than asked.
    static func leaseExpiry(_ seconds: String) -> String {
        "now() + \(Self.seconds(seconds))"
    }

    public func releaseLeases(owner: String) async throws -> Int {
        try await pool.execute(
            Self.releasing("WHERE t.lease_owner = $1"),
            [owner]
        )
    }
}

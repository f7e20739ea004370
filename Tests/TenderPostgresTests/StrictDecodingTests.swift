import Foundation
import Tender
import Testing

@testable import TenderPostgres

/// A row this version cannot read is an error naming its table and column, never a silent
/// default or a skipped row. The schema has no CHECK constraints on these columns, so each unknown
/// value is inserted as another version (or a hand edit) would.
@Suite("Strict decoding")
struct StrictDecodingTests {
    private let lease = Duration.seconds(30)

    @Test(
        "a claim of a task with an unknown kind or reason throws, instead of skipping the task",
        arguments: [
            ("teleport", "deadline", "kind"),
            ("fetch", "teleport", "reason"),
            ("call", "poll", "reason"),
            ("deadline", "create_session", "reason"),
        ]
    )
    func unknownTask(kind: String, reason: String, column: String) async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            try await fixture.pool.execute(
                """
                INSERT INTO tasks (attempt_id, kind, reason, due_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (attempt_id, kind) DO UPDATE SET reason = EXCLUDED.reason, due_at = EXCLUDED.due_at
                """,
                [attempt.id.rawValue, kind, reason, t0]
            )
            let error = await #expect(throws: RowDecodingError.self) {
                try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: lease)
            }
            #expect(error?.table == "tasks" && error?.column == column)
            #expect(error.map { !"\($0)".contains("teleport") } == true, "the error says where the value is, not what it is")
        }
    }

    @Test("reading the upcoming tasks throws at a task of an unknown kind")
    func unknownUpcomingKind() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            try await fixture.pool.execute(
                "INSERT INTO tasks (attempt_id, kind, reason, due_at) VALUES ($1, 'teleport', 'deadline', $2)",
                [attempt.id.rawValue, t0 + 5]
            )
            let error = await #expect(throws: RowDecodingError.self) {
                try await fixture.store.upcomingTasks(dueBy: t0 + 3_600, limit: 10)
            }
            #expect(error?.table == "tasks" && error?.column == "kind")
        }
    }

    @Test(
        "a history row with an unknown state or source makes reading the payment throw",
        arguments: [
            ("teleported", "submitted", "poll", "from_state"),
            ("submitted", "teleported", "poll", "to_state"),
            ("submitted", "awaiting_confirmation", "teleport", "source"),
        ]
    )
    func unknownHistory(from: String, to: String, source: String, column: String) async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            #expect(try await fixture.store.payment(attempt.paymentID)?.history.count == 1)
            try await fixture.pool.execute(
                """
                INSERT INTO attempt_history (attempt_id, version, from_state, to_state, input, source, note, at)
                VALUES ($1, 2, $2, $3, 'fetched', $4, 'by hand', $5)
                """,
                [attempt.id.rawValue, from, to, source, t0 + 1]
            )
            let error = await #expect(throws: RowDecodingError.self) {
                try await fixture.store.payment(attempt.paymentID)
            }
            #expect(error?.table == "attempt_history" && error?.column == column)
            #expect(error.map { !"\($0)".contains("teleport") } == true)
        }
    }

    @Test(
        "an outbox event with an unknown type, state or failure makes reading the events throw, instead of dropping it",
        arguments: [
            ("attempt.teleported", #"{"state": "completed", "asks_for_new_code": false, "late": false, "duplicate": false}"#, "type"),
            ("attempt.completed", #"{"state": "teleported", "asks_for_new_code": false, "late": false, "duplicate": false}"#, "payload->>'state'"),
            (
                "attempt.failed", #"{"state": "failed", "failure": "teleported", "asks_for_new_code": false, "late": false, "duplicate": false}"#,
                "payload->>'failure'"
            ),
        ]
    )
    func unknownEvent(type: String, payload: String, column: String) async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            try await fixture.pool.execute(
                """
                INSERT INTO outbox (type, payment_id, attempt_id, version, payload, created_at)
                VALUES ($1, $2, $3, 2, $4::jsonb, $5)
                """,
                [type, attempt.paymentID.rawValue, attempt.id.rawValue, payload, t0 + 1]
            )
            let error = await #expect(throws: RowDecodingError.self) {
                try await fixture.store.events(after: 0, limit: 10)
            }
            #expect(error?.table == "outbox" && error?.column == column)
            #expect(error.map { !"\($0)".contains("teleport") } == true)
        }
    }

    @Test("an attempt with an unknown outcome source or failure cannot be read")
    func unknownAttemptColumns() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            for column in ["outcome_source", "failure"] {
                try await fixture.pool.execute("UPDATE attempts SET \(column) = 'teleport' WHERE id = $1", [attempt.id.rawValue])
                let error = await #expect(throws: RowDecodingError.self) {
                    try await fixture.store.attempt(attempt.id)
                }
                #expect(error?.table == "attempts" && error?.column == column)
                try await fixture.pool.execute("UPDATE attempts SET \(column) = NULL WHERE id = $1", [attempt.id.rawValue])
            }
            #expect(try await fixture.store.attempt(attempt.id) == attempt)
        }
    }

    @Test("a task whose attempt cannot be read is claimed without it, and reading the attempt then throws")
    func claimOfAnUnreadableAttempt() async throws {
        try await StoreFixture.with { fixture in
            let unreadable = try await fixture.submit()
            let readable = try await fixture.submit()
            try await fixture.pool.execute("UPDATE attempts SET failure = 'teleport' WHERE id = $1", [unreadable.id.rawValue])
            let claimed = try await fixture.store.claimTasks(
                owner: "w1", dueBy: t0 + 1, limit: 10, pollLimit: 10, deadlineLimit: 0, lease: lease)
            #expect(Set(claimed.map(\.claim.attemptID)) == [unreadable.id, readable.id], "the claim fails for no task")
            #expect(claimed.first { $0.claim.attemptID == readable.id }?.attempt == readable)
            #expect(claimed.contains { $0.claim.attemptID == unreadable.id && $0.attempt == nil })
            let error = await #expect(throws: RowDecodingError.self) {
                try await fixture.store.attempt(unreadable.id)
            }
            #expect(error?.table == "attempts" && error?.column == "failure")
        }
    }

    @Test("the partial index of unbudgeted tasks leaves out exactly the budgeted fetch reasons")
    func unbudgetedIndexMatchesFetchReasons() async throws {
        try await StoreFixture.with { fixture in
            // The claim finds its unbudgeted tasks through this index only while the index's
            // predicate names the same reasons the claim does.
            let rows = try await fixture.pool.query(
                "SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'tasks_due_unbudgeted'::regclass"
            )
            let predicate = try #require(try rows.first?.decode(String.self, at: 0))
            let budgeted = FetchReason.allCases.filter(\.isBudgeted).map { "'\($0.rawValue)'::text" }
            #expect(predicate.contains("reason <> ALL (ARRAY[\(budgeted.joined(separator: ", "))])"), "\(predicate)")
        }
    }
}

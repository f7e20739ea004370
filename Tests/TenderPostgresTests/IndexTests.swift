import Foundation
import LibPQ
import Tender
import TenderTestKit
import Testing

@testable import TenderPostgres

@Suite("Indexes at 100,000 tasks", .heavy)
struct IndexTests {
    /// 100,000 attempts awaiting confirmation, each with a poll due over one hour from `t0`; every
    /// hundredth poll is leased, the first half of those leases lapsed an hour ago or more by the
    /// database's clock and the other half lapsing an hour from now or later, and every hundredth attempt has
    /// a deadline due over the same hour as the polls.
    private static let population = """
        INSERT INTO payments (id, amount, currency, created_at)
        SELECT 'p' || i, 1000, 'PLN', to_timestamp(1800000000) FROM generate_series(1, 100000) AS i;
        INSERT INTO attempts (id, payment_id, state, stage, version, amount, currency, customer,
            session_id, submitted_at, deadline, grace_until, idempotency_key, request)
        SELECT md5('a' || i)::uuid, 'p' || i, 'awaiting_confirmation', 'paid', 3, 1000, 'PLN',
            '{"email": "payer@example.com", "first_name": "Jan", "last_name": "Kowalski"}',
            'cs_' || i, to_timestamp(1800000000), to_timestamp(1800000090), to_timestamp(1800000990), 'k' || i, 'r' || i
        FROM generate_series(1, 100000) AS i;
        INSERT INTO tasks (attempt_id, kind, reason, due_at, lease_owner, lease_expires_at)
        SELECT md5('a' || i)::uuid, 'fetch', 'poll', to_timestamp(1800000000) + i * interval '36 ms',
            CASE WHEN i % 100 = 0 THEN 'w1' END,
            CASE WHEN i % 100 = 0 THEN clock_timestamp() + (i - 50000) * interval '36 ms'
                + CASE WHEN i <= 50000 THEN interval '-1 hour' ELSE interval '1 hour' END END
        FROM generate_series(1, 100000) AS i;
        INSERT INTO tasks (attempt_id, kind, reason, due_at)
        SELECT md5('a' || i)::uuid, 'deadline', 'deadline', to_timestamp(1800000000) + i * interval '36 ms'
        FROM generate_series(1, 100000, 100) AS i;
        ANALYZE payments, attempts, tasks;
        """

    @Test("the hot task queries are answered from their partial indexes, not by scanning the tasks")
    func hotQueriesUseIndexes() async throws {
        try await StoreFixture.with { fixture in
            try await fixture.pool.withConnection { try await $0.executeScript(Self.population) }
            #expect(try await fixture.count("tasks") == 101_000)
            let halfway = t0 + 1_800

            let unbudgeted = try await plan(
                fixture,
                """
                SELECT attempt_id, kind FROM tasks
                WHERE lease_owner IS NULL AND due_at <= $1 AND reason NOT IN ('poll', 'grace_poll') AND kind <> 'deadline'
                ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED
                """,
                [halfway]
            )
            #expect(unbudgeted.usesIndex("tasks_due_unbudgeted"), "\(unbudgeted)")
            #expect(!unbudgeted.scansSequentially("tasks"), "\(unbudgeted)")

            let claim = try await plan(
                fixture, PostgresPaymentStore.claimTasksSQL, [halfway, 100, "w2", 30.0, 50, 128], indexScansOnly: true
            )
            #expect(
                claim.usesIndex("tasks_due_unbudgeted") && claim.usesIndex("tasks_due") && claim.usesIndex("tasks_due_deadlines"), "\(claim)")
            #expect(!claim.scansSequentially("tasks") && !claim.scansByBitmap("tasks"), "\(claim)")

            let firing = try await plan(fixture, PostgresPaymentStore.lockDueDeadlinesSQL, [halfway, 128], indexScansOnly: true)
            #expect(firing.usesIndex("tasks_due_deadlines"), "\(firing)")
            #expect(!firing.scansSequentially("tasks") && !firing.scansByBitmap("tasks"), "\(firing)")

            let upcoming = try await plan(
                fixture,
                "SELECT attempt_id, kind, due_at FROM tasks WHERE lease_owner IS NULL AND due_at <= $1 ORDER BY due_at LIMIT 100",
                [halfway],
                indexScansOnly: true
            )
            #expect(upcoming.usesIndex("tasks_due") && !upcoming.scansByBitmap("tasks"), "\(upcoming)")

            let lapsed = try await plan(fixture, PostgresPaymentStore.recoverLapsedLeasesSQL, [], indexScansOnly: true)
            #expect(lapsed.usesIndex("tasks_lease"), "\(lapsed)")
            #expect(!lapsed.scansSequentially("tasks") && !lapsed.scansByBitmap("tasks"), "\(lapsed)")

            // The queries still answer right at this size.
            let claims = try await fixture.store.claimTasks(owner: "w2", dueBy: t0 + 1, limit: 100, lease: .seconds(30))
            #expect(claims.count == 28, "polls 1...27 and the first deadline are due within the first second")
            // The leases of tasks 100, 200, … 50,000 have lapsed; those just claimed have not.
            #expect(try await fixture.store.recoverLapsedLeases() == 500)
        }
    }

    @Test("a page of the payment list is a backward scan of payments_created, first page or after a cursor")
    func paymentListUsesItsIndex() async throws {
        try await StoreFixture.with { fixture in
            try await fixture.pool.withConnection { try await $0.executeScript(Self.population) }
            let unfiltered: [any PostgresEncodable] = [Date.distantPast, Date.distantFuture, String?.none, 101]
            let first = try await plan(fixture, PostgresPaymentStore.paymentListSQL(afterCursor: false), unfiltered)
            #expect(first.usesIndex("payments_created"), "\(first)")
            #expect(!first.scansSequentially("payments"), "\(first)")
            let next = try await plan(
                fixture, PostgresPaymentStore.paymentListSQL(afterCursor: true), unfiltered + [Int64(1_800_000_000_000_000), "p5000"])
            #expect(next.usesIndex("payments_created"), "\(next)")
            #expect(!next.scansSequentially("payments"), "\(next)")

            // At this size the pages still come whole and in order.
            let page = try await fixture.store.payments(matching: PaymentQuery(limit: 100))
            #expect(page.payments.map(\.id.rawValue) == Array((1...100_000).map { "p\($0)" }.sorted(by: >).prefix(100)))
        }
    }

    @Test("the outbox sequencer follows the events it numbers, not the outbox, on a table never analyzed too")
    func sequencerUsesIndexes() async throws {
        try await StoreFixture.with { fixture in
            // 5,000 numbered events and 5 waiting for a number, as on a young system that numbered
            // them faster than autovacuum analyzed the table.
            try await fixture.pool.withConnection { connection in
                try await connection.executeScript(
                    """
                    INSERT INTO outbox (seq, type, payment_id, attempt_id, version, payload, created_at)
                    SELECT CASE WHEN i <= 5000 THEN i END, 'attempt.completed', 'p' || i, md5('a' || i)::uuid, 1,
                        '{"state": "completed", "asks_for_new_code": false, "late": false, "duplicate": false}', to_timestamp(1800000000)
                    FROM generate_series(1, 5005) AS i;
                    """)
            }
            let sequencing = try await plan(fixture, PostgresPaymentStore.sequencing.sql, [], indexScansOnly: true)
            #expect(sequencing.usesIndex("outbox_unsequenced"), "\(sequencing)")
            #expect(!sequencing.scansSequentially("outbox"), "\(sequencing)")
            #expect(!sequencing.scansByBitmap("outbox"), "\(sequencing)")

            let events = try await fixture.store.events(after: 5000, limit: 10)
            #expect(events.map(\.sequence) == Array(5001...5005))
        }
    }

    /// The plan of `sql`; with `indexScansOnly`, as the store runs it, after ``PostgresPaymentStore/indexScansOnly``.
    private func plan(
        _ fixture: StoreFixture, _ sql: String, _ bindings: [any PostgresEncodable], indexScansOnly: Bool = false
    ) async throws -> QueryPlan {
        let rows = try await fixture.pool.withTransaction { connection in
            if indexScansOnly {
                _ = try await connection.query(PostgresPaymentStore.indexScansOnly.sql)
            }
            return try await connection.query("EXPLAIN (FORMAT JSON) " + sql, bindings)
        }
        let text = try #require(try rows.first?.decode(String.self, at: 0))
        return try QueryPlan(json: text)
    }
}

/// The nodes of an `EXPLAIN (FORMAT JSON)` plan, flattened.
private struct QueryPlan: CustomStringConvertible {
    struct Node {
        var type: String
        var relation: String?
        var index: String?
    }

    var nodes: [Node] = []

    init(json: String) throws {
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let root = try #require((document as? [[String: Any]])?.first?["Plan"] as? [String: Any])
        collect(root)
    }

    private mutating func collect(_ node: [String: Any]) {
        nodes.append(
            Node(
                type: node["Node Type"] as? String ?? "?",
                relation: node["Relation Name"] as? String,
                index: node["Index Name"] as? String
            ))
        for child in node["Plans"] as? [[String: Any]] ?? [] {
            collect(child)
        }
    }

    func usesIndex(_ name: String) -> Bool {
        nodes.contains { $0.index == name }
    }

    func scansSequentially(_ table: String) -> Bool {
        nodes.contains { $0.type == "Seq Scan" && $0.relation == table }
    }

    func scansByBitmap(_ table: String) -> Bool {
        nodes.contains { $0.type == "Bitmap Heap Scan" && $0.relation == table }
    }

    var description: String {
        nodes.map { [$0.type, $0.relation, $0.index].compactMap { $0 }.joined(separator: " ") }.joined(separator: " / ")
    }
}

import Foundation
import LibPQ
import Tender
import TenderTestKit
import Testing

@Suite("Retention at 100,000 finished attempts", .heavy)
struct RetentionTests {
    /// 100,000 attempts that completed 100 days ago, each with three history rows, one event
    /// (sequence numbers 1...100,000) and one webhook; 1,000 attempts submitted as long ago and
    /// still awaiting confirmation, with the same, and a poll each; two consumers, one that
    /// acknowledged every event and one that acknowledged half. Twenty parked webhooks, half of them
    /// two days old.
    private static let population = """
        INSERT INTO payments (id, amount, currency, created_at)
        SELECT 'p' || i, 1000, 'PLN', now() - interval '100 days' FROM generate_series(1, 101000) AS i;
        INSERT INTO attempts (id, payment_id, state, stage, version, amount, currency, customer,
            session_id, submitted_at, deadline, grace_until, resolved_at, idempotency_key, request)
        SELECT md5('a' || i)::uuid, 'p' || i,
            CASE WHEN i <= 100000 THEN 'completed' ELSE 'awaiting_confirmation' END, 'paid', 3, 1000, 'PLN',
            '{"email": "old@example.com", "first_name": "Jan", "last_name": "Kowalski"}',
            'cs_' || i, now() - interval '100 days', now() - interval '100 days', now() - interval '100 days',
            CASE WHEN i <= 100000 THEN now() - interval '100 days' END, 'k' || i, 'r' || i
        FROM generate_series(1, 101000) AS i;
        INSERT INTO attempt_history (attempt_id, version, from_state, to_state, input, source, note, at)
        SELECT md5('a' || i)::uuid, v, NULL, 'submitted', 'submit', 'order_system', '', now() - interval '100 days'
        FROM generate_series(1, 101000) AS i, generate_series(1, 3) AS v;
        INSERT INTO outbox (seq, type, payment_id, attempt_id, version, payload, created_at)
        SELECT i, 'attempt.completed', 'p' || i, md5('a' || i)::uuid, 3, '{}', now() - interval '100 days'
        FROM generate_series(1, 101000) AS i;
        INSERT INTO webhook_inbox (event_id, type, session_id, body, received_at, processed_at, attempt_id)
        SELECT 'evt_' || i, 'session.completed', 'cs_' || i, convert_to('{"session": "cs_' || i || '"}', 'UTF8'),
            now() - interval '100 days', now() - interval '100 days', md5('a' || i)::uuid
        FROM generate_series(1, 101000) AS i;
        INSERT INTO tasks (attempt_id, kind, reason, due_at)
        SELECT md5('a' || i)::uuid, 'fetch', 'poll', now() + interval '1 hour' FROM generate_series(100001, 101000) AS i;
        INSERT INTO outbox_cursors (consumer, acknowledged, updated_at) VALUES ('books', 101000, now()), ('crm', 50000, now());
        INSERT INTO webhook_inbox (event_id, type, session_id, body, received_at)
        SELECT 'evt_parked_' || i, 'session.completed', 'cs_unknown_' || i, convert_to('{}', 'UTF8'),
            now() - CASE WHEN i <= 10 THEN interval '2 days' ELSE interval '1 minute' END
        FROM generate_series(1, 20) AS i;
        ANALYZE payments, attempts, attempt_history, outbox, webhook_inbox, tasks;
        """

    @Test("pruning removes exactly the old finished attempts' history, acknowledged events and bodies, a batch at a time, while payments flow")
    func pruneFinishedAttempts() async throws {
        try await StoreFixture.with { fixture in
            try await fixture.pool.withConnection { try await $0.executeScript(Self.population) }
            let store = fixture.store
            let age = Duration.seconds(90 * 86_400)

            // Payments keep flowing meanwhile: submissions and their first transitions.
            async let flowing: [Attempt] = (0..<100).asyncMap { _ in try await fixture.submit(now: Date()) }
            var batches: [Int] = []
            while true {
                let pruned = try await store.pruneFinishedAttempts(olderThan: age, limit: 1_000)
                guard pruned > 0 else { break }
                batches.append(pruned)
            }
            var eventBatches: [Int] = []
            while true {
                let pruned = try await store.pruneAcknowledgedEvents(limit: 1_000)
                guard pruned > 0 else { break }
                eventBatches.append(pruned)
            }
            let submitted = try await flowing

            #expect(batches.reduce(0, +) == 100_000)
            #expect(batches.allSatisfy { $0 <= 1_000 }, "a pruning transaction touched more attempts than its batch")
            #expect(eventBatches.reduce(0, +) == 50_000, "only the events both consumers acknowledged")
            #expect(eventBatches.allSatisfy { $0 <= 1_000 })

            let old = "SELECT id FROM attempts WHERE payment_id LIKE 'p%' AND state = 'completed'"
            #expect(try await fixture.scalar("SELECT count(*) FROM attempt_history WHERE attempt_id IN (\(old))") == 0)
            #expect(try await fixture.scalar("SELECT count(*) FROM webhook_inbox WHERE attempt_id IN (\(old)) AND length(body) > 0") == 0)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE attempt_id IN (\(old))") == 50_000)
            #expect(try await fixture.scalar("SELECT min(seq) FROM outbox WHERE attempt_id IN (\(old))") == 50_001)
            #expect(try await fixture.scalar("SELECT count(*) FROM attempts WHERE payment_id LIKE 'p%'") == 101_000, "the books keep every attempt")

            let unfinished = "SELECT id FROM attempts WHERE state = 'awaiting_confirmation'"
            #expect(try await fixture.scalar("SELECT count(*) FROM attempt_history WHERE attempt_id IN (\(unfinished))") == 3_000)
            #expect(try await fixture.scalar("SELECT count(*) FROM webhook_inbox WHERE attempt_id IN (\(unfinished)) AND length(body) > 0") == 1_000)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE attempt_id IN (\(unfinished))") == 1_000)
            #expect(try await fixture.scalar("SELECT count(*) FROM attempts WHERE pruned_at IS NOT NULL AND state = 'awaiting_confirmation'") == 0)

            for attempt in submitted {
                #expect(try await fixture.history(attempt.id).count == 1, "a new payment lost its history")
            }
            #expect(try await store.pruneFinishedAttempts(olderThan: age, limit: 1_000) == 0, "nothing is pruned twice")

            #expect(try await store.expireParkedWebhooks(olderThan: .seconds(86_400), limit: 1_000) == 10)
            #expect(try await fixture.scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL") == 10)
        }
    }
}

extension Range where Bound == Int {
    /// The results of `transform` for each element, one after another.
    fileprivate func asyncMap<T>(_ transform: (Int) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self {
            results.append(try await transform(element))
        }
        return results
    }
}

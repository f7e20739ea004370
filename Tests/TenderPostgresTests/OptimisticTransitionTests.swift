import Foundation
import LibPQ
import MetricsTestKit
import Tender
import Testing

@testable import TenderPostgres

/// A transition computed from the attempt as the engine last saw it is written in one round trip
/// (`OptimisticTransition`); when anything it assumed moved, its checks roll it back and the store
/// applies the input under the attempt's lock. Each test shows both halves: what the one-round-trip
/// writes do when run on their own, and what `apply(…, knowing:)` leaves behind.
@Suite("Transitions written from the attempt as last seen")
struct OptimisticTransitionTests {
    /// Whether `transition`'s writes, run on their own, are refused by one of their checks.
    private func isRefused(_ transition: OptimisticTransition, _ fixture: StoreFixture) async -> Bool {
        do {
            try await fixture.pool.withTransaction { connection in
                _ = try await connection.pipeline(transition.statements + [PostgresStatement("COMMIT")])
            }
            return false
        } catch {
            return (error as? PostgresError)?.sqlState == TransitionCheck.refusal
        }
    }

    @Test("written at once, a payment's transitions leave what the same transitions under locks leave")
    func writesWhatTheLockingPathWrites() async throws {
        try await StoreFixture.with { fixture in
            let optimistic = try await fixture.submit()
            let locked = try await fixture.submit()
            let steps: [(AttemptInput, AttemptInput)] = [
                (.sessionCreated(session(.open, id: "cs_a")), .sessionCreated(session(.open, id: "cs_b"))),
                (.payAnswered(session(.open, id: "cs_a")), .payAnswered(session(.open, id: "cs_b"))),
                (.fetched(session(.completed, id: "cs_a"), .webhook), .fetched(session(.completed, id: "cs_b"), .webhook)),
            ]
            var known = optimistic
            for (offset, (first, second)) in steps.enumerated() {
                let now = t0 + Double(offset + 1)
                let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: now, limit: 10, lease: .seconds(30))
                func call(of attempt: Attempt) -> TaskClaim? { claims.first { $0.attemptID == attempt.id && $0.kind == .call } }
                let transition = try #require(
                    OptimisticTransition(first, to: known, machine: fixture.machine, completing: call(of: optimistic), leasing: nil, now: now))
                try await fixture.pool.withTransaction { connection in
                    _ = try await connection.pipeline(transition.statements + [PostgresStatement("COMMIT")])
                }
                known = transition.applied.transition.attempt
                try await fixture.store.apply(second, to: locked.id, machine: fixture.machine, completing: call(of: locked), now: now)
            }
            let stored = try #require(try await fixture.store.attempt(optimistic.id))
            #expect(stored == known, "the store holds the attempt the transition computed")
            #expect(stored.state == .completed && stored.version == 4)
            #expect(try await fixture.history(optimistic.id) == fixture.history(locked.id))
            #expect(try await fixture.tasks(optimistic.id).isEmpty)
            #expect(try await fixture.tasks(locked.id).isEmpty)
            let events = try await fixture.store.events(after: 0, limit: 10)
            #expect(events.filter { $0.attemptID == optimistic.id }.map(\.type) == events.filter { $0.attemptID == locked.id }.map(\.type))
            #expect(try await fixture.scalar("SELECT count(*) FROM payments WHERE completed_attempt_id = $1", [optimistic.id.rawValue]) == 1)
        }
    }

    @Test("an attempt that moved since it was read refuses the writes, and the input is applied under its lock")
    func staleAttemptAppliedUnderItsLock() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_stale")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 1)
            let seen = try await fixture.store.apply(
                .payAnswered(session(.open, id: "cs_stale")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 2
            ).attempt
            // A webhook's hint moves the attempt on after the caller read it.
            try await fixture.store.apply(
                .webhookHint(WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: "cs_stale", createdAt: t0)),
                to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 3)
            let before = try await StoreSnapshot(fixture, attempt.id)

            let completed = AttemptInput.fetched(session(.completed, id: "cs_stale"), .webhook)
            let transition = try #require(
                OptimisticTransition(completed, to: seen, machine: fixture.machine, completing: nil, leasing: nil, now: t0 + 4))
            #expect(await isRefused(transition, fixture))
            #expect(try await StoreSnapshot(fixture, attempt.id) == before, "the refused writes left nothing behind")

            let metrics = TestMetrics()
            let store = fixture.store(countingIn: metrics)
            let applied = try await store.apply(
                completed, to: attempt.id, machine: fixture.machine, completing: nil, leasing: nil, now: t0 + 4, knowing: seen)
            #expect(try metrics.expectCounter(RetriedWrites.label, [("write", "transition")]).totalValue == 1)
            #expect(try metrics.expectCounter(RetriedWrites.label, [("write", "submission")]).totalValue == 0)
            #expect(applied.transition.previous?.version == before.attempt?.version, "computed from the attempt as stored")
            #expect(applied.transition.attempt.state == .completed)
            #expect(try await fixture.history(attempt.id).map(\.version) == [1, 2, 3, 4, 5])
        }
    }

    @Test("a claim that lost its lease is refused as under locks, and writes nothing")
    func lostLeaseRefused() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            var claim = try #require(try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: .seconds(30)).first)
            claim.fence += 1  // as if another worker had taken the task over since
            let before = try await StoreSnapshot(fixture, attempt.id)
            let created = AttemptInput.sessionCreated(session(.open, id: "cs_fenced"))
            let transition = try #require(
                OptimisticTransition(created, to: attempt, machine: fixture.machine, completing: claim, leasing: nil, now: t0 + 1))
            #expect(await isRefused(transition, fixture))
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.apply(
                    created, to: attempt.id, machine: fixture.machine, completing: claim, leasing: nil, now: t0 + 1, knowing: attempt)
            }
            #expect(error?.code == .fencedOut)
            #expect(try await StoreSnapshot(fixture, attempt.id) == before)
        }
    }

    @Test("a completion after another attempt completed the payment is found a duplicate charge")
    func secondCompletionIsADuplicate() async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "pay-dup", key: "k1")
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_first")), to: first.id, machine: fixture.machine, completing: nil, now: t0 + 1)
            try await fixture.store.apply(.deadlineReached, to: first.id, machine: fixture.machine, completing: nil, now: first.deadline)
            let second = try await fixture.submit(payment: "pay-dup", key: "k2", now: first.deadline + 1)
            let seen = try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_second")), to: second.id, machine: fixture.machine, completing: nil,
                now: first.deadline + 2
            ).attempt
            // The expired first attempt completes late, and so completes the payment.
            try await fixture.store.apply(
                .fetched(session(.completed, id: "cs_first"), .gracePoll), to: first.id, machine: fixture.machine, completing: nil,
                now: first.deadline + 3)

            let completed = AttemptInput.fetched(session(.completed, id: "cs_second"), .webhook)
            let transition = try #require(
                OptimisticTransition(completed, to: seen, machine: fixture.machine, completing: nil, leasing: nil, now: first.deadline + 4))
            #expect(await isRefused(transition, fixture), "computed without the payment, it takes the completion for the first")
            let applied = try await fixture.store.apply(
                completed, to: second.id, machine: fixture.machine, completing: nil, leasing: nil, now: first.deadline + 4, knowing: seen)
            #expect(applied.transition.attempt.duplicate)
            #expect(applied.transition.events.contains(.duplicateCharge))
            #expect(try await fixture.scalar("SELECT count(*) FROM payments WHERE completed_attempt_id = $1", [first.id.rawValue]) == 1)
        }
    }

    @Test("a new session with a webhook parked for it is given the webhook, as under locks")
    func parkedWebhookReplayed() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let hint = WebhookHint(eventID: "evt_early", type: "checkout.session.completed", sessionID: "cs_parked", createdAt: t0)
            #expect(try await fixture.store.receiveWebhook(hint, body: Array("{}".utf8), machine: fixture.machine, now: t0 + 1) == .parked)
            let created = AttemptInput.sessionCreated(session(.open, id: "cs_parked"))
            let transition = try #require(
                OptimisticTransition(created, to: attempt, machine: fixture.machine, completing: nil, leasing: nil, now: t0 + 2))
            #expect(await isRefused(transition, fixture))
            _ = try await fixture.store.apply(
                created, to: attempt.id, machine: fixture.machine, completing: nil, leasing: nil, now: t0 + 2, knowing: attempt)
            #expect(try await fixture.history(attempt.id).map(\.input) == ["submit", "session_created", "webhook_hint"])
            #expect(try await fixture.scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL") == 0)
        }
    }
}

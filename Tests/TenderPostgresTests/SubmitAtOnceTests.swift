import Foundation
import MetricsTestKit
import Tender
import Testing

@testable import TenderPostgres

/// A submission is written in one round trip, its reads turned into checks; when one fails, the
/// store submits again under the payment's lock, which tells a replay, a conflict and a refusal
/// apart (`SubmitTests` covers those answers through `submit`).
@Suite("Submissions written in one round trip")
struct SubmitAtOnceTests {
    private let lease = FollowUpLease(owner: "w1", duration: .seconds(30))

    /// The writes of `request` submitted at `now`.
    private func writes(_ request: SubmitRequest, _ fixture: StoreFixture, now: Date = t0, leasing: Bool = true) -> TransitionWrites {
        TransitionWrites(submitting: request, machine: fixture.machine, now: now, lease: leasing ? lease : nil)
    }

    @Test("a new payment's submission written at once leaves what the locking path leaves", arguments: [true, false])
    func writesWhatTheLockingPathWrites(leasing: Bool) async throws {
        try await StoreFixture.with { fixture in
            let new = try fixture.request(payment: "order-1", key: "k1")
            let atOnce = try #require(try await fixture.store.submitAtOnce(new, writes(new, fixture, leasing: leasing)))
            let twin = try fixture.request(payment: "order-2", key: "k2")
            let locked = try await fixture.store.submitUnderLocks(twin, writes(twin, fixture, leasing: leasing))
            #expect(!atOnce.replayed)
            #expect(try await fixture.store.attempt(atOnce.attempt.id) == atOnce.attempt)
            #expect(try await fixture.history(atOnce.attempt.id) == fixture.history(locked.attempt.id))
            #expect(try await fixture.tasks(atOnce.attempt.id).mapValues(\.purpose) == fixture.tasks(locked.attempt.id).mapValues(\.purpose))
            #expect(atOnce.followUps.map(\.kind) == locked.followUps.map(\.kind))
            #expect(atOnce.followUps.count == (leasing ? 1 : 0))
            #expect(try await fixture.scalar("SELECT count(*) FROM payments WHERE amount = 1000 AND currency = 'PLN'") == 2)
        }
    }

    @Test("a new attempt of an expired payment is written at once")
    func retryOfExpiredPayment() async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "order-1", key: "k1")
            try await fixture.store.apply(.deadlineReached, to: first.id, machine: fixture.machine, completing: nil, now: first.deadline)
            let request = try fixture.request(payment: "order-1", key: "k2")
            let second = try #require(try await fixture.store.submitAtOnce(request, writes(request, fixture, now: first.deadline + 1)))
            #expect(second.attempt.paymentID == first.paymentID && second.attempt.state == .submitted)
            #expect(try await fixture.count("attempts") == 2)
        }
    }

    /// What an earlier submission leaves that a new one must not be written over.
    enum Earlier: String, CaseIterable, Sendable {
        case sameKey, sameKeyOtherPayment, inFlight, paid, otherAmount
    }

    @Test("each thing a submission assumes, when it does not hold, refuses the one-trip write and changes nothing", arguments: Earlier.allCases)
    func refusedWhenAnAssumptionFails(earlier: Earlier) async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "order-1", key: "k1")
            var request = try fixture.request(payment: "order-1", key: "k2")
            switch earlier {
            case .sameKey:
                request = try fixture.request(payment: "order-1", key: "k1")
            case .sameKeyOtherPayment:
                request = try fixture.request(payment: "order-2", key: "k1")
            case .inFlight:
                break
            case .paid:
                try await fixture.store.apply(
                    .fetched(session(.completed), .poll), to: first.id, machine: fixture.machine, completing: nil, now: t0 + 30)
            case .otherAmount:
                try await fixture.store.apply(.deadlineReached, to: first.id, machine: fixture.machine, completing: nil, now: first.deadline)
                request = try fixture.request(payment: "order-1", key: "k2", amount: 999)
            }
            let before = try await StoreSnapshot(fixture, first.id)
            let result = try await fixture.store.submitAtOnce(request, writes(request, fixture, now: first.deadline + 1))
            #expect(result == nil)
            #expect(try await StoreSnapshot(fixture, first.id) == before)
            #expect(try await fixture.count("attempts") == 1)
            #expect(try await fixture.count("payments") == 1)
        }
    }

    @Test("a payment another submission inserts while this one waits for it refuses the one-trip write; the locking path writes it")
    func paymentInsertedMeanwhile() async throws {
        try await StoreFixture.with { fixture in
            let request = try fixture.request(payment: "order-1", key: "k1")
            let holder = try await fixture.openPool()
            let submission = try await holder.withTransaction { connection in
                try await connection.query("INSERT INTO payments (id, amount, currency, created_at) VALUES ('order-1', 1000, 'PLN', now())")
                let submission = Task { try await fixture.store.submitAtOnce(request, writes(request, fixture)) }
                // Wait until the insert queues behind ours; it goes on when this transaction commits.
                while try await fixture.scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0
                {
                    try await Task.sleep(for: .milliseconds(10))
                }
                return submission
            }
            #expect(try await submission.value == nil, "the payment committed after the statement's snapshot, so its lock did not see it")
            #expect(try await fixture.count("attempts") == 0)
            let locked = try await fixture.store.submitUnderLocks(request, writes(request, fixture))
            #expect(locked.attempt.paymentID.rawValue == "order-1" && !locked.replayed)
            #expect(try await fixture.count("payments") == 1)
        }
    }

    @Test("a submission left to the locking path is counted; one written at once is not")
    func retriesCounted() async throws {
        try await StoreFixture.with { fixture in
            let metrics = TestMetrics()
            let store = fixture.store(countingIn: metrics)
            let request = try fixture.request(payment: "order-1", key: "k1")
            let first = try await store.submit(request, machine: fixture.machine, now: t0)
            let retried = try metrics.expectCounter(RetriedWrites.label, [("write", "submission")])
            #expect(retried.totalValue == 0)
            let replay = try await store.submit(request, machine: fixture.machine, now: t0 + 1)
            #expect(replay.replayed && replay.attempt == first.attempt)
            #expect(retried.totalValue == 1)
        }
    }
}

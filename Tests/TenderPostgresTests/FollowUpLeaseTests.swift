import Foundation
import Tender
import TenderPostgres
import Testing

@Suite("Follow-ups leased by their transition")
struct FollowUpLeaseTests {
    private let lease = FollowUpLease(owner: "w1", duration: .seconds(30))

    /// An attempt submitted and paid under the lease, waiting for confirmation, whose first poll
    /// `owner` has claimed.
    private func paidWithPollClaimed(by owner: String, in fixture: StoreFixture) async throws -> (Attempt, TaskClaim) {
        let submitted = try await fixture.store.submit(
            try fixture.request(payment: "order-1", key: "k1"), machine: fixture.machine, leasing: lease, now: t0)
        let attempt = submitted.attempt
        let create = try #require(submitted.followUps.first)
        let opened = try await fixture.store.apply(
            .sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: create, leasing: lease, now: t0 + 1
        )
        let pay = try #require(opened.followUps.first)
        try await fixture.store.apply(.payAnswered(session(.open)), to: attempt.id, machine: fixture.machine, completing: pay, now: t0 + 2)
        let poll = try #require(try await fixture.store.claimTasks(owner: owner, dueBy: t0 + 10, limit: 10, lease: .seconds(30)).first)
        return (attempt, poll)
    }

    @Test("a submission with a lease takes its first call at once, and no other worker can claim it")
    func submissionLeasesFirstCall() async throws {
        try await StoreFixture.with { fixture in
            let before = try await fixture.databaseNow()
            let result = try await fixture.store.submit(
                try fixture.request(payment: "order-1", key: "k1"), machine: fixture.machine, leasing: lease, now: t0)
            let claim = try #require(result.followUps.first)
            #expect(result.followUps.count == 1, "the deadline is not due, so it is not leased")
            #expect(claim.attemptID == result.attempt.id && claim.kind == .call && claim.purpose == .call(.createSession))
            #expect(claim.owner == "w1" && claim.fence > 0 && claim.tries == 1 && claim.leaseExpiresAt >= before + 30)
            let task = try #require(try await fixture.tasks(result.attempt.id)[.call])
            #expect(task.leaseOwner == "w1" && task.fence == claim.fence)
            #expect(try await fixture.tasks(result.attempt.id)[.deadline]?.leaseOwner == nil)

            let other = try await fixture.openStore()
            #expect(try await other.claimTasks(owner: "w2", dueBy: t0 + 1, limit: 10, lease: .seconds(30)).isEmpty)
            #expect(try await other.upcomingTasks(dueBy: t0 + 1, limit: 10).isEmpty)

            let plain = try await fixture.store.submit(try fixture.request(payment: "order-2", key: "k2"), machine: fixture.machine, now: t0)
            #expect(plain.followUps.isEmpty)
            #expect(try await fixture.tasks(plain.attempt.id)[.call]?.leaseOwner == nil)
        }
    }

    @Test("completing a call under a lease hands the next call to the same worker with a new fence")
    func completionLeasesNextCall() async throws {
        try await StoreFixture.with { fixture in
            let submitted = try await fixture.store.submit(
                try fixture.request(payment: "order-1", key: "k1"), machine: fixture.machine, leasing: lease, now: t0)
            let create = try #require(submitted.followUps.first)
            let opened = try await fixture.store.apply(
                .sessionCreated(session(.open)), to: create.attemptID, machine: fixture.machine, completing: create, leasing: lease, now: t0 + 1
            )
            let pay = try #require(opened.followUps.first)
            #expect(opened.followUps.count == 1)
            #expect(pay.kind == .call && pay.purpose == .call(.pay) && pay.fence > create.fence)
            #expect(try await fixture.tasks(create.attemptID)[.call]?.fence == pay.fence)

            await #expect(throws: StoreError.self, "the finished claim no longer holds the task") {
                try await fixture.store.apply(
                    .sessionCreated(session(.open)), to: create.attemptID, machine: fixture.machine, completing: create, leasing: lease, now: t0 + 2)
            }
            let paid = try await fixture.store.apply(
                .payAnswered(session(.open)), to: pay.attemptID, machine: fixture.machine, completing: pay, leasing: lease, now: t0 + 2)
            #expect(paid.transition.attempt.state == .awaitingConfirmation)
            #expect(paid.followUps.isEmpty, "the first poll is not due yet")
            let tasks = try await fixture.tasks(pay.attemptID)
            #expect(tasks[.call] == nil && tasks[.fetch]?.leaseOwner == nil && tasks[.deadline]?.leaseOwner == nil)
        }
    }

    @Test("a follow-up this worker already runs is not handed to it a second time")
    func runningFollowUpIsNotLeasedAgain() async throws {
        try await StoreFixture.with { fixture in
            let (attempt, poll) = try await paidWithPollClaimed(by: "w1", in: fixture)

            let hint = WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: "cs_test", createdAt: t0 + 10)
            let hinted = try await fixture.store.apply(
                .webhookHint(hint), to: attempt.id, machine: fixture.machine, completing: nil, leasing: lease, now: t0 + 10)
            #expect(hinted.followUps.isEmpty, "w1 is reading the session under the poll's claim")
            let fetch = try #require(try await fixture.tasks(attempt.id)[.fetch])
            #expect(fetch.leaseOwner == "w1" && fetch.fence == poll.fence)
            #expect(fetch.generation == poll.generation + 1, "the poll's claim leaves the fetch asked for meanwhile for its own turn")
        }
    }

    @Test("a follow-up another worker holds is not leased; once given back, the next transition leases it")
    func heldFollowUpIsNotLeased() async throws {
        try await StoreFixture.with { fixture in
            let (attempt, poll) = try await paidWithPollClaimed(by: "w2", in: fixture)
            #expect(poll.kind == .fetch)

            let hint = WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: "cs_test", createdAt: t0 + 10)
            let hinted = try await fixture.store.apply(
                .webhookHint(hint), to: attempt.id, machine: fixture.machine, completing: nil, leasing: lease, now: t0 + 10)
            #expect(hinted.followUps.isEmpty, "w2 is reading the session")
            #expect(try await fixture.tasks(attempt.id)[.fetch]?.leaseOwner == "w2")

            try await fixture.store.apply(.fetched(session(.open), .poll), to: attempt.id, machine: fixture.machine, completing: poll, now: t0 + 11)
            #expect(try await fixture.tasks(attempt.id)[.fetch]?.leaseOwner == nil, "the fetch asked for meanwhile stays, given back")
            let again = WebhookHint(eventID: "evt_2", type: "checkout.session.completed", sessionID: "cs_test", createdAt: t0 + 12)
            let leased = try await fixture.store.apply(
                .webhookHint(again), to: attempt.id, machine: fixture.machine, completing: nil, leasing: lease, now: t0 + 12)
            let fetch = try #require(leased.followUps.first)
            #expect(fetch.kind == .fetch && fetch.owner == "w1" && fetch.fence > poll.fence)
            #expect(try await fixture.tasks(attempt.id)[.fetch]?.leaseOwner == "w1")
        }
    }
}

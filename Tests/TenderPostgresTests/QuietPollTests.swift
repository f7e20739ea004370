import Foundation
import Tender
import TenderPostgres
import Testing

/// A poll that learns nothing completes its task, schedules the next poll and is counted on the
/// attempt, with no new version, history row or event (docs/state-machine.md, "What the history
/// keeps").
@Suite("Quiet polls")
struct QuietPollTests {
    @Test("a poll that learns nothing moves the next poll and counts the poll, with no version, history row or event")
    func quietPollCountsOnTheAttempt() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await awaitingConfirmation(fixture)
            let before = try await StoreSnapshot(fixture, attempt.id)
            let interval = fixture.machine.policy.pollInterval
            var now = try #require(before.tasks[.fetch]).dueAt
            for count in 1...3 {
                let poll = try await claim(.fetch, of: attempt.id, dueBy: now, in: fixture)
                let applied = try await fixture.store.apply(
                    .fetched(session(.open), .poll), to: attempt.id, machine: fixture.machine, completing: poll, leasing: nil, now: now)
                #expect(applied.isQuietPoll)
                let stored = try #require(try await fixture.store.attempt(attempt.id))
                #expect(stored == applied.transition.attempt)
                #expect(stored.version == attempt.version, "no version")
                #expect(stored.quietPolls == count && stored.lastQuietPollAt == now, "the poll is counted, and when")
                let next = try #require(try await fixture.tasks(attempt.id)[.fetch])
                #expect(next.purpose == .fetch(.poll) && next.dueAt == now + interval && next.leaseOwner == nil, "the next poll")
                now = next.dueAt
            }
            let after = try await StoreSnapshot(fixture, attempt.id)
            #expect(after.history == before.history, "no history row")
            #expect(after.outbox == before.outbox, "no event")
            #expect(after.tasks[.deadline] == before.tasks[.deadline])
        }
    }

    @Test("a poll that learns the completion is a full transition, and the quiet polls before it stay counted")
    func completionIsAFullTransition() async throws {
        try await StoreFixture.with { fixture in
            let (attempt, quiet) = try await firstPollClaimed(fixture)
            let firstPoll = quiet.dueAt
            try await fixture.store.apply(
                .fetched(session(.open), .poll), to: attempt.id, machine: fixture.machine, completing: quiet, now: firstPoll)

            let secondPoll = firstPoll + fixture.machine.policy.pollInterval
            let poll = try await claim(.fetch, of: attempt.id, dueBy: secondPoll, in: fixture)
            let applied = try await fixture.store.apply(
                .fetched(session(.completed), .poll), to: attempt.id, machine: fixture.machine, completing: poll, leasing: nil, now: secondPoll)
            #expect(!applied.isQuietPoll)
            let stored = try #require(try await fixture.store.attempt(attempt.id))
            #expect(stored.state == .completed && stored.version == attempt.version + 1)
            #expect(stored.quietPolls == 1 && stored.lastQuietPollAt == firstPoll)
            let history = try await fixture.history(attempt.id)
            #expect(history.map(\.version) == Array(1...stored.version), "gapless: the quiet poll took no version")
            #expect(
                history.last
                    == HistoryRow(
                        version: stored.version, from: .awaitingConfirmation, to: .completed, input: "fetched", note: applied.transition.note))
            #expect(try await fixture.store.events(after: 0, limit: 10).map(\.type) == [.awaitingConfirmation, .completed])
            #expect(try await fixture.tasks(attempt.id).isEmpty)
        }
    }

    @Test("a quiet poll whose claim holds a stale fence or lost its lease is refused and writes nothing")
    func quietPollRespectsFencesAndLeases() async throws {
        try await StoreFixture.with { fixture in
            let (attempt, poll) = try await firstPollClaimed(fixture)
            let now = poll.dueAt
            var stale = poll
            stale.fence -= 1
            let before = try await StoreSnapshot(fixture, attempt.id)
            let staleError = await #expect(throws: StoreError.self) {
                try await fixture.store.apply(.fetched(session(.open), .poll), to: attempt.id, machine: fixture.machine, completing: stale, now: now)
            }
            #expect(staleError?.code == .fencedOut)
            #expect(try await StoreSnapshot(fixture, attempt.id) == before)

            try await fixture.lapse([poll])
            #expect(try await fixture.store.recoverLapsedLeases() == 1)
            let taken = try await claim(.fetch, of: attempt.id, dueBy: now, owner: "w2", in: fixture)
            let held = try await StoreSnapshot(fixture, attempt.id)
            let lostError = await #expect(throws: StoreError.self) {
                try await fixture.store.apply(.fetched(session(.open), .poll), to: attempt.id, machine: fixture.machine, completing: poll, now: now)
            }
            #expect(lostError?.code == .fencedOut)
            #expect(try await StoreSnapshot(fixture, attempt.id) == held)

            let applied = try await fixture.store.apply(
                .fetched(session(.open), .poll), to: attempt.id, machine: fixture.machine, completing: taken, leasing: nil, now: now)
            #expect(applied.isQuietPoll && applied.transition.attempt.quietPolls == 1, "the lease's new holder polls")
        }
    }

    @Test("a failed poll, a poll of another session and a webhook's fetch keep their history rows")
    func pollsThatCouldMatterAreRecorded() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await awaitingConfirmation(fixture)
            let inputs: [AttemptInput] = [
                .fetchFailed(.poll, retryLater),
                .fetched(session(.open, id: "cs_other"), .poll),
                .fetched(session(.open), .webhook),
            ]
            for (offset, input) in inputs.enumerated() {
                let applied = try await fixture.store.apply(
                    input, to: attempt.id, machine: fixture.machine, completing: nil, leasing: nil, now: t0 + 10 + Double(offset))
                #expect(!applied.isQuietPoll, "\(input.name)")
            }
            let stored = try #require(try await fixture.store.attempt(attempt.id))
            #expect(stored.version == attempt.version + Int64(inputs.count) && stored.quietPolls == 0)
            #expect(try await fixture.history(attempt.id).suffix(inputs.count).map(\.input) == inputs.map(\.name))
        }
    }

    @Test("an expired attempt's grace poll that finds the session as it was is quiet")
    func gracePollIsQuiet() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await awaitingConfirmation(fixture)
            try await fixture.store.apply(.deadlineReached, to: attempt.id, machine: fixture.machine, completing: nil, now: attempt.deadline)
            let finalPoll = try await claim(.fetch, of: attempt.id, dueBy: attempt.deadline, in: fixture)
            let expired = try await fixture.store.apply(
                .fetched(session(.open), .finalPoll), to: attempt.id, machine: fixture.machine, completing: finalPoll, now: attempt.deadline)
            #expect(expired.attempt.state == .expired)
            let gracePoll = try #require(try await fixture.tasks(attempt.id)[.fetch])
            #expect(gracePoll.purpose == .fetch(.gracePoll))
            for status in [GatewaySession.Status.open, .expired] {
                let now = try #require(try await fixture.tasks(attempt.id)[.fetch]).dueAt
                let poll = try await claim(.fetch, of: attempt.id, dueBy: now, in: fixture)
                let applied = try await fixture.store.apply(
                    .fetched(session(status), .gracePoll), to: attempt.id, machine: fixture.machine, completing: poll, leasing: nil, now: now)
                #expect(applied.isQuietPoll)
                #expect(try await fixture.tasks(attempt.id)[.fetch]?.dueAt == now + fixture.machine.policy.gracePollInterval)
            }
            let stored = try #require(try await fixture.store.attempt(attempt.id))
            #expect(stored.version == expired.attempt.version && stored.quietPolls == 2)
        }
    }

    /// An attempt the gateway took the code for at `t0 + 2`, its first poll pending; its create and
    /// pay calls were claimed and completed as an engine would.
    private func awaitingConfirmation(_ fixture: StoreFixture) async throws -> Attempt {
        let attempt = try await fixture.submit()
        let create = try await claim(.call, of: attempt.id, dueBy: t0, in: fixture)
        try await fixture.store.apply(.sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: create, now: t0 + 1)
        let pay = try await claim(.call, of: attempt.id, dueBy: t0 + 1, in: fixture)
        return try await fixture.store.apply(.payAnswered(session(.open)), to: attempt.id, machine: fixture.machine, completing: pay, now: t0 + 2)
            .attempt
    }

    /// An attempt awaiting confirmation, with its first poll claimed by `w1`.
    private func firstPollClaimed(_ fixture: StoreFixture) async throws -> (Attempt, TaskClaim) {
        let attempt = try await awaitingConfirmation(fixture)
        let firstPoll = try #require(try await fixture.tasks(attempt.id)[.fetch]).dueAt
        return (attempt, try await claim(.fetch, of: attempt.id, dueBy: firstPoll, in: fixture))
    }

    /// Claims the attempt's task of `kind` due by `dueBy`.
    private func claim(_ kind: TaskKind, of id: AttemptID, dueBy: Date, owner: String = "w1", in fixture: StoreFixture) async throws -> TaskClaim {
        let claims = try await fixture.store.claimTasks(owner: owner, dueBy: dueBy, limit: 10, lease: .seconds(30))
        return try #require(claims.first { $0.attemptID == id && $0.kind == kind })
    }
}

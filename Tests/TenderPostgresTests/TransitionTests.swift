import Foundation
import LibPQ
import Tender
import Testing

@testable import TenderPostgres

@Suite("Transitions")
struct TransitionTests {
    @Test("a transition writes the state, the next version, one history row, the tasks and the events together")
    func transitionWritesEverything() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let create = try #require(try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: .seconds(30)).first)
            let created = try await fixture.store.apply(
                .sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: create, now: t0 + 1)
            #expect(created.attempt.version == 2 && created.attempt.stage == .paying)
            let next = try #require(try await fixture.tasks(attempt.id)[.call])
            #expect(next.purpose == .call(.pay) && next.dueAt == t0 + 1 && next.leaseOwner == nil)

            let pay = try #require(try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 1, limit: 10, lease: .seconds(30)).first)
            let paid = try await fixture.store.apply(
                .payAnswered(session(.open)), to: attempt.id, machine: fixture.machine, completing: pay, now: t0 + 2)
            let stored = try #require(try await fixture.store.attempt(attempt.id))
            #expect(stored == paid.attempt)
            #expect(stored.state == .awaitingConfirmation && stored.version == 3)
            #expect(stored.code == nil, "the code is erased once the gateway took it")
            #expect(try await fixture.scalar("SELECT count(*) FROM attempts WHERE blik_code IS NOT NULL") == 0)

            let history = try await fixture.history(attempt.id)
            #expect(history.map(\.version) == [1, 2, 3])
            #expect(history.last == HistoryRow(version: 3, from: .submitted, to: .awaitingConfirmation, input: "pay_answered", note: paid.note))

            let tasks = try await fixture.tasks(attempt.id)
            #expect(tasks[.call] == nil, "the pay call is done")
            #expect(tasks[.fetch]?.purpose == .fetch(.poll))
            #expect(tasks[.fetch]?.dueAt == t0 + 2 + fixture.machine.policy.firstPollDelay)
            #expect(tasks[.deadline]?.dueAt == attempt.deadline)

            let events = try await fixture.store.events(after: 0, limit: 10)
            #expect(events.map(\.type) == [.awaitingConfirmation])
            #expect(events.first?.attemptID == attempt.id && events.first?.version == 3 && events.first?.state == .awaitingConfirmation)
        }
    }

    @Test("the history is gapless and mirrors every applied input, also those that change nothing, but the quiet poll the attempt counts")
    func gaplessHistory() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let inputs: [AttemptInput] = [
                .callFailed(.createSession, retryLater),
                .sessionCreated(session(.open)),
                .sessionCreated(session(.open)),
                .payAnswered(session(.open)),
                .fetched(session(.open), .poll),
                .fetched(session(.completed), .poll),
                .fetched(session(.completed), .webhook),
                .deadlineReached,
            ]
            var recorded: [(input: AttemptInput, transition: Transition)] = []
            for (offset, input) in inputs.enumerated() {
                let applied = try await fixture.store.apply(
                    input, to: attempt.id, machine: fixture.machine, completing: nil, leasing: nil, now: t0 + Double(offset + 1))
                // Only the poll that found the awaited session still open learned nothing.
                #expect(applied.isQuietPoll == (offset == 4), "\(input.name)")
                if !applied.isQuietPoll {
                    recorded.append((input, applied.transition))
                }
            }
            let history = try await fixture.history(attempt.id)
            #expect(history.map(\.version) == Array(1...Int64(recorded.count + 1)))
            #expect(Array(history.dropFirst().map(\.input)) == recorded.map(\.input.name))
            #expect(Array(history.dropFirst().map(\.note)) == recorded.map(\.transition.note))
            #expect(history.last?.to == .completed)
            let stored = try #require(try await fixture.store.attempt(attempt.id))
            #expect(stored.version == Int64(recorded.count + 1))
            #expect(stored.quietPolls == 1 && stored.lastQuietPollAt == t0 + 5)
            #expect(try await fixture.count("tasks") == 0, "a completed attempt keeps no tasks")
            let record = try #require(try await fixture.store.payment(attempt.paymentID))
            #expect(record.history.map(\.version) == history.map(\.version))
            #expect(record.completedAttemptID == attempt.id)
        }
    }

    @Test("a transition whose transaction is rolled back leaves no trace")
    func rolledBackTransition() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let before = try await StoreSnapshot(fixture, attempt.id)
            await #expect(throws: Abort.self) {
                try await fixture.pool.withTransaction { connection in
                    let applied = try await fixture.store.transition(
                        attempt.id, .fetched(session(.completed), .poll), machine: fixture.machine, completing: nil, now: t0 + 5, on: connection
                    ).applied
                    #expect(applied.transition.completesPayment)
                    throw Abort()
                }
            }
            #expect(try await StoreSnapshot(fixture, attempt.id) == before)
            // The store goes on from where it was.
            let applied = try await fixture.store.apply(
                .fetched(session(.completed), .poll), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 6)
            #expect(applied.attempt.version == 2)
        }
    }

    @Test("a transition cancelled while it waits for the attempt's lock leaves no trace")
    func cancelledTransition() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let before = try await StoreSnapshot(fixture, attempt.id)
            let holder = try await fixture.openPool()
            let outcome = try await holder.withTransaction { connection in
                try await connection.query("SELECT id FROM attempts WHERE id = $1 FOR UPDATE", [attempt.id.rawValue])
                let blocked = Task {
                    try await fixture.store.apply(
                        .fetched(session(.completed), .poll), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 5)
                }
                // Wait until the transition is inside its transaction, queued behind our lock.
                var waiting = 0
                for _ in 0..<200 where waiting == 0 {
                    waiting = try await fixture.scalar(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(waiting == 1)
                blocked.cancel()
                return await blocked.result
            }
            #expect(throws: PostgresError.self) { try outcome.get() }
            #expect(try await StoreSnapshot(fixture, attempt.id) == before)
            let applied = try await fixture.store.apply(.deadlineReached, to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 6)
            #expect(applied.attempt.version == 2)
        }
    }
}

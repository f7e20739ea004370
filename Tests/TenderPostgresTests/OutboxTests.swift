import Foundation
import Tender
import TenderPostgres
import Testing

@Suite("Outbox")
struct OutboxTests {
    /// Drives attempts to outcomes, producing events of several kinds; returns them in the order emitted.
    private func produceEvents(_ fixture: StoreFixture) async throws -> [(AttemptID, OrderEventType)] {
        var emitted: [(AttemptID, OrderEventType)] = []
        for index in 0..<3 {
            let attempt = try await fixture.submit(now: t0 + Double(index))
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_\(index)")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 10)
            let paid = try await fixture.store.apply(
                .payAnswered(session(.open, id: "cs_\(index)")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 11)
            let outcome: AttemptInput =
                index == 1 ? .fetched(session(.expired, id: "cs_1"), .finalPoll) : .fetched(session(.completed, id: "cs_\(index)"), .poll)
            let done = try await fixture.store.apply(outcome, to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 12)
            emitted += (paid.events + done.events).map { (attempt.id, $0) }
        }
        return emitted
    }

    @Test("events come out in the order they were emitted with consecutive sequence numbers")
    func eventsInOrder() async throws {
        try await StoreFixture.with { fixture in
            let emitted = try await produceEvents(fixture)
            #expect(emitted.count == 6)
            let events = try await fixture.store.events(after: 0, limit: 100)
            #expect(events.map(\.sequence) == Array(1...Int64(emitted.count)))
            #expect(events.map(\.attemptID) == emitted.map(\.0))
            #expect(events.map(\.type) == emitted.map(\.1))
            let expired = try #require(events.first { $0.type == .expired })
            #expect(expired.asksForNewCode && expired.state == .expired)

            let page = try await fixture.store.events(after: 2, limit: 3)
            #expect(page.map(\.sequence) == [3, 4, 5])
            #expect(try await fixture.store.events(after: 6, limit: 10).isEmpty)

            // Numbers are stable: reading again, and from another store, gives the same events.
            let other = try await fixture.openStore()
            #expect(try await other.events(after: 0, limit: 100) == events)
        }
    }

    @Test("events written after a reader caught up follow with higher sequence numbers")
    func laterEventsFollow() async throws {
        try await StoreFixture.with { fixture in
            _ = try await produceEvents(fixture)
            let first = try await fixture.store.events(after: 0, limit: 100)
            let last = try #require(first.last?.sequence)
            let attempt = try await fixture.submit(now: t0 + 20)
            let failure = GatewayError(kind: .payerMustAct(.insufficientFunds), httpStatus: 402)
            try await fixture.store.apply(
                .callFailed(.createSession, failure), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 21)
            let next = try await fixture.store.events(after: last, limit: 100)
            #expect(next.map(\.sequence) == [last + 1])
            #expect(next.first?.type == .failed && next.first?.failure == .declined(.insufficientFunds))
            #expect(next.first?.asksForNewCode == true)
        }
    }

    @Test("acknowledgements round-trip and never move backwards")
    func acknowledgementsOnlyMoveForward() async throws {
        try await StoreFixture.with { fixture in
            #expect(try await fixture.store.acknowledged(consumer: "orders") == 0)
            try await fixture.store.acknowledge(consumer: "orders", upTo: 3, now: t0)
            #expect(try await fixture.store.acknowledged(consumer: "orders") == 3)
            try await fixture.store.acknowledge(consumer: "orders", upTo: 1, now: t0 + 1)
            #expect(try await fixture.store.acknowledged(consumer: "orders") == 3)
            try await fixture.store.acknowledge(consumer: "orders", upTo: 7, now: t0 + 2)
            #expect(try await fixture.store.acknowledged(consumer: "orders") == 7)
            #expect(try await fixture.store.acknowledged(consumer: "billing") == 0, "cursors are per consumer")
        }
    }
}

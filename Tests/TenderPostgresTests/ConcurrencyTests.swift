import Foundation
import Tender
import TenderPostgres
import Testing

@Suite("Concurrent transitions")
struct ConcurrencyTests {
    /// Inputs that race for one attempt's outcome: completions, expiries, failures and noise.
    private static let racingInputs: [AttemptInput] = [
        .fetched(session(.completed), .webhook),
        .fetched(session(.expired), .poll),
        .deadlineReached,
        .webhookHint(WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: "cs_test", createdAt: t0)),
        .callFailed(.createSession, retryLater),
        .callFailed(.createSession, GatewayError(kind: .payerMustAct(.codeUsed), httpStatus: 402)),
        .fetched(session(.completed), .poll),
        .fetched(session(.open), .verifyCall),
    ]

    @Test("sixteen inputs at once through two stores serialize into the history a serial replay produces")
    func racingInputsSerialize() async throws {
        try await StoreFixture.with { fixture in
            let other = try await fixture.openStore()
            let submitted = try await fixture.submit()
            let now = t0 + 10
            let applied = try await withThrowingTaskGroup(of: (AttemptInput, Transition).self) { group in
                for index in 0..<16 {
                    let store = index.isMultiple(of: 2) ? fixture.store : other
                    let input = Self.racingInputs[index % Self.racingInputs.count]
                    group.addTask { (input, try await store.apply(input, to: submitted.id, machine: fixture.machine, completing: nil, now: now)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let ordered = applied.sorted { $0.1.attempt.version < $1.1.attempt.version }
            #expect(ordered.map(\.1.attempt.version) == Array(2...17))

            // Replaying the inputs serially, in the order the store applied them, gives the same transitions.
            var attempt = submitted
            var context = PaymentContext()
            for (input, transition) in ordered {
                let replayed = fixture.machine.transition(attempt, input, context: context, now: now)
                #expect(replayed == transition)
                attempt = replayed.attempt
                if replayed.completesPayment { context.completedAttemptID = attempt.id }
            }
            let stored = try #require(try await fixture.store.attempt(submitted.id))
            #expect(stored == attempt)
            #expect(stored.state.isTerminal)

            let history = try await fixture.history(submitted.id)
            #expect(history.map(\.version) == Array(1...17))
            #expect(Array(history.dropFirst().map(\.note)) == ordered.map(\.1.note))
            #expect(zip(history, history.dropFirst()).allSatisfy { $0.to.rank <= $1.to.rank }, "states only move forward")
            let outcomes = history.filter { $0.to.isTerminal && !($0.from?.isTerminal ?? false) }
            #expect(outcomes.count == 1)

            let events = try await fixture.store.events(after: 0, limit: 100)
            let terminalEvents: Set<OrderEventType> = [.completed, .completedLate, .failed]
            #expect(events.filter { terminalEvents.contains($0.type) }.count == 1)
            let stateChanges = history.dropFirst().filter { $0.from != $0.to }.count
            #expect(events.count == stateChanges, "each change of state emits one event")
            #expect(try await fixture.count("tasks") == 0)
        }
    }

    @Test("inputs racing across many attempts of many payments lose no update")
    func manyAttemptsAtOnce() async throws {
        try await StoreFixture.with { fixture in
            let other = try await fixture.openStore()
            var attempts: [Attempt] = []
            for _ in 0..<8 {
                attempts.append(try await fixture.submit())
            }
            let inputsPerAttempt = 6
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<inputsPerAttempt {
                    for (index, attempt) in attempts.enumerated() {
                        let store = (index + round).isMultiple(of: 2) ? fixture.store : other
                        group.addTask {
                            try await store.apply(
                                .callFailed(.createSession, retryLater), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for attempt in attempts {
                let stored = try #require(try await fixture.store.attempt(attempt.id))
                #expect(stored.version == Int64(inputsPerAttempt + 1))
                #expect(stored.retries == inputsPerAttempt, "every retry was counted once")
                #expect(try await fixture.history(attempt.id).map(\.version) == Array(1...Int64(inputsPerAttempt + 1)))
            }
        }
    }
}

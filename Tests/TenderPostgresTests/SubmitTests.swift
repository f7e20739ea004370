import Foundation
import Tender
import TenderPostgres
import Testing

@Suite("Submitting attempts")
struct SubmitTests {
    @Test("a new submission stores the attempt, its history row and its first tasks")
    func newSubmission() async throws {
        try await StoreFixture.with { fixture in
            let result = try await fixture.store.submit(fixture.request(payment: "order-1", key: "k1"), machine: fixture.machine, now: t0)
            #expect(!result.replayed)
            let attempt = result.attempt
            #expect(attempt.state == .submitted && attempt.version == 1)
            #expect(try await fixture.store.attempt(attempt.id) == attempt)
            #expect(try await fixture.history(attempt.id).map(\.version) == [1])
            let tasks = try await fixture.tasks(attempt.id)
            #expect(tasks[.call]?.purpose == .call(.createSession))
            #expect(tasks[.call]?.dueAt == t0)
            #expect(tasks[.deadline]?.dueAt == attempt.deadline)
            #expect(tasks[.fetch] == nil)
        }
    }

    @Test("the same key with the same request returns the same attempt and stores nothing")
    func replayReturnsSameAttempt() async throws {
        try await StoreFixture.with { fixture in
            let request = try fixture.request(payment: "order-1", key: "k1")
            let first = try await fixture.store.submit(request, machine: fixture.machine, now: t0)
            // A replay carries a new attempt id (a client retrying builds the submission again).
            var again = request
            again.submission.attemptID = AttemptID()
            let second = try await fixture.store.submit(again, machine: fixture.machine, now: t0 + 5)
            #expect(second.replayed)
            #expect(second.attempt == first.attempt)
            #expect(try await fixture.count("attempts") == 1)
            #expect(try await fixture.count("attempt_history") == 1)
            #expect(try await fixture.count("tasks") == 2)
        }
    }

    @Test(
        "the same key with a different request is a conflict that changes nothing",
        arguments: [(amount: Int64(1_000), email: "someone.else@example.com"), (amount: 2_000, email: "payer@example.com")]
    )
    func keyReusedWithDifferentRequest(amount: Int64, email: String) async throws {
        try await StoreFixture.with { fixture in
            let original = try await fixture.submit(payment: "order-1", key: "k1")
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.submit(
                    fixture.request(payment: "order-1", key: "k1", amount: amount, email: email), machine: fixture.machine, now: t0 + 1)
            }
            #expect(error?.code == .idempotencyConflict)
            #expect(try await fixture.store.attempt(original.id) == original)
            #expect(try await fixture.count("attempts") == 1)
            #expect(try await fixture.count("attempt_history") == 1)
            #expect(try await fixture.scalar("SELECT amount FROM payments WHERE id = 'order-1'") == 1_000)
        }
    }

    @Test("the same key for another payment is a conflict that leaves no payment behind")
    func keyReusedForAnotherPayment() async throws {
        try await StoreFixture.with { fixture in
            try await fixture.submit(payment: "order-1", key: "k1")
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.submit(fixture.request(payment: "order-2", key: "k1"), machine: fixture.machine, now: t0)
            }
            #expect(error?.code == .idempotencyConflict)
            #expect(try await fixture.count("payments") == 1)
        }
    }

    @Test("a second attempt while the first is in flight is refused")
    func secondAttemptWhileInFlight() async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "order-1", key: "k1")
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.submit(fixture.request(payment: "order-1", key: "k2"), machine: fixture.machine, now: t0 + 1)
            }
            #expect(error?.code == .attemptInFlight)
            // Still in flight while the payer confirms.
            try await fixture.store.apply(.sessionCreated(session(.open)), to: first.id, machine: fixture.machine, completing: nil, now: t0 + 1)
            try await fixture.store.apply(.payAnswered(session(.open)), to: first.id, machine: fixture.machine, completing: nil, now: t0 + 2)
            #expect(try await fixture.store.attempt(first.id)?.state == .awaitingConfirmation)
            let again = await #expect(throws: StoreError.self) {
                try await fixture.store.submit(fixture.request(payment: "order-1", key: "k3"), machine: fixture.machine, now: t0 + 3)
            }
            #expect(again?.code == .attemptInFlight)
            #expect(try await fixture.count("attempts") == 1)
        }
    }

    @Test("a completed payment takes no new attempt")
    func completedPaymentRefusesAttempt() async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "order-1", key: "k1")
            let completion = try await fixture.store.apply(
                .fetched(session(.completed), .poll), to: first.id, machine: fixture.machine, completing: nil, now: t0 + 30)
            #expect(completion.completesPayment)
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.submit(fixture.request(payment: "order-1", key: "k2"), machine: fixture.machine, now: t0 + 31)
            }
            #expect(error?.code == .paymentCompleted)
            #expect(try await fixture.store.payment(PaymentID(rawValue: "order-1"))?.completedAttemptID == first.id)
            #expect(try await fixture.count("attempts") == 1)
        }
    }

    @Test("a payment with another amount is refused as a mismatch")
    func paymentMismatch() async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "order-1", key: "k1")
            try await fixture.store.apply(.deadlineReached, to: first.id, machine: fixture.machine, completing: nil, now: t0 + 90)
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.submit(fixture.request(payment: "order-1", key: "k2", amount: 999), machine: fixture.machine, now: t0 + 91)
            }
            #expect(error?.code == .paymentMismatch)
        }
    }

    @Test("after an attempt expired a new attempt of the payment is accepted")
    func newAttemptAfterExpiry() async throws {
        try await StoreFixture.with { fixture in
            let first = try await fixture.submit(payment: "order-1", key: "k1")
            let expiry = try await fixture.store.apply(.deadlineReached, to: first.id, machine: fixture.machine, completing: nil, now: first.deadline)
            #expect(expiry.attempt.state == .expired)
            let second = try await fixture.store.submit(
                fixture.request(payment: "order-1", key: "k2"), machine: fixture.machine, now: first.deadline + 10)
            #expect(!second.replayed)
            #expect(second.attempt.id != first.id)
            let record = try #require(try await fixture.store.payment(PaymentID(rawValue: "order-1")))
            #expect(record.attempts.map(\.id) == [first.id, second.attempt.id])
            #expect(record.state == .submitted)
        }
    }

    @Test("concurrent submissions with one key store one attempt")
    func concurrentReplays() async throws {
        try await StoreFixture.with { fixture in
            let other = try await fixture.openStore()
            let request = try fixture.request(payment: "order-1", key: "k1")
            let results = try await withThrowingTaskGroup(of: SubmitResult.self) { group in
                for index in 0..<8 {
                    let store = index.isMultiple(of: 2) ? fixture.store : other
                    group.addTask { try await store.submit(request, machine: fixture.machine, now: t0) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { !$0.replayed }.count == 1)
            #expect(Set(results.map(\.attempt.id)).count == 1)
            #expect(try await fixture.count("attempts") == 1)
        }
    }
}

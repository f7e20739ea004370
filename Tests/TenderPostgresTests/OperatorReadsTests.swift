import Foundation
import LibPQ
import Tender
import TenderPostgres
import Testing

/// What the console reads: the overview's counts and alarms, and a payment's activity.
@Suite("Operator reads")
struct OperatorReadsTests {
    @Test("the overview counts outcomes by minute, deadline lateness, webhooks, a duplicate charge and an amount mismatch")
    func overview() async throws {
        try await StoreFixture.with { fixture in
            let store = fixture.store
            func apply(_ input: AttemptInput, to attempt: Attempt, at now: Date) async throws {
                try await store.apply(input, to: attempt.id, machine: fixture.machine, completing: nil, now: now)
            }
            // A payer who never confirms: the deadline fires 250 ms late and the final poll expires
            // the attempt; a second attempt is paid, and then the first one's payer confirms too.
            let first = try await fixture.submit(payment: "order-twice")
            try await apply(.sessionCreated(session(.open, id: "cs_first")), to: first, at: t0 + 1)
            try await apply(.payAnswered(session(.open, id: "cs_first")), to: first, at: t0 + 2)
            try await apply(.deadlineReached, to: first, at: first.deadline + 0.25)
            try await apply(.fetched(session(.expired, id: "cs_first"), .finalPoll), to: first, at: first.deadline + 0.5)
            let second = try await fixture.submit(payment: "order-twice", now: first.deadline + 1)
            try await apply(.sessionCreated(session(.completed, id: "cs_second")), to: second, at: first.deadline + 2)
            try await apply(.fetched(session(.completed, id: "cs_first"), .gracePoll), to: first, at: first.deadline + 3)
            // A gateway that opens a session for another amount.
            let mismatched = try await fixture.submit(payment: "order-mismatch")
            try await apply(.sessionCreated(session(.open, id: "cs_mismatch", amount: 999)), to: mismatched, at: t0 + 1)
            // A webhook for a known session, and one for a session no attempt holds.
            for (event, sessionID) in [("evt_known", "cs_second"), ("evt_parked", "cs_nobody")] {
                let hint = WebhookHint(eventID: event, type: "checkout.session.completed", sessionID: sessionID, createdAt: t0 + 5)
                _ = try await store.receiveWebhook(hint, body: Array("{}".utf8), machine: fixture.machine, now: first.deadline + 4)
            }
            let waiting = try await fixture.submit(payment: "order-waiting", now: first.deadline + 5)
            try await apply(.sessionCreated(session(.open, id: "cs_waiting")), to: waiting, at: first.deadline + 6)
            try await apply(.payAnswered(session(.open, id: "cs_waiting")), to: waiting, at: first.deadline + 7)

            let overview = try await store.overview(since: t0 - 60)
            var outcomes: [AttemptState: Int] = [:]
            for minute in overview.minutes {
                #expect(minute.start.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0, "minutes start on the minute")
                outcomes.merge(minute.outcomes, uniquingKeysWith: +)
            }
            #expect(outcomes == [.completed: 2, .failed: 1])
            #expect(overview.deadlineLateness.count == 1)
            #expect(abs(overview.deadlineLateness.p50 - 0.25) < 0.001)
            #expect(overview.webhooksProcessed == 1)
            #expect(overview.webhooksParked == 1)
            #expect(overview.duplicateCharges.map(\.paymentID) == [PaymentID(rawValue: "order-twice")])
            #expect(overview.amountMismatches.map(\.paymentID) == [PaymentID(rawValue: "order-mismatch")])
            #expect(overview.oldestAwaiting?.attemptID == waiting.id)
            #expect(overview.monitoring.attempts[.awaitingConfirmation] == 1)

            let later = try await store.overview(since: first.deadline + 3600)
            #expect(later.minutes.isEmpty && later.deadlineLateness.count == 0 && later.duplicateCharges.isEmpty && later.webhooksParked == 0)

            let record = try #require(try await store.payment(PaymentID(rawValue: "order-twice")))
            let activity = try await store.activity(of: record)
            #expect(activity.webhooks.map(\.eventID) == ["evt_known"])
            #expect(activity.webhooks.first?.processedAt != nil)
            #expect(activity.events.map(\.type).contains("attempt.completed_late"))
            let fetched = try #require(record.history.first { $0.input == "fetched" })
            #expect(activity.evidence(of: fetched)?.contains("cs_first") == true, "a history entry's evidence")
        }
    }
}

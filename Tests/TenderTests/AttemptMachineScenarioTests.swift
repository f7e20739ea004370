import Foundation
import Tender
import Testing

/// Whole stories of an attempt, input after input, as the engine would feed them.
@Suite("Attempt machine scenarios")
struct AttemptMachineScenarioTests {
    let machine = AttemptMachine()
    let t = Fixture.t

    /// Submits at `t(0)` and lets the gateway create an open session at `t(1)`.
    func payingAttempt(number: Int = 1, machine: AttemptMachine? = nil) throws -> Attempt {
        let machine = machine ?? self.machine
        let submitted = machine.submit(try Fixture.submission(number: number), now: t(0)).attempt
        let created = machine.transition(submitted, .sessionCreated(Fixture.session(.open)), context: PaymentContext(), now: t(1))
        #expect(created.attempt.stage == .paying)
        #expect(created.effects == [.call(.pay, at: t(1))])
        return created.attempt
    }

    /// A paying attempt that the gateway took and the payer is confirming, from `t(2)`.
    func awaitingAttempt(number: Int = 1) throws -> Attempt {
        let paid = machine.transition(try payingAttempt(number: number), .payAnswered(Fixture.session(.open)), context: PaymentContext(), now: t(2))
        #expect(paid.attempt.state == .awaitingConfirmation)
        return paid.attempt
    }

    @Test("a pay with an unknown outcome is verified, re-sent, and a refusal of the re-send means the gateway holds the code")
    func unknownPayThenRepayRejected() throws {
        let paying = try payingAttempt()

        let timedOut = machine.transition(paying, .callFailed(.pay, Fixture.outcomeUnknown), context: PaymentContext(), now: t(12))
        #expect(timedOut.attempt.state == .submitted)
        #expect(timedOut.attempt.stage == .verifyingUnknownPay)
        #expect(timedOut.attempt.code != nil, "the code is kept: the pay may have to be sent again")
        #expect(timedOut.effects == [.fetch(.verifyCall, at: t(12))])

        let verified = machine.transition(timedOut.attempt, .fetched(Fixture.session(.open), .verifyCall), context: PaymentContext(), now: t(13))
        #expect(verified.attempt.stage == .repaying)
        #expect(verified.effects == [.call(.pay, at: t(13))])

        let refused = machine.transition(verified.attempt, .callFailed(.pay, Fixture.requestRejected), context: PaymentContext(), now: t(14))
        #expect(refused.attempt.state == .awaitingConfirmation)
        #expect(refused.attempt.failure == nil)
        #expect(refused.attempt.code == nil)
        #expect(refused.effects == [.eraseCode, .emit(.awaitingConfirmation), .fetch(.poll, at: t(19))])
        #expect(refused.attempt.version == 5)
    }

    @Test("a decline fails the attempt with its reason and tells the order system")
    func declineFails() throws {
        let declined = machine.transition(
            try payingAttempt(),
            .callFailed(.pay, GatewayError(kind: .payerMustAct(.codeUsed), httpStatus: 402, type: "voucher_error")),
            context: PaymentContext(), now: t(3)
        )
        #expect(declined.attempt.state == .failed)
        #expect(declined.attempt.failure == .declined(.codeUsed))
        #expect(declined.attempt.failure?.asksForNewCode == true)
        #expect(declined.attempt.code == nil)
        #expect(declined.attempt.resolvedAt == t(3))
        #expect(declined.attempt.outcomeSource == .gatewayResponse)
        #expect(declined.events == [.failed])
        #expect(declined.effects.contains(.eraseCode))
        #expect(declined.effects.contains(.cancel(.deadline)))
    }

    @Test("at the deadline a last poll is made; an open session then expires and is polled sparsely")
    func deadlineExpires() throws {
        let awaiting = try awaitingAttempt()
        let deadline = machine.transition(awaiting, .deadlineReached, context: PaymentContext(), now: t(90))
        #expect(deadline.attempt.state == .awaitingConfirmation)
        #expect(deadline.effects == [.fetch(.finalPoll, at: t(90))])

        let lastPoll = machine.transition(deadline.attempt, .fetched(Fixture.session(.open), .finalPoll), context: PaymentContext(), now: t(90.5))
        #expect(lastPoll.attempt.state == .expired)
        #expect(lastPoll.attempt.outcomeSource == .deadline)
        #expect(lastPoll.attempt.resolvedAt == t(90.5))
        #expect(lastPoll.events == [.expired])
        #expect(lastPoll.effects.contains(.fetch(.gracePoll, at: t(150.5))))
        #expect(!lastPoll.effects.contains(.cancel(.fetch)))
    }

    @Test("an expired attempt that the API reports completed becomes completed, flagged late")
    func lateCompletion() throws {
        let awaiting = try awaitingAttempt()
        let expired = machine.transition(awaiting, .fetched(Fixture.session(.expired), .poll), context: PaymentContext(), now: t(60))
        #expect(expired.attempt.state == .expired)

        let graceTick = machine.transition(expired.attempt, .fetched(Fixture.session(.open), .gracePoll), context: PaymentContext(), now: t(120))
        #expect(graceTick.attempt.state == .expired)
        #expect(graceTick.effects == [.fetch(.gracePoll, at: t(180))])

        let late = machine.transition(graceTick.attempt, .fetched(Fixture.session(.completed), .gracePoll), context: PaymentContext(), now: t(180))
        #expect(late.attempt.state == .completed)
        #expect(late.attempt.late)
        #expect(!late.attempt.duplicate)
        #expect(late.attempt.outcomeSource == .poll)
        #expect(late.events == [.completedLate])
        #expect(late.completesPayment)
    }

    @Test("a webhook only asks for a fetch; the fetch brings the outcome")
    func webhookIsAHint() throws {
        let awaiting = try awaitingAttempt()
        let hinted = machine.transition(awaiting, .webhookHint(Fixture.hint), context: PaymentContext(), now: t(40))
        #expect(hinted.attempt.state == .awaitingConfirmation)
        #expect(hinted.effects == [.fetch(.webhook, at: t(40))])
        #expect(hinted.events.isEmpty)

        let fetched = machine.transition(hinted.attempt, .fetched(Fixture.session(.completed), .webhook), context: PaymentContext(), now: t(40.5))
        #expect(fetched.attempt.state == .completed)
        #expect(fetched.attempt.outcomeSource == .webhook)
        #expect(fetched.events == [.completed])
    }

    @Test("a second attempt completing a paid payment is a duplicate charge, not refunded when refunds are off")
    func duplicateCharge() throws {
        var policy = AttemptPolicy()
        policy.refundsDuplicates = false
        let machine = AttemptMachine(policy: policy)
        let first = machine.transition(
            try awaitingAttempt(number: 1), .fetched(Fixture.session(.completed), .poll), context: PaymentContext(), now: t(30))
        #expect(first.completesPayment)
        let context = PaymentContext(completedAttemptID: first.attempt.id)

        let second = machine.transition(
            try awaitingAttempt(number: 2), .fetched(Fixture.session(.completed, id: "cs_2"), .poll), context: context, now: t(31))
        #expect(second.attempt.state == .completed)
        #expect(second.attempt.duplicate)
        #expect(!second.completesPayment)
        #expect(second.events == [.completed, .duplicateCharge])
        #expect(!second.effects.contains { if case .call = $0 { true } else { false } })
    }

    @Test("by default a duplicate charge is refunded, once, as a refund of its own")
    func duplicateChargeRefunded() throws {
        let machine = AttemptMachine(policy: AttemptPolicy())
        let context = PaymentContext(completedAttemptID: Fixture.attemptID(1))
        let paying = try payingAttempt(number: 2, machine: machine)

        let second = machine.transition(paying, .payAnswered(Fixture.session(.completed)), context: context, now: t(5))
        #expect(second.attempt.duplicate)
        #expect(second.events == [.completed, .duplicateCharge])
        #expect(second.effects.last == .refundCharge(.duplicated, at: t(5)))
        #expect(
            second.effects.firstIndex(of: .cancel(.call)).map { $0 < second.effects.count - 1 } == true,
            "pending calls are dropped before the refund is planned")

        let again = machine.transition(second.attempt, .fetched(Fixture.session(.completed), .webhook), context: context, now: t(8))
        #expect(again.effects.isEmpty, "the refund is asked for once")
    }

    @Test("the first poll is never planned before the present, even when the gateway answers after the deadline")
    func payAnsweredAfterDeadline() throws {
        let paying = try payingAttempt()
        let paid = machine.transition(paying, .payAnswered(Fixture.session(.open)), context: PaymentContext(), now: t(95))
        #expect(paid.attempt.state == .awaitingConfirmation)
        #expect(paid.effects.contains(.fetch(.poll, at: t(95))))

        let polled = machine.transition(paid.attempt, .fetched(Fixture.session(.open), .poll), context: PaymentContext(), now: t(95))
        #expect(polled.attempt.state == .expired)
    }

    @Test("a cancel before the session exists ends the attempt without another gateway call")
    func cancelBeforeSession() throws {
        let submitted = machine.submit(try Fixture.submission(), now: t(0))
        let canceled = machine.transition(submitted.attempt, .cancelRequested, context: PaymentContext(), now: t(0.5))
        #expect(canceled.attempt.state == .canceled)
        #expect(canceled.attempt.outcomeSource == .orderSystem)
        #expect(canceled.attempt.code == nil)
        #expect(canceled.events == [.canceled])
        #expect(canceled.effects.contains(.cancel(.fetch)))
        #expect(!canceled.effects.contains { $0.scheduledTask != nil })

        let created = machine.transition(canceled.attempt, .sessionCreated(Fixture.session(.open)), context: PaymentContext(), now: t(1))
        #expect(created.attempt.state == .canceled)
        #expect(created.effects.isEmpty, "a session created anyway is not paid")
    }

    @Test("a canceled attempt's session is watched; a completion that arrives anyway is late and refunded")
    func cancelWhileAwaiting() throws {
        let awaiting = try awaitingAttempt(number: 1)
        let canceled = machine.transition(awaiting, .cancelRequested, context: PaymentContext(), now: t(30))
        #expect(canceled.attempt.state == .canceled)
        #expect(canceled.events == [.canceled])
        #expect(canceled.effects.contains(.fetch(.gracePoll, at: t(90))))
        #expect(!canceled.effects.contains { if case .call = $0 { true } else { false } })

        let stillOpen = machine.transition(canceled.attempt, .fetched(Fixture.session(.open), .gracePoll), context: PaymentContext(), now: t(90))
        #expect(stillOpen.attempt.state == .canceled)
        #expect(stillOpen.effects == [.fetch(.gracePoll, at: t(150))])

        let confirmed = machine.transition(
            stillOpen.attempt, .fetched(Fixture.session(.completed), .gracePoll), context: PaymentContext(), now: t(150))
        #expect(confirmed.attempt.state == .completed)
        #expect(confirmed.attempt.late)
        #expect(confirmed.events == [.completedLate])
        #expect(confirmed.effects.last == .refundCharge(.requestedByCustomer, at: t(150)))

        var keep = AttemptPolicy()
        keep.refundsDuplicates = false
        let kept = AttemptMachine(policy: keep).transition(
            stillOpen.attempt, .fetched(Fixture.session(.completed), .gracePoll), context: PaymentContext(), now: t(150))
        #expect(kept.attempt.state == .completed)
        #expect(!kept.effects.contains { if case .refundCharge = $0 { true } else { false } }, "reported, not refunded")
    }

    @Test("a completed, expired or failed attempt is not canceled")
    func cancelAfterOutcome() throws {
        let completed = machine.transition(
            try awaitingAttempt(number: 1), .fetched(Fixture.session(.completed), .poll), context: PaymentContext(), now: t(30))
        let refused = machine.transition(completed.attempt, .cancelRequested, context: PaymentContext(), now: t(31))
        #expect(refused.attempt.state == .completed)
        #expect(refused.effects.isEmpty)
    }

    @Test("a session opened for another amount fails the attempt before the code is sent, with an alarm")
    func createdWithAnotherAmount() throws {
        let submitted = machine.submit(try Fixture.submission(), now: t(0))
        let wrong = GatewaySession(id: Fixture.sessionID, status: .open, amount: 999, currency: "PLN")
        let created = machine.transition(submitted.attempt, .sessionCreated(wrong), context: PaymentContext(), now: t(1))
        #expect(created.attempt.state == .failed)
        #expect(created.attempt.failure == .amountMismatch)
        #expect(created.attempt.code == nil)
        #expect(created.events == [.failed, .amountMismatch])
        #expect(!created.effects.contains { if case .call(.pay, _) = $0 { true } else { false } })
    }

    @Test("a session completed for another currency completes the attempt loudly, never silently")
    func completedInAnotherCurrency() throws {
        let wrong = GatewaySession(id: Fixture.sessionID, status: .completed, amount: 1000, currency: "EUR")
        let completed = machine.transition(try awaitingAttempt(), .fetched(wrong, .poll), context: PaymentContext(), now: t(30))
        #expect(completed.attempt.state == .completed)
        #expect(completed.events == [.completed, .amountMismatch])
        #expect(completed.note.contains("currency EUR at the gateway, PLN ordered"))

        let right = GatewaySession(id: Fixture.sessionID, status: .completed, amount: 1000, currency: "PLN")
        #expect(machine.transition(try awaitingAttempt(), .fetched(right, .poll), context: PaymentContext(), now: t(30)).events == [.completed])
    }

    func backoff() {
        let policy = AttemptPolicy()
        let delays = (1...8).map { policy.backoff(afterRetries: $0) }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10), .seconds(10)])
        #expect(policy.backoff(afterRetries: 0) == .milliseconds(500))
        #expect(policy.backoff(afterRetries: 1000) == .seconds(10))
    }

    @Test("history notes never contain the code")
    func notesHideCode() throws {
        let submitted = machine.submit(try Fixture.submission(), now: t(0))
        var attempt = submitted.attempt
        for input in Fixture.allInputs {
            let transition = machine.transition(attempt, input, context: PaymentContext(), now: t(1))
            #expect(!transition.note.contains(Fixture.digits))
            #expect(!transition.note.isEmpty)
            attempt = transition.attempt.state == .submitted ? transition.attempt : attempt
        }
    }
}

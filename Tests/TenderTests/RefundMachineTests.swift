import Foundation
import Tender
import Testing

/// The refund state machine: `requested → pending → succeeded | failed`, forward only.
@Suite struct RefundMachineTests {
    let machine = RefundMachine(policy: AttemptPolicy())
    let t = Fixture.t

    func requested() throws -> Refund {
        let attempt = try Fixture.submission()
        let paid = AttemptMachine().submit(attempt, now: t(0)).attempt
        return RefundMachine.request(
            RefundID(), of: paid, amount: try Money(minorUnits: 400, currency: .pln), reason: .requestedByCustomer, now: t(1)
        )
        .refund
    }

    func answer(_ status: GatewayRefund.Status) -> GatewayRefund {
        GatewayRefund(id: "re_1", amount: 400, status: status)
    }

    @Test("a request is due for its gateway call at once, under a key of its own")
    func request() throws {
        let refund = try requested()
        #expect(refund.state == .requested)
        #expect(refund.version == 1)
        #expect(refund.nextAt == t(1))
        #expect(refund.gatewayKey == "tender-refund-\(refund.id)")
    }

    @Test("an accepted refund is read back with growing pauses until it settles, then reported once")
    func pendingThenSucceeded() throws {
        let accepted = machine.transition(try requested(), .answered(answer(.pending)), now: t(2))
        #expect(accepted.refund.state == .pending)
        #expect(accepted.refund.gatewayRefundID == "re_1")
        #expect(accepted.refund.nextAt == t(7))
        #expect(accepted.event == nil)

        let still = machine.transition(accepted.refund, .retrieved(answer(.pending)), now: t(7))
        #expect(still.refund.state == .pending)
        #expect(still.refund.nextAt == t(17), "the second read waits twice as long")
        #expect(!still.changedState)

        let settled = machine.transition(still.refund, .retrieved(answer(.succeeded)), now: t(17))
        #expect(settled.refund.state == .succeeded)
        #expect(settled.refund.nextAt == nil)
        #expect(settled.refund.resolvedAt == t(17))
        #expect(settled.event == .refundSucceeded)

        let again = machine.transition(settled.refund, .retrieved(answer(.failed)), now: t(20))
        #expect(again.refund.state == .succeeded, "a final refund absorbs answers")
        #expect(again.refund.version == settled.refund.version + 1)
        #expect(again.event == nil)
    }

    @Test("a refund the gateway settles as failed is reported as failed")
    func pendingThenFailed() throws {
        let accepted = machine.transition(try requested(), .answered(answer(.pending)), now: t(2))
        let failed = machine.transition(accepted.refund, .retrieved(answer(.failed)), now: t(7))
        #expect(failed.refund.state == .failed)
        #expect(failed.refund.failure != nil)
        #expect(failed.event == .refundFailed)
    }

    @Test("a call that may pass later, or may have been applied, is retried with backoff; only a refused request fails the refund")
    func callFailures() throws {
        let refund = try requested()
        let retried: [GatewayError] = [
            GatewayError(kind: .retryLater, outcomeUnknown: true),
            GatewayError(kind: .retryLater, httpStatus: 503),
            GatewayError(kind: .configuration, httpStatus: 401),
            GatewayError(kind: .requestRejected, httpStatus: 409),
            GatewayError(kind: .requestRejected, outcomeUnknown: true, httpStatus: 200, message: "undecodable response"),
            GatewayError(kind: .requestRejected, httpStatus: 418),
            GatewayError(kind: .payerMustAct(.declined), httpStatus: 422),
        ]
        for error in retried {
            let next = machine.transition(refund, .callFailed(error), now: t(2))
            #expect(next.refund.state == .requested, "\(error)")
            #expect(next.refund.retries == 1)
            #expect(next.refund.nextAt == t(2.5))
            #expect(next.event == nil)
        }
        let refused = [
            GatewayError(kind: .requestRejected, httpStatus: 400), GatewayError(kind: .payerMustAct(.declined), httpStatus: 402),
            GatewayError(kind: .requestRejected, httpStatus: 404),
        ]
        for error in refused {
            let next = machine.transition(refund, .callFailed(error), now: t(2))
            #expect(next.refund.state == .failed, "\(error)")
            #expect(next.event == .refundFailed)
            #expect(next.refund.nextAt == nil)
        }
    }

    @Test("a failed read of a pending refund keeps it pending and reads again later")
    func retrieveFailure() throws {
        let accepted = machine.transition(try requested(), .answered(answer(.pending)), now: t(2))
        let next = machine.transition(accepted.refund, .retrieveFailed(GatewayError(kind: .requestRejected, httpStatus: 404)), now: t(7))
        #expect(next.refund.state == .pending)
        #expect(next.refund.nextAt == t(17))
    }

    @Test("states only move forward, whatever the answers' order")
    func forwardOnly() throws {
        let inputs: [RefundInput] = [
            .answered(answer(.pending)), .answered(answer(.succeeded)), .answered(answer(.failed)), .retrieved(answer(.pending)),
            .retrieved(answer(.succeeded)), .retrieved(answer(.failed)), .callFailed(GatewayError(kind: .retryLater)),
            .callFailed(GatewayError(kind: .requestRejected, httpStatus: 400)), .retrieveFailed(GatewayError(kind: .retryLater)),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var refund = try requested()
            var events: [OrderEventType] = []
            for step in 0..<6 {
                let input = inputs.randomElement(using: &generator) ?? inputs[0]
                let next = machine.transition(refund, input, now: t(Double(step + 2)))
                #expect(next.refund.state.rank >= refund.state.rank)
                #expect(next.refund.version == refund.version + 1)
                #expect((next.refund.nextAt == nil) == next.refund.state.isFinal)
                events += next.event.map { [$0] } ?? []
                refund = next.refund
            }
            #expect(events.count <= 1, "a refund is reported final at most once")
        }
    }
}

import Foundation
import Logging
import Metrics

extension PaymentEngine {
    /// Refunds a paid payment, wholly or in part. Idempotent by `idempotencyKey`: the same key with
    /// the same request returns the same refund; with another request it is refused. The refund is
    /// recorded at once and made by the payment's refund task, which follows it until the gateway
    /// says it succeeded or failed (events `refund.succeeded`, `refund.failed`).
    /// - Parameters:
    ///   - amount: how much, in minor units; `nil` for everything not refunded yet.
    ///   - operatorAction: the operator who asks, when one does; recorded in the refund's history.
    /// - Throws: ``ValidationError`` for an amount that is not positive; ``StoreError`` with
    ///   ``StoreError/Code/notFound``, ``StoreError/Code/paymentNotCompleted``,
    ///   ``StoreError/Code/amountExceedsRefundable`` or ``StoreError/Code/idempotencyConflict``.
    public func refund(
        paymentID: PaymentID, amount: Int64? = nil, reason: RefundReason = .requestedByCustomer, idempotencyKey: String,
        operatorAction: OperatorAction? = nil
    ) async throws -> RequestedRefund {
        if let amount, amount <= 0 {
            throw ValidationError(.invalidAmount, field: "amount", "must be a positive number of minor units")
        }
        let request = RefundRequest(
            idempotencyKey: idempotencyKey, paymentID: paymentID, amount: amount, reason: reason, operatorAction: operatorAction)
        let requested = try await store.requestRefund(request, machine: refundMachine, now: now())
        if !requested.replayed {
            let refund = requested.refund
            logger.info(
                "refund requested",
                metadata: [
                    "refund_id": "\(refund.id)", "payment_id": "\(paymentID)", "amount": "\(refund.amount.minorUnits)",
                ])
            Counter(label: "tender_refunds_total", dimensions: [("state", refund.state.rawValue)]).increment()
            await schedule(refund.requestedAt, kind: .refund)
        }
        return requested
    }

    /// Runs a claimed refund task: calls the gateway for each of the attempt's refunds that is due
    /// (the refund call, or a read of a pending refund) and applies the answers as the task's
    /// completion.
    func completeRefunds(_ claim: TaskClaim) async {
        await runTask(claim) {
            let refunds = try await store.unfinishedRefunds(of: claim.attemptID)
            let sessionID = refunds.contains { $0.state == .requested } ? try await store.attempt(claim.attemptID)?.sessionID : nil
            let dueBy = now()
            var answers: [RefundAnswer] = []
            for refund in refunds where refund.nextAt.map({ $0 <= dueBy }) ?? false {
                answers.append(RefundAnswer(refundID: refund.id, input: await gatewayAnswer(for: refund, sessionID: sessionID)))
            }
            let transitions = try await retryingStoreFailures(of: claim) {
                try await store.applyRefundAnswers(answers, of: claim.attemptID, machine: refundMachine, completing: claim, now: now())
            }
            for transition in transitions {
                await record(transition, of: claim)
            }
        }
    }

    /// The gateway's answer for one refund: the refund call for a requested refund (under the
    /// refund's own idempotency key), a read for a pending one.
    private func gatewayAnswer(for refund: Refund, sessionID: String?) async -> RefundInput {
        if refund.state == .requested {
            guard let sessionID else {
                return .callFailed(GatewayError(kind: .requestRejected, message: "no session to refund"))
            }
            do {
                return .answered(
                    try await timed("refund") {
                        try await gateway.refund(
                            sessionID: sessionID, amount: refund.amount.minorUnits, reason: refund.reason, idempotencyKey: refund.gatewayKey)
                    })
            } catch {
                return .callFailed(GatewayError(error))
            }
        }
        guard let gatewayRefundID = refund.gatewayRefundID else {
            return .retrieveFailed(GatewayError(kind: .requestRejected, message: "no gateway refund id to read"))
        }
        do {
            return .retrieved(try await timed("retrieve_refund") { try await gateway.refund(id: gatewayRefundID) })
        } catch {
            return .retrieveFailed(GatewayError(error))
        }
    }

    /// Logs and counts an applied refund transition, wakes the outbox's readers for its event and
    /// puts its next gateway work on the timer heap.
    private func record(_ transition: RefundTransition, of claim: TaskClaim) async {
        let refund = transition.refund
        if transition.event != nil {
            await outboxBell.ring()
        }
        if transition.changedState {
            logger(for: claim).info(
                "refund \(refund.state.rawValue)",
                metadata: ["refund_id": "\(refund.id)", "note": "\(transition.note)"])
            Counter(label: "tender_refunds_total", dimensions: [("state", refund.state.rawValue)]).increment()
        }
        if let nextAt = refund.nextAt {
            await schedule(nextAt, kind: .refund)
        }
    }
}

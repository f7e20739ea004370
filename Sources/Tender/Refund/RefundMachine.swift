import Foundation

/// The refund state machine: a pure function from a refund, a gateway answer and the time to the
/// next refund. No I/O happens here.
///
/// The rules it keeps:
/// - a state only moves forward (``RefundState/rank`` never falls); a final refund absorbs answers,
///   which are still recorded;
/// - a refund call that failed in a way that may pass (a timeout, 429, 5xx, 409, refused
///   credentials) is retried with backoff under the refund's own idempotency key, so the gateway
///   never refunds twice, and so is one whose outcome is unknown or whose answer could not be
///   read; only a definite refusal of the request (400, 402, 404) fails the refund;
/// - a pending refund is read back with backoff until the gateway says it settled.
public struct RefundMachine: Sendable {
    /// The timings applied.
    public var policy: AttemptPolicy

    /// Creates a machine with a policy.
    public init(policy: AttemptPolicy = AttemptPolicy()) {
        self.policy = policy
    }

    /// A new refund of `amount` of an attempt's charge, due for its gateway call now; an
    /// operator's request is recorded with their name and reason.
    public static func request(
        _ id: RefundID, of attempt: Attempt, amount: Money, reason: RefundReason, requestedBy operatorAction: OperatorAction? = nil, now: Date
    ) -> RefundTransition {
        let refund = Refund(
            id: id, paymentID: attempt.paymentID, attemptID: attempt.id, amount: amount, reason: reason, state: .requested,
            version: 1, gatewayRefundID: nil, failure: nil, retries: 0, nextAt: now, requestedAt: now, resolvedAt: nil,
            gatewayKey: "tender-refund-\(id)"
        )
        var note = "refund of \(amount.minorUnits) requested (\(reason.rawValue))"
        if let operatorAction { note += " by \(operatorAction.attribution)" }
        return RefundTransition(previous: nil, refund: refund, event: nil, note: note)
    }

    /// Applies one gateway answer.
    public func transition(_ refund: Refund, _ input: RefundInput, now: Date) -> RefundTransition {
        var next = refund
        next.version = refund.version + 1
        var event: OrderEventType?
        let note: String
        if refund.state.isFinal {
            note = "recorded, no change: the refund is \(refund.state.rawValue)"
        } else {
            switch input {
            case .answered(let answer), .retrieved(let answer):
                next.gatewayRefundID = next.gatewayRefundID ?? answer.id
                switch answer.status {
                case .pending:
                    next.retries = refund.state == .pending ? refund.retries + 1 : 0
                    next.state = .pending
                    next.nextAt = now + settlementBackoff(afterRetries: next.retries)
                    note = refund.state == .pending ? "refund still pending" : "gateway accepted the refund; waiting for it to settle"
                case .succeeded:
                    finish(&next, .succeeded, now: now)
                    event = .refundSucceeded
                    note = "gateway reports the refund succeeded"
                case .failed:
                    finish(&next, .failed, now: now)
                    next.failure = "the gateway reports the refund failed"
                    event = .refundFailed
                    note = "gateway reports the refund failed"
                }
            case .callFailed(let error) where refund.state == .requested && !Self.isRetryable(error):
                finish(&next, .failed, now: now)
                next.failure = error.description
                event = .refundFailed
                note = "gateway refused the refund: \(error)"
            case .callFailed(let error), .retrieveFailed(let error):
                next.retries = refund.retries + 1
                next.nextAt =
                    now + (refund.state == .requested ? policy.backoff(afterRetries: next.retries) : settlementBackoff(afterRetries: next.retries))
                note = "\(input.name): \(error); trying again"
            }
        }
        return RefundTransition(previous: refund, refund: next, event: event, note: note)
    }

    /// How long to wait before reading a pending refund again, after `retries` reads that found it
    /// pending: the policy's refund poll interval, doubling up to 64 times it.
    public func settlementBackoff(afterRetries retries: Int) -> Duration {
        policy.refundPollInterval * (1 << min(max(retries, 0), 6))
    }

    /// Whether a refund call that failed so is to be made again under the same key rather than
    /// failing the refund. Only a definite refusal of the request (400, 402 or 404, nothing
    /// applied) fails it: a failed refund's amount may be refunded again, so a refund the gateway
    /// may have made (a timeout, 5xx, 409, an answer that could not be read) must not fail. The
    /// gateway being unreachable or busy, or refusing Tender's credentials (an operator fixes them;
    /// the payer's money is still owed), also leads to another call.
    static func isRetryable(_ error: GatewayError) -> Bool {
        if error.outcomeUnknown { return true }
        switch error.kind {
        case .retryLater, .configuration: return true
        case .requestRejected, .payerMustAct: return ![400, 402, 404].contains(error.httpStatus ?? 0)
        }
    }

    private func finish(_ refund: inout Refund, _ state: RefundState, now: Date) {
        refund.state = state
        refund.resolvedAt = now
        refund.nextAt = nil
        refund.retries = 0
    }
}

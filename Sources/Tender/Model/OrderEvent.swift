import Foundation

/// An event for the order system, read from the outbox in sequence order.
public struct OrderEvent: Sendable, Hashable, Codable {
    /// The position in the outbox; consumers acknowledge up to it.
    public var sequence: Int64
    /// What happened.
    public var type: OrderEventType
    /// The payment.
    public var paymentID: PaymentID
    /// The attempt.
    public var attemptID: AttemptID
    /// The attempt's state after the transition that emitted the event.
    public var state: AttemptState
    /// The attempt's version after that transition.
    public var version: Int64
    /// Why the attempt failed, for failures.
    public var failure: FailureReason?
    /// Whether the order system should ask the payer for a new code.
    public var asksForNewCode: Bool
    /// When the transition happened.
    public var occurredAt: Date
    /// The refund, for `refund.succeeded` and `refund.failed`.
    public var refundID: RefundID?
    /// The gateway's session of the attempt, once it had one.
    public var sessionID: String?
    /// The attempt's amount, or the refund's for a refund event (`nil` for events stored before
    /// events carried it).
    public var amount: Money?
    /// Whether the attempt completed after it had expired or been canceled.
    public var late: Bool
    /// Whether the attempt is a duplicate charge.
    public var duplicate: Bool

    /// Creates an event.
    public init(
        sequence: Int64, type: OrderEventType, paymentID: PaymentID, attemptID: AttemptID, state: AttemptState, version: Int64,
        failure: FailureReason?, asksForNewCode: Bool, occurredAt: Date, refundID: RefundID? = nil, sessionID: String? = nil,
        amount: Money? = nil, late: Bool = false, duplicate: Bool = false
    ) {
        self.sequence = sequence
        self.type = type
        self.paymentID = paymentID
        self.attemptID = attemptID
        self.state = state
        self.version = version
        self.failure = failure
        self.asksForNewCode = asksForNewCode
        self.occurredAt = occurredAt
        self.refundID = refundID
        self.sessionID = sessionID
        self.amount = amount
        self.late = late
        self.duplicate = duplicate
    }
}

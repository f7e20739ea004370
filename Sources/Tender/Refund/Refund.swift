import Foundation

/// One refund of a completed attempt's charge, whole or in part, with its own forward-only state.
///
/// A refund is a plain value, as an attempt is: ``RefundMachine`` computes its next value from the
/// gateway's answers and a ``PaymentStore`` persists it, one transition per transaction.
public struct Refund: Sendable, Hashable {
    /// Tender's id of the refund.
    public var id: RefundID
    /// The payment refunded.
    public var paymentID: PaymentID
    /// The attempt whose charge (whose gateway session) is refunded.
    public var attemptID: AttemptID
    /// How much goes back.
    public var amount: Money
    /// Why.
    public var reason: RefundReason
    /// Where it stands.
    public var state: RefundState
    /// Incremented by every applied answer; the refund's history has one row per version.
    public var version: Int64
    /// The gateway's id of the refund, once the gateway accepted it.
    public var gatewayRefundID: String?
    /// Why the refund failed, when it did.
    public var failure: String?
    /// Consecutive answers that left the refund where it was, for backoff.
    public var retries: Int
    /// When the refund next needs the gateway (a call or a look at its settlement); `nil` once final.
    public var nextAt: Date?
    /// When it was requested.
    public var requestedAt: Date
    /// When it settled or failed.
    public var resolvedAt: Date?
    /// The idempotency key of the refund's gateway call: the same for every retry, so a call
    /// whose answer was lost is recognised instead of refunding twice.
    public var gatewayKey: String

    /// Creates a refund value; new refunds come from ``RefundMachine/request(_:of:amount:reason:now:)``.
    public init(
        id: RefundID, paymentID: PaymentID, attemptID: AttemptID, amount: Money, reason: RefundReason, state: RefundState,
        version: Int64, gatewayRefundID: String?, failure: String?, retries: Int, nextAt: Date?, requestedAt: Date, resolvedAt: Date?,
        gatewayKey: String
    ) {
        self.id = id
        self.paymentID = paymentID
        self.attemptID = attemptID
        self.amount = amount
        self.reason = reason
        self.state = state
        self.version = version
        self.gatewayRefundID = gatewayRefundID
        self.failure = failure
        self.retries = retries
        self.nextAt = nextAt
        self.requestedAt = requestedAt
        self.resolvedAt = resolvedAt
        self.gatewayKey = gatewayKey
    }
}

/// The order system's request to refund a payment, with its idempotency key.
public struct RefundRequest: Sendable, Hashable {
    /// The caller's key; the same key with the same request returns the same refund.
    public var idempotencyKey: String
    /// The payment to refund.
    public var paymentID: PaymentID
    /// How much, in minor units; `nil` for everything not refunded yet.
    public var amount: Int64?
    /// Why.
    public var reason: RefundReason
    /// The operator who asked for it, when one did; recorded in the refund's history.
    public var operatorAction: OperatorAction?

    /// Creates a request.
    public init(idempotencyKey: String, paymentID: PaymentID, amount: Int64?, reason: RefundReason, operatorAction: OperatorAction? = nil) {
        self.idempotencyKey = idempotencyKey
        self.paymentID = paymentID
        self.amount = amount
        self.reason = reason
        self.operatorAction = operatorAction
    }

    /// The request as the store compares replays.
    public var fingerprint: String {
        [paymentID.rawValue, amount.map(String.init) ?? "rest", reason.rawValue].map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }
}

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

    /// Creates a request.
    public init(idempotencyKey: String, paymentID: PaymentID, amount: Int64?, reason: RefundReason) {
        self.idempotencyKey = idempotencyKey
        self.paymentID = paymentID
        self.amount = amount
        self.reason = reason
    }

    /// The request as the store compares replays.
    public var fingerprint: String {
        [paymentID.rawValue, amount.map(String.init) ?? "rest", reason.rawValue].map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }
}
